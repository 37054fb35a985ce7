import { MAX_NAME_BYTES, RESERVED_EVENTS } from '../../domain/message';
import { StelarErrorCode } from '../../domain/errors';

/** UTF-8 byte length of `s` without allocating (surrogate pairs count 4). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function fail(code: string, message: string): never {
  const err = new TypeError(message) as TypeError & { code: string };
  err.code = code;
  throw err;
}

/**
 * Checks an event or room name (docs/PROTOCOL.md, "Validation"): a non-empty string of at most
 * 255 UTF-8 bytes without NUL; event names must not be reserved. A bad name is a caller mistake:
 * it throws a TypeError (with the stable `code`) synchronously.
 */
export function assertName(name: unknown, what: 'event' | 'room' | 'ack', reservedCheck = false): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) fail(StelarErrorCode.InvalidEventName, `${what} name must be a non-empty string`);
  if (name.includes('\0')) fail(StelarErrorCode.InvalidEventName, `${what} name must not contain NUL`);
  if (utf8Length(name) > MAX_NAME_BYTES) fail(StelarErrorCode.InvalidEventName, `${what} name is longer than ${MAX_NAME_BYTES} bytes`);
  if (reservedCheck && RESERVED_EVENTS.has(name)) fail(StelarErrorCode.ReservedEventName, `"${name}" is a reserved event name`);
}
