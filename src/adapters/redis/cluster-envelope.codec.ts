/**
 * The compact binary envelope every cluster message travels in on Redis pub/sub. Binary payloads
 * are appended raw (no base64, no JSON); JSON payloads are appended as UTF-8 text.
 *
 * Layout (all integers big-endian):
 * ```
 * u8 version (3) | u8 type | u8 originLen | origin (UTF-8)
 * type 1 DELIVERY: u32 seq | u8 flags | u8 targetKind | [u16 len | target] | u16 len | event
 *                  | [u16 len | excludeId] | [u16 len | meta JSON]
 *                  | [position: 16 ASCII digits offset | 8 bytes epoch | u16 len | exclude2]
 *                  | [u16 len | except: JSON array of names]
 *                  | payload (rest: raw bytes or JSON text)
 * type 2 QUERY:    u32 id | u8 kind | u8 flags | [u16 len | arg]
 * type 3 REPLY:    u32 id | JSON text (rest)
 * type 4 PROBE:    u32 id   (a node's message to itself through Redis: end-to-end liveness)
 * type 5 BATCH:    several deliveries in one publish (cluster-batch.codec.ts); 16 CONTROL: cluster-control.codec.ts
 * ```
 * The position (flag 0x10, session recovery in a cluster) is a fixed-width slot so the Redis
 * script that appends the delivery to its stream writes the offset and epoch it assigned in
 * place (redis-stream-store.adapter.ts); `exclude2` is a second id the delivery skips.
 * `seq` numbers one publisher's deliveries per channel (written by the outbound pipeline when it
 * sends, see {@link writeDeliverySeq}); receivers count the gaps (delivery-gap.tracker.ts).
 */
import type { ClusterDelivery, DeliveryTarget } from '../../ports/cluster-bus.port';
import type { BinaryMeta } from '../../domain/message';
import { isBinaryMetaValue } from '../codec/binary-envelope';
import { EnvelopeReader as Reader, StringCache, invalidEnvelope as invalid } from './cluster-envelope.reader';

export { StringCache };

/**
 * Envelope format version (first byte); a node drops envelopes of any other version. 3: the
 * `except` field (flag 0x20), which a version-2 node would misread as payload.
 */
export const ENVELOPE_VERSION = 3;

/** Envelope types (second byte). */
export const EnvelopeType = { Delivery: 1, Query: 2, Reply: 3, Probe: 4 } as const;
export type EnvelopeType = (typeof EnvelopeType)[keyof typeof EnvelopeType];

/** Cluster-wide query kinds. */
export const QueryKind = { Rooms: 0, RoomMembers: 1, Clients: 2, Stats: 3, HasClient: 4 } as const;
export type QueryKind = (typeof QueryKind)[keyof typeof QueryKind];

const TARGET_ALL = 0;
const TARGET_ROOM = 1;
const TARGET_CLIENT = 2;

const F_EXCLUDE = 0x01;
const F_BINARY = 0x02;
const F_DATA = 0x04;
const F_META = 0x08;
const F_POS = 0x10;
/** The delivery carries `except` (names it skips: ids or rooms). */
const F_EXCEPT = 0x20;
/** Bytes of the position slot before its exclude2 field: 16 offset digits + an 8-byte epoch. */
export const POSITION_SLOT_BYTES = 24;
/** Length of every epoch a positioned delivery carries. */
export const POSITION_EPOCH_BYTES = 8;
const F_ARG = 0x01;

const MAX_U16 = 0xffff;
/** Longest node id in UTF-8 bytes (one length byte). */
export const MAX_NODE_ID_BYTES = 0xff;

/** A decoded envelope. */
export type ClusterEnvelope =
  | { readonly type: 1; readonly origin: string; readonly seq: number; readonly delivery: ClusterDelivery }
  | {
      readonly type: 2;
      readonly origin: string;
      readonly id: number;
      readonly kind: QueryKind;
      readonly arg?: string;
    }
  | { readonly type: 3; readonly origin: string; readonly id: number; readonly value: unknown }
  | { readonly type: 4; readonly origin: string; readonly id: number };

/**
 * Encodes a delivery once for every node. JSON `data` is stringified here; `bytes` are copied
 * once into the envelope.
 * @throws RangeError when a string field is longer than 65535 UTF-8 bytes.
 */
export function encodeDelivery(origin: string, delivery: ClusterDelivery): Buffer {
  const target = targetString(delivery.target);
  const binary = delivery.bytes !== undefined;
  const json = !binary && delivery.data !== undefined ? JSON.stringify(delivery.data) : undefined;
  const hasExclude = delivery.excludeId !== undefined;
  const originLen = checkedLength(origin, MAX_NODE_ID_BYTES, 'node id');
  const targetLen = target === undefined ? 0 : checkedLength(target, MAX_U16, 'delivery target');
  const eventLen = checkedLength(delivery.event, MAX_U16, 'event name');
  const excludeLen = hasExclude ? checkedLength(delivery.excludeId!, MAX_U16, 'excludeId') : 0;
  const meta = binary && delivery.meta !== undefined ? JSON.stringify(delivery.meta) : undefined;
  const metaLen = meta === undefined ? 0 : checkedLength(meta, MAX_U16, 'binary meta');
  const pos = delivery.pos;
  const ex2Len = pos === undefined || delivery.exclude2 === undefined ? 0 : checkedLength(delivery.exclude2, MAX_U16, 'exclude2');
  const except = delivery.except !== undefined && delivery.except.length > 0 ? JSON.stringify(delivery.except) : undefined;
  const exceptLen = except === undefined ? 0 : checkedLength(except, MAX_U16, 'except');
  if (pos !== undefined && Buffer.byteLength(pos.epoch) !== POSITION_EPOCH_BYTES) {
    throw new RangeError(`Cluster position epoch must be ${POSITION_EPOCH_BYTES} bytes`);
  }
  const payloadLen = binary
    ? delivery.bytes!.byteLength
    : json !== undefined
      ? Buffer.byteLength(json)
      : 0;
  const size =
    3 + originLen + 4 + 2 + (target === undefined ? 0 : 2 + targetLen) + 2 + eventLen +
    (hasExclude ? 2 + excludeLen : 0) + (meta === undefined ? 0 : 2 + metaLen) +
    (pos === undefined ? 0 : POSITION_SLOT_BYTES + 2 + ex2Len) + (except === undefined ? 0 : 2 + exceptLen) + payloadLen;
  const buf = Buffer.allocUnsafe(size);
  let o = writeHeader(buf, EnvelopeType.Delivery, origin, originLen);
  o = buf.writeUInt32BE(0, o); // seq: set when sent
  buf[o++] =
    (hasExclude ? F_EXCLUDE : 0) |
    (binary ? F_BINARY : 0) |
    (json !== undefined ? F_DATA : 0) |
    (meta !== undefined ? F_META : 0) |
    (pos !== undefined ? F_POS : 0) |
    (except !== undefined ? F_EXCEPT : 0);
  buf[o++] = targetKindByte(delivery.target);
  if (target !== undefined) o = writeStr16(buf, o, target, targetLen);
  o = writeStr16(buf, o, delivery.event, eventLen);
  if (hasExclude) o = writeStr16(buf, o, delivery.excludeId!, excludeLen);
  if (meta !== undefined) o = writeStr16(buf, o, meta, metaLen);
  if (pos !== undefined) {
    o += buf.write(String(pos.offset).padStart(16, '0'), o, 16, 'latin1');
    o += buf.write(pos.epoch, o, POSITION_EPOCH_BYTES, 'utf8');
    o = writeStr16(buf, o, delivery.exclude2 ?? '', ex2Len);
  }
  if (except !== undefined) o = writeStr16(buf, o, except, exceptLen);
  if (binary) {
    const b = delivery.bytes!;
    buf.set(b, o);
  } else if (json !== undefined) {
    buf.write(json, o, 'utf8');
  }
  return buf;
}

/**
 * Byte index of the position slot of an encoded delivery (see the layout), or -1 when it has
 * none. The Redis script writes the assigned offset and epoch there.
 */
export function positionSlotIndex(envelope: Buffer): number {
  let o = 3 + envelope[2] + 4;
  const flags = envelope[o++];
  if (!(flags & F_POS)) return -1;
  const kind = envelope[o++];
  if (kind !== TARGET_ALL) o += 2 + envelope.readUInt16BE(o);
  o += 2 + envelope.readUInt16BE(o); // event
  if (flags & F_EXCLUDE) o += 2 + envelope.readUInt16BE(o);
  if (flags & F_META) o += 2 + envelope.readUInt16BE(o);
  return o;
}

/** Sets the sequence number of an encoded delivery in place (before it is published). */
export function writeDeliverySeq(envelope: Buffer, seq: number): void {
  envelope.writeUInt32BE(seq >>> 0, 3 + envelope[2]);
}

/** Encodes a query that every other node answers. */
export function encodeQuery(origin: string, id: number, kind: QueryKind, arg?: string): Buffer {
  const originLen = checkedLength(origin, MAX_NODE_ID_BYTES, 'node id');
  const argLen = arg === undefined ? 0 : checkedLength(arg, MAX_U16, 'query argument');
  const buf = Buffer.allocUnsafe(3 + originLen + 6 + (arg === undefined ? 0 : 2 + argLen));
  let o = writeHeader(buf, EnvelopeType.Query, origin, originLen);
  o = buf.writeUInt32BE(id >>> 0, o);
  buf[o++] = kind;
  buf[o++] = arg === undefined ? 0 : F_ARG;
  if (arg !== undefined) writeStr16(buf, o, arg, argLen);
  return buf;
}

/** Encodes a node's answer to query `id` (the value is sent as JSON text). */
export function encodeReply(origin: string, id: number, value: unknown): Buffer {
  const originLen = checkedLength(origin, MAX_NODE_ID_BYTES, 'node id');
  const json = JSON.stringify(value ?? null);
  const buf = Buffer.allocUnsafe(3 + originLen + 4 + Buffer.byteLength(json));
  let o = writeHeader(buf, EnvelopeType.Reply, origin, originLen);
  o = buf.writeUInt32BE(id >>> 0, o);
  buf.write(json, o, 'utf8');
  return buf;
}

/** Encodes a probe a node sends to its own channel to check that Redis carries its traffic. */
export function encodeProbe(origin: string, id: number): Buffer {
  const originLen = checkedLength(origin, MAX_NODE_ID_BYTES, 'node id');
  const buf = Buffer.allocUnsafe(3 + originLen + 4);
  const o = writeHeader(buf, EnvelopeType.Probe, origin, originLen);
  buf.writeUInt32BE(id >>> 0, o);
  return buf;
}

/**
 * True when `buf` was published by the node whose UTF-8 id is `originBytes` (checked without
 * decoding, so a node skips its own deliveries cheaply).
 */
export function isFromOrigin(buf: Uint8Array, originBytes: Uint8Array): boolean {
  const len = originBytes.byteLength;
  if (buf.byteLength < 3 + len || buf[2] !== len) return false;
  for (let i = 0; i < len; i++) if (buf[3 + i] !== originBytes[i]) return false;
  return true;
}

/**
 * Decodes an envelope (the bytes `start`..`end` of `buf`, default all of it). Binary delivery
 * payloads are zero-copy views of `buf`. `cache` (decodeBatch passes one per batch) reuses the
 * strings decoded from equal bytes earlier in the same buffer: a batch's entries share their
 * origin and channel, usually their event too.
 * @throws ProtocolError (STELAR_ERR_INVALID_MESSAGE) on any malformed input.
 */
export function decodeEnvelope(buf: Buffer, start = 0, end = buf.byteLength, cache?: StringCache): ClusterEnvelope {
  const r = new Reader(buf, start, end, cache);
  const version = r.u8();
  if (version !== ENVELOPE_VERSION) throw invalid(`unsupported version ${version}`);
  const type = r.u8();
  const origin = r.str(r.u8());
  switch (type) {
    case EnvelopeType.Delivery: {
      const seq = r.u32();
      const flags = r.u8();
      const kind = r.u8();
      let target: DeliveryTarget;
      if (kind === TARGET_ALL) target = TARGET_ALL_VALUE;
      else if (kind === TARGET_ROOM) target = { kind: 'room', room: r.str(r.u16()) };
      else if (kind === TARGET_CLIENT) target = { kind: 'client', clientId: r.str(r.u16()) };
      else throw invalid(`unknown target kind ${kind}`);
      const event = r.str(r.u16());
      const excludeId = flags & F_EXCLUDE ? r.str(r.u16()) : undefined;
      const metaText = flags & F_META ? r.str(r.u16()) : undefined;
      let pos: { offset: number; epoch: string } | undefined;
      let exclude2: string | undefined;
      if (flags & F_POS) {
        const digits = r.str(16);
        if (!/^[0-9]{16}$/.test(digits)) throw invalid('bad position offset');
        const epoch = r.str(POSITION_EPOCH_BYTES); // strict UTF-8: always 8 bytes once decoded
        pos = { offset: Number(digits), epoch };
        const ex2 = r.str(r.u16());
        if (ex2.length > 0) exclude2 = ex2;
      }
      const except = flags & F_EXCEPT ? parseNames(r.str(r.u16())) : undefined;
      const delivery: { -readonly [K in keyof ClusterDelivery]: ClusterDelivery[K] } = {
        target,
        event,
      };
      if (excludeId !== undefined) delivery.excludeId = excludeId;
      if (pos !== undefined) delivery.pos = pos;
      if (exclude2 !== undefined) delivery.exclude2 = exclude2;
      if (except !== undefined) delivery.except = except;
      if (metaText !== undefined) {
        if (!(flags & F_BINARY)) throw invalid('meta without a binary payload');
        delivery.meta = parseMeta(metaText);
      }
      if (flags & F_BINARY) delivery.bytes = r.rest();
      else if (flags & F_DATA) delivery.data = r.json();
      else if (r.remaining() !== 0) throw invalid('trailing bytes after delivery');
      return { type: EnvelopeType.Delivery, origin, seq, delivery };
    }
    case EnvelopeType.Query: {
      const id = r.u32();
      const kind = r.u8();
      if (kind > QueryKind.HasClient) throw invalid(`unknown query kind ${kind}`);
      const flags = r.u8();
      const arg = flags & F_ARG ? r.str(r.u16()) : undefined;
      if (r.remaining() !== 0) throw invalid('trailing bytes after query');
      return arg === undefined
        ? { type: EnvelopeType.Query, origin, id, kind: kind as QueryKind }
        : { type: EnvelopeType.Query, origin, id, kind: kind as QueryKind, arg };
    }
    case EnvelopeType.Reply: {
      const id = r.u32();
      return { type: EnvelopeType.Reply, origin, id, value: r.json() };
    }
    case EnvelopeType.Probe: {
      const id = r.u32();
      if (r.remaining() !== 0) throw invalid('trailing bytes after probe');
      return { type: EnvelopeType.Probe, origin, id };
    }
    default:
      throw invalid(`unknown envelope type ${type}`);
  }
}

/** Every decoded broadcast shares one (frozen) target object: no allocation per message. */
const TARGET_ALL_VALUE: DeliveryTarget = Object.freeze({ kind: 'all' });

function writeHeader(buf: Buffer, type: EnvelopeType, origin: string, originLen: number): number {
  buf[0] = ENVELOPE_VERSION;
  buf[1] = type;
  buf[2] = originLen;
  buf.write(origin, 3, 'utf8');
  return 3 + originLen;
}

function writeStr16(buf: Buffer, o: number, s: string, len: number): number {
  o = buf.writeUInt16BE(len, o);
  buf.write(s, o, 'utf8');
  return o + len;
}

function checkedLength(s: string, max: number, what: string): number {
  const len = Buffer.byteLength(s);
  if (len > max) throw new RangeError(`Cluster ${what} is ${len} bytes; the limit is ${max}`);
  return len;
}

function targetString(t: DeliveryTarget): string | undefined {
  return t.kind === 'room' ? t.room : t.kind === 'client' ? t.clientId : undefined;
}

function targetKindByte(t: DeliveryTarget): number {
  if (t.kind === 'all') return TARGET_ALL;
  if (t.kind === 'room') return TARGET_ROOM;
  if (t.kind === 'client') return TARGET_CLIENT;
  throw new TypeError(`Unknown delivery target kind ${(t as { kind: unknown }).kind}`);
}

function parseMeta(text: string): BinaryMeta {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalid('binary meta is not valid JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalid('binary meta is not an object');
  for (const x of Object.values(v)) {
    if (!isBinaryMetaValue(x)) {
      throw invalid('binary meta values must be strings, finite numbers or booleans');
    }
  }
  return v as BinaryMeta;
}

/** A delivery's `except`: a non-empty JSON array of strings. */
function parseNames(text: string): readonly string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalid('except is not valid JSON');
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) throw invalid('except is not a list of names');
  return v as string[];
}

