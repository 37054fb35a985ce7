/**
 * The bounds-checked reader the cluster envelope decoders use (cluster-envelope.codec.ts,
 * cluster-batch.codec.ts), reading in place: no `subarray` per field, ASCII strings without the
 * UTF-8 check, and, with a {@link StringCache}, the strings a batch's entries share decoded once.
 */
import { isUtf8 } from 'node:buffer';
import { CloseCode, StelarErrorCode } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';

/** Node's own slice methods (skip toString's encoding dispatch; they exist on every Buffer). */
interface Slices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/**
 * The strings decoded from one buffer so far, by byte range: a later field with the same bytes
 * gets the same string without decoding (a few entries; a batch has at most 3-4 distinct ones).
 */
export class StringCache {
  private readonly starts: number[] = [];
  private readonly lens: number[] = [];
  private readonly values: string[] = [];

  find(buf: Buffer, start: number, len: number): string | undefined {
    const lens = this.lens;
    for (let i = 0; i < lens.length; i++) {
      if (lens[i] !== len) continue;
      const s = this.starts[i];
      let j = 0;
      while (j < len && buf[s + j] === buf[start + j]) j++;
      if (j === len) return this.values[i];
    }
    return undefined;
  }

  add(start: number, len: number, value: string): void {
    if (this.lens.length >= 8) return;
    this.starts.push(start);
    this.lens.push(len);
    this.values.push(value);
  }
}

/** Bounds-checked sequential reader over one envelope (`start`..`end` of its buffer). */
export class EnvelopeReader {
  private offset: number;
  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
    private readonly cache: StringCache | undefined,
  ) {
    this.offset = start;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.offset++];
  }
  u16(): number {
    this.need(2);
    const b = this.buf;
    const o = this.offset;
    this.offset = o + 2;
    return (b[o] << 8) | b[o + 1];
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  /**
   * Strict: invalid UTF-8 would decode to U+FFFD, a longer string no writer made (fuzz finding).
   * ASCII (every id and event name in practice) skips the UTF-8 check and decodes as latin1.
   */
  str(len: number): string {
    this.need(len);
    const b = this.buf;
    const s = this.offset;
    const e = s + len;
    this.offset = e;
    const cache = this.cache;
    if (cache !== undefined) {
      const hit = cache.find(b, s, len);
      if (hit !== undefined) return hit;
    }
    let ascii = true;
    for (let i = s; i < e; i++) {
      if (b[i] > 0x7f) {
        ascii = false;
        break;
      }
    }
    let v: string;
    if (ascii) v = (b as unknown as Slices).latin1Slice(s, e);
    else if (isUtf8(b.subarray(s, e))) v = (b as unknown as Slices).utf8Slice(s, e);
    else throw invalidEnvelope('a string is not valid UTF-8');
    if (cache !== undefined) cache.add(s, len, v);
    return v;
  }
  /** The rest as a zero-copy view. */
  rest(): Buffer {
    const v = this.buf.subarray(this.offset, this.end);
    this.offset = this.end;
    return v;
  }
  /** The rest parsed as JSON (decoded as `toString('utf8')` does: no strict UTF-8 here). */
  json(): unknown {
    const text = (this.buf as unknown as Slices).utf8Slice(this.offset, this.end);
    this.offset = this.end;
    try {
      return JSON.parse(text);
    } catch {
      throw invalidEnvelope('payload is not valid JSON');
    }
  }
  remaining(): number {
    return this.end - this.offset;
  }
  private need(n: number): void {
    if (this.end - this.offset < n) throw invalidEnvelope('truncated envelope');
  }
}

/** The one error of every cluster envelope decoder (reader, envelope, batch): STELAR_ERR_INVALID_MESSAGE. */
export function invalidEnvelope(why: string) {
  return createError(ErrorPrefix.ClusterEnvelope, why, StelarErrorCode.InvalidMessage, CloseCode.InvalidPayload);
}
