import { MAX_NAME_BYTES, RESERVED_EVENTS } from '../../domain/message';
import { CloseCode, StelarError, StelarErrorCode } from '../../domain/errors';
import { utf8Length } from './utf8';

/**
 * Why a name is not acceptable, or null when it is. Names (events, rooms, ack names) are
 * non-empty strings of at most {@link MAX_NAME_BYTES} UTF-8 bytes without `\0` — the NUL byte
 * separates a binary event's name from its metadata on the wire (docs/PROTOCOL.md).
 */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short names skip the byte count.
  if (name.length * 3 > MAX_NAME_BYTES && utf8Length(name) > MAX_NAME_BYTES) {
    return `must be at most ${MAX_NAME_BYTES} UTF-8 bytes`;
  }
  if (name.indexOf('\0') !== -1) return 'must not contain NUL (\\0)';
  return null;
}

/** True when `name` is a valid event or room name (see {@link nameProblem}). */
export function isValidName(name: unknown): name is string {
  return nameProblem(name) === null;
}

/** True for the event names the library uses itself (`connect`, `disconnect`, `error`…). */
export function isReservedEvent(name: string): boolean {
  return RESERVED_EVENTS.has(name);
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
