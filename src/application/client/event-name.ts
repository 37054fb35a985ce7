import { StelarErrorCode } from '../../domain/errors';
import { isReservedEvent, nameProblem } from '../../domain/name-validation';

function codedError(code: string, message: string): TypeError & { code: string } {
  const err = new TypeError(message) as TypeError & { code: string };
  err.code = code;
  return err;
}

function fail(code: string, message: string): never {
  throw codedError(code, message);
}

/**
 * The TypeError (code STELAR_ERR_INVALID_EVENT_NAME) an invalid room name gets, or null when it
 * is valid. Room methods report it and resolve `false` instead of throwing (docs/API.md, "Rooms").
 */
export function roomNameError(room: unknown): (TypeError & { code: string }) | null {
  const problem = nameProblem(room);
  return problem === null ? null : codedError(StelarErrorCode.InvalidEventName, `room ${problem}`);
}

/**
 * Checks an event or room name with the domain's rule (docs/PROTOCOL.md, "Validation"); event
 * names must not be reserved either. A bad name is a caller mistake: it throws a TypeError (with
 * the stable `code`) synchronously.
 */
export function assertName(name: unknown, what: 'event' | 'room' | 'ack', reservedCheck = false): asserts name is string {
  const problem = nameProblem(name);
  if (problem !== null) fail(StelarErrorCode.InvalidEventName, `${what} ${problem}`);
  if (reservedCheck && isReservedEvent(name as string)) {
    fail(StelarErrorCode.ReservedEventName, `"${name as string}" is a reserved event name`);
  }
}
