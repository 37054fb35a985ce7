import { MAX_NAME_BYTES, MessageType, RESERVED_EVENTS, type StelarMessage } from './message';
import { StelarErrorCode } from './errors';

/** UTF-8 byte length of a JS string (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * Why `name` is not a valid event or room name (docs/PROTOCOL.md "Validation"), or null when
 * it is: a non-empty, well-formed (no lone surrogate) string of at most 255 UTF-8 bytes
 * without NUL. A lone surrogate (a JSON `"\ud800"` escape) has no UTF-8 form: accepting it
 * would make the name another one (U+FFFD) on the way out.
 */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'name must be a non-empty string';
  const n = name.length;
  // Cheap bound first: a string of ≤ 85 UTF-16 units is ≤ 255 bytes.
  if (n * 3 > MAX_NAME_BYTES) {
    if (utf8Length(name) > MAX_NAME_BYTES) return `name longer than ${MAX_NAME_BYTES} bytes`;
    if (name.indexOf('\0') !== -1) return 'name contains NUL';
    if (hasLoneSurrogate(name)) return 'name contains a lone surrogate';
    return null;
  }
  // The usual short name, in one pass (this runs for every event name in and out): NUL is
  // reported before a lone surrogate, wherever each is, as the long path does.
  let lone = false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c === 0) return 'name contains NUL';
    if ((c & 0xf800) !== 0xd800) continue;
    if (c >= 0xdc00 || i + 1 >= n || (name.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) lone = true;
    else i++;
  }
  return lone ? 'name contains a lone surrogate' : null;
}

/** True for the library's own event names, which users cannot emit. */
export function isReservedEvent(name: string): boolean {
  return RESERVED_EVENTS.has(name);
}

/** What a name names, for messages ("Invalid room name: …"). */
export type NameKind = 'event' | 'room' | 'ack';


/** Why a name may not be used: its stable code and the message. */
export interface NameViolation {
  readonly code: typeof StelarErrorCode.InvalidEventName | typeof StelarErrorCode.ReservedEventName;
  readonly message: string;
}

/**
 * The one name check of the library, for every caller (codecs, the client and server APIs,
 * wire decoding, rooms): null when `name` is a valid `what` name (see {@link nameProblem});
 * with `reserved`, an event name a user emits must not be one of the library's own either.
 * Each caller turns a violation into its kind of error (TypeError for a caller mistake, a
 * ProtocolError for wire input) with the same code and message.
 */
export function nameViolation(name: unknown, what: NameKind, reserved = false): NameViolation | null {
  const problem = nameProblem(name);
  if (problem !== null) return { code: StelarErrorCode.InvalidEventName, message: `Invalid ${what} name: ${problem}` };
  if (reserved && RESERVED_EVENTS.has(name as string)) {
    return { code: StelarErrorCode.ReservedEventName, message: `"${name as string}" is a reserved event name` };
  }
  return null;
}

/**
 * {@link nameViolation} for caller mistakes: throws a TypeError carrying the stable `code`,
 * synchronously.
 */
export function assertName(name: unknown, what: NameKind, reserved = false): asserts name is string {
  const violation = nameViolation(name, what, reserved);
  if (violation !== null) {
    const err = new TypeError(violation.message) as TypeError & { code: string };
    err.code = violation.code;
    throw err;
  }
}

/**
 * Checks the names a message carries (event, ack, room) before it is encoded, for every codec:
 * an invalid one is a caller mistake and throws a TypeError ({@link assertName}).
 */
export function assertMessageNames(message: StelarMessage): void {
  switch (message.type) {
    case MessageType.Event:
      assertName(message.event, 'event');
      break;
    // Binary: binaryHead() checks the event while building the envelope head.
    case MessageType.AckRequest:
      assertName(message.event, 'event');
      assertName(message.ack, 'ack');
      break;
    case MessageType.AckResponse:
      assertName(message.ack, 'ack');
      break;
    case MessageType.JoinRoom:
    case MessageType.LeaveRoom:
      assertName(message.room, 'room');
      break;
    default:
  }
}

/**
 * True when `s` holds a UTF-16 surrogate that is not part of a high+low pair (what ES2024's
 * `isWellFormed()` reports; written out because the browser bundle targets older engines too).
 */
function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xf800) !== 0xd800) continue;
    if (c >= 0xdc00) return true;
    const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
    if ((d & 0xfc00) !== 0xdc00) return true;
    i++;
  }
  return false;
}
