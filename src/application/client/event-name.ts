import { StelarErrorCode } from '../../domain/errors';
import { isReservedEvent, nameProblem } from '../../domain/name-validation';

function fail(code: string, message: string): never {
  const err = new TypeError(message) as TypeError & { code: string };
  err.code = code;
  throw err;
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
