import { CloseCode, StelarError } from '../../domain/errors';
import { nameProblem, nameViolation, type NameKind } from '../../domain/name-validation';

// One rule for names everywhere (docs/PROTOCOL.md "Validation"): the domain's. The codecs re-export
// it so wire code and user APIs share it.
export { nameProblem, nameViolation, isReservedEvent, assertName } from '../../domain/name-validation';

/** True when `name` is a valid event or room name (see {@link nameProblem}). */
export function isValidName(name: unknown): name is string {
  return nameProblem(name) === null;
}

/**
 * {@link nameViolation} as a StelarError (`STELAR_ERR_INVALID_EVENT_NAME`). `what` labels the
 * message ("event name", "room name", "ack name").
 */
export function assertValidName(name: unknown, what = 'event name'): asserts name is string {
  throwViolation(name, (what.replace(/ name$/, '') as NameKind), false);
}

/**
 * For user APIs (`emit`, `on`…): a valid name that is not reserved. Throws
 * `STELAR_ERR_INVALID_EVENT_NAME` or `STELAR_ERR_RESERVED_EVENT_NAME`.
 */
export function assertEmittableEvent(name: unknown): asserts name is string {
  throwViolation(name, 'event', true);
}

function throwViolation(name: unknown, what: NameKind, reserved: boolean): void {
  const v = nameViolation(name, what, reserved);
  if (v === null) return;
  const closeCode = v.code === 'STELAR_ERR_RESERVED_EVENT_NAME' ? CloseCode.PolicyViolation : CloseCode.ProtocolError;
  throw new StelarError(v.code, v.message, closeCode);
}
