import { MessageType, type BinaryMessage, type BinaryMeta } from '../../domain/message';
import { CloseCode, StelarErrorCode } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { assertName, nameViolation } from '../../domain/name-validation';
import { allocBytes, decodeUtf8, utf8Length, writeUtf8 } from './utf8';
import { splitTail, tailText } from './message-fields';

/**
 * The body shared by WebSocket binary frames and TCP frames (docs/PROTOCOL.md):
 *
 *   type (1 B) | eventLen (uint16 BE) | event (eventLen B, UTF-8) | payload
 *
 * A TCP frame is this body behind a 4-byte big-endian `totalLen` that counts every byte after
 * itself; a WebSocket binary message is the body alone (RFC 6455 already delimits messages).
 */
export const ENVELOPE_HEADER_BYTES = 3;
/** Size of the TCP `totalLen` prefix. */
export const TCP_LENGTH_BYTES = 4;
/** The `event` field length is a uint16. */
export const MAX_EVENT_FIELD_BYTES = 0xffff;
/** Separates a binary event's name from its JSON metadata inside the `event` field. */
const NUL = '\0';

/** Zero-copy views into one decoded envelope. */
export interface Envelope {
  readonly type: number;
  /** The `event` field bytes (not yet UTF-8 decoded). */
  readonly head: Uint8Array;
  /** Everything after the `event` field. */
  readonly body: Uint8Array;
}

/**
 * Encodes one envelope in a single allocation. `head` is the `event` field text, `body` is JSON
 * text, raw bytes or nothing. With `withLength` the result is a complete TCP frame.
 * Throws RangeError when `head` exceeds the uint16 `eventLen` field (a caller mistake).
 */
export function encodeEnvelope(
  type: number,
  head: string,
  body: string | Uint8Array | undefined,
  withLength: boolean,
): Uint8Array {
  // Names are short and mostly ASCII: counted and copied in JS, cheaper than two native calls.
  const asciiHead = isShortAscii(head);
  const headLen = asciiHead ? head.length : utf8Length(head);
  if (headLen > MAX_EVENT_FIELD_BYTES) {
    throw new RangeError(`The event field is ${headLen} bytes; at most ${MAX_EVENT_FIELD_BYTES}`);
  }
  const bodyLen =
    body === undefined ? 0 : typeof body === 'string' ? utf8Length(body) : body.length;
  const prefix = withLength ? TCP_LENGTH_BYTES : 0;
  const inner = ENVELOPE_HEADER_BYTES + headLen + bodyLen;
  if (withLength && inner > 0xffffffff) {
    throw new RangeError(`A TCP frame holds at most 4 GiB; got ${inner} bytes`);
  }
  const out = allocBytes(prefix + inner);
  let o = 0;
  if (withLength) {
    out[0] = inner >>> 24;
    out[1] = (inner >>> 16) & 0xff;
    out[2] = (inner >>> 8) & 0xff;
    out[3] = inner & 0xff;
    o = 4;
  }
  out[o] = type;
  out[o + 1] = headLen >>> 8;
  out[o + 2] = headLen & 0xff;
  o += ENVELOPE_HEADER_BYTES;
  if (asciiHead) {
    for (let i = 0; i < headLen; i++) out[o + i] = head.charCodeAt(i);
    o += headLen;
  } else if (headLen > 0) o += writeUtf8(out, head, o);
  if (bodyLen > 0) {
    if (typeof body === 'string') writeUtf8(out, body, o);
    else out.set(body as Uint8Array, o);
  }
  return out;
}

/** Up to this many UTF-16 units, a head is checked for ASCII in JS. */
const SHORT_HEAD = 64;

/** True for a string of at most {@link SHORT_HEAD} ASCII characters (one byte each in UTF-8). */
function isShortAscii(s: string): boolean {
  if (s.length > SHORT_HEAD) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Splits one envelope (without a TCP length prefix) into zero-copy views. Throws
 * `STELAR_ERR_TRUNCATED_FRAME` when it is shorter than its header or its `eventLen` says.
 */
export function decodeEnvelope(frame: Uint8Array): Envelope {
  if (frame.length < ENVELOPE_HEADER_BYTES) {
    throw createError(ErrorPrefix.TcpFrame, `${frame.length} bytes, the header alone is ${ENVELOPE_HEADER_BYTES}`, StelarErrorCode.TruncatedFrame, CloseCode.ProtocolError);
  }
  const headLen = (frame[1] << 8) | frame[2];
  const bodyStart = ENVELOPE_HEADER_BYTES + headLen;
  if (bodyStart > frame.length) {
    throw createError(ErrorPrefix.TcpFrame, `eventLen ${headLen} exceeds the ${frame.length - ENVELOPE_HEADER_BYTES} bytes left`, StelarErrorCode.TruncatedFrame, CloseCode.ProtocolError);
  }
  return {
    type: frame[0],
    head: frame.subarray(ENVELOPE_HEADER_BYTES, bodyStart),
    body: frame.subarray(bodyStart),
  };
}

/**
 * The `event` field of a Binary message: the name, then `\0` + metadata JSON when it has
 * metadata, then the recovery tail (`\0[stream,offset,epoch]` or `\0[seq]`) when it has one.
 * Throws TypeError for an invalid name (the caller validated user input already).
 */
export function binaryHead(message: BinaryMessage): string {
  assertName(message.event, 'event');
  const head = message.meta === undefined ? message.event : message.event + NUL + JSON.stringify(message.meta);
  return message.pos === undefined && message.seq === undefined ? head : head + tailText(message.pos, message.seq);
}

/** Encodes a Binary message as an envelope (WebSocket binary frame, or TCP frame withLength). */
export function encodeBinaryMessage(message: BinaryMessage, withLength: boolean): Uint8Array {
  return encodeEnvelope(MessageType.Binary, binaryHead(message), message.bytes, withLength);
}

/**
 * Decodes the Binary message held in `env` (type already checked). `bytes` is a zero-copy view
 * into the received frame.
 */
export function decodeBinaryMessage(env: Envelope): BinaryMessage {
  const full = decodeUtf8(env.head);
  const [head, tail] = full.indexOf(NUL) === -1 ? [full, null] : splitTail(full);
  const nul = head.indexOf(NUL);
  const event = nul === -1 ? head : head.slice(0, nul);
  const violation = nameViolation(event, 'event');
  if (violation !== null) throw createError(ErrorPrefix.None, violation.message, violation.code, CloseCode.ProtocolError);
  const msg: BinaryMessage =
    nul === -1 ? { type: MessageType.Binary, event, bytes: env.body } : { type: MessageType.Binary, event, bytes: env.body, meta: parseMeta(head.slice(nul + 1)) };
  if (tail === null) return msg;
  return { ...msg, ...tail };
}

/**
 * A metadata value is a string, a boolean or a finite number: JSON.parse turns `1e999` into
 * Infinity, which would re-encode as `null` (a fuzz finding). Shared with the cluster envelope.
 */
export function isBinaryMetaValue(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function parseMeta(json: string): BinaryMeta {
  let meta: unknown;
  try {
    meta = JSON.parse(json);
  } catch {
    throw createError(ErrorPrefix.Message, 'binary metadata is not valid JSON', StelarErrorCode.InvalidJson, CloseCode.InvalidPayload);
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw createError(ErrorPrefix.Message, 'binary metadata must be a JSON object', StelarErrorCode.InvalidMessage, CloseCode.ProtocolError);
  }
  for (const key in meta) {
    const v = (meta as Record<string, unknown>)[key];
    if (!isBinaryMetaValue(v)) {
      throw createError(ErrorPrefix.Message, `binary metadata "${key}" must be a string, finite number or boolean`, StelarErrorCode.InvalidMessage, CloseCode.ProtocolError);
    }
  }
  return meta as BinaryMeta;
}
