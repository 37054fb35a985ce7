import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { nameViolation, type NameKind } from '../../domain/name-validation';
import type { MessagePosition, SessionGrant } from '../../domain/message';

// Field checks shared by both codecs' decoders. Each throws a ProtocolError with a stable code:
// the domain drops the message and fires onInvalidMessage, the connection stays open.

/** Correlation ids are unsigned integers below 2^31 (docs/PROTOCOL.md). */
export const MAX_CORRELATION_ID = 0x7fffffff;

/** `STELAR_ERR_INVALID_MESSAGE` (1002): a field is missing or has the wrong type. */
export function invalidMessage(detail: string): ProtocolError {
  return createError(ErrorPrefix.Message, detail, StelarErrorCode.InvalidMessage, CloseCode.ProtocolError);
}

/** Parses JSON text; `STELAR_ERR_INVALID_JSON` (1007) when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw createError(ErrorPrefix.Message, 'payload is not valid JSON', StelarErrorCode.InvalidJson, CloseCode.InvalidPayload);
  }
}

/** A JSON object (not null, not an array), or InvalidMessage. */
export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidMessage(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A valid event/room/ack name: InvalidMessage when not a string, InvalidEventName otherwise. */
export function readName(value: unknown, what: NameKind): string {
  if (typeof value !== 'string') throw invalidMessage(`${what} name must be a string`);
  const violation = nameViolation(value, what);
  if (violation !== null) throw createError(ErrorPrefix.None, violation.message, violation.code, CloseCode.ProtocolError);
  return value;
}

/** True for an unsigned integer correlation id below 2^31. */
export function isCorrelationId(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 0 &&
    value <= MAX_CORRELATION_ID
  );
}

/** A required correlation id. */
export function readId(value: unknown): number {
  if (!isCorrelationId(value)) throw invalidMessage('id must be an integer in [0, 2^31)');
  return value;
}

/** An optional correlation id (undefined stays undefined). */
export function readOptionalId(value: unknown): number | undefined {
  return value === undefined ? undefined : readId(value);
}

/** A required string. */
export function readString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw invalidMessage(`${what} must be a string`);
  return value;
}

/** An optional string. */
export function readOptionalString(value: unknown, what: string): string | undefined {
  return value === undefined ? undefined : readString(value, what);
}

/** An optional boolean. */
export function readOptionalBoolean(value: unknown, what: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidMessage(`${what} must be a boolean`);
  return value;
}

/** A non-negative integer no larger than `max` (limits, close codes). */
export function readUint(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw invalidMessage(`${what} must be an integer in [0, ${max}]`);
  }
  return value;
}

/** Handshake headers of a client hello: an object of strings. */
export function readHeaders(value: unknown): Readonly<Record<string, string>> | undefined {
  if (value === undefined) return undefined;
  const obj = asObject(value, 'headers');
  for (const key in obj) {
    if (typeof obj[key] !== 'string') throw invalidMessage(`header "${key}" must be a string`);
  }
  return obj as Record<string, string>;
}

/**
 * The wire form of a stream position (session recovery): `[stream, offset, epoch]`. JSON text,
 * made once per send and shared by every recipient of a broadcast.
 */
export function positionJson(pos: MessagePosition): string {
  return JSON.stringify([pos.stream, pos.offset, pos.epoch]);
}

/** An optional `[stream, offset, epoch]` position. */
export function readOptionalPosition(value: unknown): MessagePosition | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== 3) throw invalidMessage('p (position) must be [stream, offset, epoch]');
  const [stream, offset, epoch] = value as unknown[];
  if (typeof stream !== 'string' || typeof epoch !== 'string') throw invalidMessage('p (position) must be [stream, offset, epoch]');
  return { stream, offset: readUint(offset, 'position offset'), epoch };
}

/** The optional `session` of a server Connect message. */
export function readOptionalSession(value: unknown): SessionGrant | undefined {
  if (value === undefined) return undefined;
  const o = asObject(value, 'session');
  return {
    token: readString(o.token, 'session.token'),
    recovered: readOptionalBoolean(o.recovered, 'session.recovered') ?? false,
    reason: readOptionalString(o.reason, 'session.reason'),
    missed: o.missed === undefined ? 0 : readUint(o.missed, 'session.missed'),
    ...(o.confirms === undefined ? undefined : { confirms: readOptionalBoolean(o.confirms, 'session.confirms') }),
  };
}

/**
 * The recovery tail of an `event` field (TCP heads, and binary envelopes on both transports):
 * `NUL` + a JSON array, `[stream, offset, epoch]` for a server → client position or `[seq]` for
 * a client → server sequence number (docs/PROTOCOL.md, "Session recovery"). Names never
 * contain NUL and JSON text never holds a raw NUL, so the tail is found without ambiguity.
 */
export interface RecoveryTail {
  readonly pos?: MessagePosition;
  readonly seq?: number;
}

/** The tail text of a message's position or sequence number ('' when it has neither). */
export function tailText(pos: MessagePosition | undefined, seq: number | undefined): string {
  if (pos !== undefined) return '\0' + positionJson(pos);
  return seq === undefined ? '' : '\0[' + seq + ']';
}

/** Splits `head` into what precedes its recovery tail and the tail (null when it has none). */
export function splitTail(head: string): [string, RecoveryTail | null] {
  const nul = head.lastIndexOf('\0');
  if (nul === -1 || head.charCodeAt(nul + 1) !== 0x5b /* [ */) return [head, null];
  const seq = plainSeq(head, nul + 2);
  if (seq > 0) return [head.slice(0, nul), { seq }];
  const value = parseJson(head.slice(nul + 1));
  if (Array.isArray(value) && value.length === 1) return [head.slice(0, nul), { seq: readSeq(value[0]) }];
  return [head.slice(0, nul), { pos: readOptionalPosition(value) }];
}

/**
 * The common tail `[digits]` (a sequence number, once per client message) read without
 * JSON.parse: the number, or 0 when the text from `at` is anything else (then parsed as JSON).
 */
function plainSeq(head: string, at: number): number {
  const end = head.length - 1;
  if (end - at < 1 || end - at > 15 || head.charCodeAt(end) !== 0x5d /* ] */ || head.charCodeAt(at) === 0x30 /* 0 */) return 0;
  let n = 0;
  for (let i = at; i < end; i++) {
    const d = head.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n;
}

/** A client sequence number: an integer in [1, 2^53). */
export function readSeq(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidMessage('s (sequence number) must be an integer >= 1');
  }
  return value;
}

/** An optional sequence number. */
export function readOptionalSeq(value: unknown): number | undefined {
  return value === undefined ? undefined : readSeq(value);
}

/** An optional non-negative integer. */
export function readOptionalUint(value: unknown, what: string): number | undefined {
  return value === undefined ? undefined : readUint(value, what);
}
