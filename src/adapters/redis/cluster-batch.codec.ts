/**
 * The batch envelope: several deliveries one node published to one channel in one event-loop
 * turn, carried by one Redis publish (the outbound pipeline packs them, outbound-pipeline.ts).
 * Each entry is a complete delivery envelope (cluster-envelope.codec.ts), sequence number
 * included, so a receiver decodes, gap-checks and delivers each exactly as if it had come alone.
 *
 * Layout (big-endian), the first three fields as in every envelope:
 * ```
 * u8 version (3) | u8 type (5 BATCH) | u8 originLen | origin | u16 count (≥ 2)
 *   | count × (u32 len | delivery envelope of that origin)
 * ```
 * A batch is all or nothing: one malformed entry, an entry of another type or origin, a count
 * below 2 or trailing bytes make the whole batch invalid.
 */
import { ENVELOPE_VERSION, EnvelopeType, StringCache, decodeEnvelope, type ClusterEnvelope } from './cluster-envelope.codec';
import { invalidEnvelope as invalid } from './cluster-envelope.reader';

/** Envelope type byte of a batch (after the types of cluster-envelope.codec.ts). */
export const BATCH_ENVELOPE = 5;
/** Most entries one batch can carry (its u16 count). */
export const MAX_BATCH_ENTRIES = 0xffff;
/** Bytes a batch adds per entry (its u32 length). */
export const BATCH_ENTRY_OVERHEAD = 4;

/** A decoded delivery envelope. */
export type DeliveryEnvelope = Extract<ClusterEnvelope, { type: 1 }>;

/** Bytes of the batch header for deliveries whose envelopes start like `first`. */
export function batchHeaderBytes(first: Uint8Array): number {
  return 3 + first[2] + 2;
}

/** Size of the batch that would carry `parts` (each a delivery envelope). */
export function batchSize(parts: readonly Uint8Array[]): number {
  let n = batchHeaderBytes(parts[0]);
  for (const p of parts) n += BATCH_ENTRY_OVERHEAD + p.byteLength;
  return n;
}

/**
 * Packs delivery envelopes of one origin (encodeDelivery, sequence numbers already written)
 * into one batch; the origin is copied from the first one's header.
 * @throws RangeError for fewer than 2 or more than 65535 entries.
 */
export function encodeBatch(parts: readonly Uint8Array[], size = batchSize(parts)): Buffer {
  const count = parts.length;
  if (count < 2 || count > MAX_BATCH_ENTRIES) throw new RangeError(`A cluster batch carries 2 to ${MAX_BATCH_ENTRIES} deliveries, not ${count}`);
  const first = parts[0];
  const head = 3 + first[2];
  const buf = Buffer.allocUnsafe(size);
  buf.set(first.subarray(0, head), 0);
  buf[1] = BATCH_ENVELOPE;
  let o = buf.writeUInt16BE(count, head);
  for (const p of parts) {
    o = buf.writeUInt32BE(p.byteLength, o);
    buf.set(p, o);
    o += p.byteLength;
  }
  return buf;
}

/** True when `buf` is a batch envelope (checked before the single-envelope decoder). */
export function isBatchEnvelope(buf: Uint8Array): boolean {
  return buf.byteLength >= 3 && buf[0] === ENVELOPE_VERSION && buf[1] === BATCH_ENVELOPE;
}

/**
 * Decodes a batch into its deliveries, in publish order. Binary payloads are zero-copy views of
 * `buf`.
 * @throws ProtocolError (STELAR_ERR_INVALID_MESSAGE) on any malformed input (see the file comment).
 */
export function decodeBatch(buf: Buffer): DeliveryEnvelope[] {
  if (buf.byteLength < 3) throw invalid('truncated batch');
  if (buf[0] !== ENVELOPE_VERSION) throw invalid(`unsupported version ${buf[0]}`);
  if (buf[1] !== BATCH_ENVELOPE) throw invalid(`not a batch (type ${buf[1]})`);
  const originLen = buf[2];
  let o = 3 + originLen;
  if (buf.byteLength < o + 2) throw invalid('truncated batch');
  const count = buf.readUInt16BE(o);
  o += 2;
  if (count < 2) throw invalid(`a batch of ${count} deliveries`);
  const out: DeliveryEnvelope[] = new Array(count);
  // The entries' equal strings (origin, channel, usually the event) are decoded once per batch.
  const cache = new StringCache();
  for (let i = 0; i < count; i++) {
    if (buf.byteLength - o < BATCH_ENTRY_OVERHEAD) throw invalid('truncated batch');
    const len = buf.readUInt32BE(o);
    o += BATCH_ENTRY_OVERHEAD;
    if (buf.byteLength - o < len) throw invalid('truncated batch entry');
    if (!sameOrigin(buf, o, len, originLen)) throw invalid('a batch entry of another origin');
    if (buf[o + 1] !== EnvelopeType.Delivery) throw invalid('a batch entry that is not a delivery');
    out[i] = decodeEnvelope(buf, o, o + len, cache) as DeliveryEnvelope;
    o += len;
  }
  if (o !== buf.byteLength) throw invalid('trailing bytes after batch');
  return out;
}

/** True when the entry at `at` (`len` bytes) has the batch's origin. */
function sameOrigin(buf: Buffer, at: number, len: number, originLen: number): boolean {
  if (len < 3 + originLen || buf[at + 2] !== originLen) return false;
  for (let i = 3; i < 3 + originLen; i++) if (buf[at + i] !== buf[i]) return false;
  return true;
}

