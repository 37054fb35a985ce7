import { RESERVED_EVENTS } from '../../domain/message';
import { CloseCode, StelarError, StelarErrorCode } from '../../domain/errors';
import { nameProblem } from '../../domain/name-validation';

// One rule for names everywhere (docs/PROTOCOL.md "Validation"): the domain's. The codecs re-export
// it so wire code and user APIs share it.
export { nameProblem, isReservedEvent } from '../../domain/name-validation';

/** True when `name` is a valid event or room name (see {@link nameProblem}). */
export function isValidName(name: unknown): name is string {
  return nameProblem(name) === null;
}

/**
 * Throws `STELAR_ERR_INVALID_EVENT_NAME` when `name` is not a valid name. `what` labels the
 * message ("event name", "room name", "ack name").
 */
export function assertValidName(name: unknown, what = 'event name'): asserts name is string {
  const problem = nameProblem(name);
  if (problem !== null) {
    throw new StelarError(
      StelarErrorCode.InvalidEventName,
      `Invalid ${what}: ${problem}`,
      CloseCode.ProtocolError,
    );
  }
}

/**
 * For user APIs (`emit`, `on`…): a valid name that is not reserved. Throws
 * `STELAR_ERR_INVALID_EVENT_NAME` or `STELAR_ERR_RESERVED_EVENT_NAME`.
 */
export function assertEmittableEvent(name: unknown): asserts name is string {
  assertValidName(name, 'event name');
  if (RESERVED_EVENTS.has(name)) {
    throw new StelarError(
      StelarErrorCode.ReservedEventName,
      `Invalid event name: "${name}" is reserved`,
      CloseCode.PolicyViolation,
    );
  }
}
