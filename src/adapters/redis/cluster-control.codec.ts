/**
 * Admin control messages between nodes, in their own envelope type so they stay apart from the
 * delivery/query envelopes (cluster-envelope.codec.ts): same first three fields (version, type,
 * origin), then the command.
 *
 * ```
 * u8 version (1) | u8 type (16 CONTROL) | u8 originLen | origin | u8 op
 * op 1 DISCONNECT: u16 closeCode | u16 len | clientId | reason (rest, UTF-8)
 * op 2 SESSION_TAKEN: clientId (rest, UTF-8): "the session `clientId` is resumed on the origin
 *      node: close the connection you still hold for it (4001)" — sent on the old holder's node
 *      channel by the resuming node (redis-session-store.adapter.ts).
 * ```
 */
import { isUtf8 } from 'node:buffer';
import { ENVELOPE_VERSION, MAX_NODE_ID_BYTES } from './cluster-envelope.codec';

/** Envelope type byte of control messages (well apart from the delivery/query/reply types). */
export const CONTROL_ENVELOPE = 16;
const OP_DISCONNECT = 1;
const OP_SESSION_TAKEN = 2;
const MAX_U16 = 0xffff;
/** Close reasons are short (a WebSocket close reason is at most 123 bytes). */
const MAX_REASON_BYTES = 123;

/** A decoded control command. */
export interface DisconnectCommand {
  readonly origin: string;
  readonly clientId: string;
  readonly code: number;
  readonly reason: string;
}

/** A decoded "session resumed elsewhere" command. */
export interface SessionTakenCommand {
  readonly origin: string;
  readonly sessionTaken: string;
}

/** Encodes "the session `clientId` was resumed on node `origin`". */
export function encodeSessionTaken(origin: string, clientId: string): Buffer {
  const o = Buffer.from(origin, 'utf8');
  const id = Buffer.from(clientId, 'utf8');
  if (o.byteLength > MAX_NODE_ID_BYTES) throw new RangeError('node id too long');
  const buf = Buffer.allocUnsafe(3 + o.byteLength + 1 + id.byteLength);
  buf[0] = ENVELOPE_VERSION;
  buf[1] = CONTROL_ENVELOPE;
  buf[2] = o.byteLength;
  o.copy(buf, 3);
  buf[3 + o.byteLength] = OP_SESSION_TAKEN;
  id.copy(buf, 4 + o.byteLength);
  return buf;
}

/** True when `buf` is a control envelope (checked before the regular decoder). */
export function isControlEnvelope(buf: Uint8Array): boolean {
  return buf.byteLength >= 3 && buf[0] === ENVELOPE_VERSION && buf[1] === CONTROL_ENVELOPE;
}

/** Encodes "disconnect client `clientId` wherever it is connected". */
export function encodeDisconnect(origin: string, clientId: string, code: number, reason: string): Buffer {
  const o = Buffer.from(origin, 'utf8');
  const id = Buffer.from(clientId, 'utf8');
  let r = Buffer.from(reason, 'utf8');
  if (o.byteLength > MAX_NODE_ID_BYTES) throw new RangeError('node id too long');
  if (id.byteLength > MAX_U16) throw new RangeError('client id too long');
  if (!Number.isInteger(code) || code < 0 || code > MAX_U16) throw new RangeError(`invalid close code ${code}`);
  if (r.byteLength > MAX_REASON_BYTES) r = r.subarray(0, utf8Cut(r, MAX_REASON_BYTES));
  const buf = Buffer.allocUnsafe(3 + o.byteLength + 1 + 2 + 2 + id.byteLength + r.byteLength);
  let at = 0;
  buf[at++] = ENVELOPE_VERSION;
  buf[at++] = CONTROL_ENVELOPE;
  buf[at++] = o.byteLength;
  at += o.copy(buf, at);
  buf[at++] = OP_DISCONNECT;
  buf.writeUInt16BE(code, at);
  at += 2;
  buf.writeUInt16BE(id.byteLength, at);
  at += 2;
  at += id.copy(buf, at);
  r.copy(buf, at);
  return buf;
}

/**
 * Decodes a control envelope; null when it is malformed or an unknown command (ignored). Strict:
 * every string must be valid UTF-8 and a reason at most 123 bytes, so what decodes re-encodes to
 * the same bytes (fuzz target cluster-control).
 */
export function decodeControl(buf: Buffer): DisconnectCommand | SessionTakenCommand | null {
  if (!isControlEnvelope(buf)) return null;
  const originLen = buf[2];
  let at = 3 + originLen;
  if (buf.byteLength <= at) return null;
  const origin = text(buf, 3, at);
  if (origin === null) return null;
  const op = buf[at++];
  if (op === OP_SESSION_TAKEN) {
    const sessionTaken = buf.byteLength > at ? text(buf, at, buf.byteLength) : null;
    return sessionTaken === null ? null : { origin, sessionTaken };
  }
  if (op !== OP_DISCONNECT || buf.byteLength < at + 4) return null;
  const code = buf.readUInt16BE(at);
  at += 2;
  const idLen = buf.readUInt16BE(at);
  at += 2;
  if (buf.byteLength < at + idLen || idLen === 0 || buf.byteLength - at - idLen > MAX_REASON_BYTES) return null;
  const clientId = text(buf, at, at + idLen);
  const reason = text(buf, at + idLen, buf.byteLength);
  return clientId === null || reason === null ? null : { origin, clientId, code, reason };
}

/** `buf[from, to)` as a string, or null when it is not valid UTF-8. */
function text(buf: Buffer, from: number, to: number): string | null {
  const bytes = buf.subarray(from, to);
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}

/** The longest prefix of `bytes` of at most `max` bytes that ends on a character boundary. */
function utf8Cut(bytes: Uint8Array, max: number): number {
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return end;
}
