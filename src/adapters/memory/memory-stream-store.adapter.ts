import { randomBytes } from 'node:crypto';
import type { StelarMessage } from '../../domain/message';
import type { StreamEntry, StreamPosition, StreamRead, StreamStore } from '../../ports/stream-store.port';

/** Bounds of a stream store (the `recovery` option). */
export interface StreamStoreLimits {
  /** Most entries kept per stream. */
  readonly historySize: number;
  /** Entries older than this (ms) are dropped. */
  readonly windowMs: number;
}

/** A random 8-character epoch (48 bits, base64url). */
export function randomEpoch(): string {
  return randomBytes(6).toString('base64url');
}

/**
 * One stream: its epoch, top offset and retained entries (`list[start..]`, oldest first). The
 * dropped head is compacted away once it is the larger half, so push and shift are amortised
 * O(1) and an idle stream costs a few dozen bytes.
 */
class MemoryStream {
  top = 0;
  lastAppend: number;
  private list: StreamEntry[] = [];
  private start = 0;

  constructor(
    readonly epoch: string,
    now: number,
  ) {
    this.lastAppend = now;
  }

  get count(): number {
    return this.list.length - this.start;
  }

  oldest(): StreamEntry | undefined {
    return this.start < this.list.length ? this.list[this.start] : undefined;
  }

  /** Appends; returns 1 when the oldest entry was dropped to stay within `cap`. */
  push(entry: StreamEntry, cap: number): number {
    this.list.push(entry);
    if (this.count <= cap) return 0;
    this.shift();
    return 1;
  }

  shift(): void {
    (this.list as (StreamEntry | undefined)[])[this.start++] = undefined;
    if (this.start === this.list.length) {
      this.list = [];
      this.start = 0;
    } else if (this.start >= 32 && this.start * 2 >= this.list.length) {
      this.list = this.list.slice(this.start);
      this.start = 0;
    }
  }

  at(i: number): StreamEntry {
    return this.list[this.start + i];
  }
}

/**
 * In-process {@link StreamStore}: a Map of bounded entry lists. Each stream's epoch is random, made
 * when the stream is created, so positions from a previous process (or a swept and recreated
 * stream) are detected as `'epoch'`. Memory: at most `historySize` entries per stream, none
 * older than `windowMs` after a sweep (the server sweeps every 30 s); appends also drop aged
 * entries at the head.
 */
export class MemoryStreamStore implements StreamStore {
  private readonly streams = new Map<string, MemoryStream>();
  private seq = 0;
  private entries = 0;

  constructor(
    private readonly limits: StreamStoreLimits,
    private readonly newEpoch: () => string = randomEpoch,
  ) {
    if (!(limits.historySize >= 1)) throw new RangeError('historySize must be ≥ 1');
  }

  append(stream: string, message: StelarMessage, exclude: string | undefined, exclude2: string | undefined, now: number): StreamEntry {
    const s = this.stream(stream, now);
    this.prune(s, now);
    const entry: StreamEntry = { offset: ++s.top, seq: ++this.seq, at: now, message, exclude, exclude2 };
    s.lastAppend = now;
    this.entries += 1 - s.push(entry, this.limits.historySize);
    return entry;
  }

  position(stream: string, now: number): StreamPosition {
    const s = this.stream(stream, now);
    return { offset: s.top, epoch: s.epoch };
  }

  epochOf(stream: string): string | undefined {
    return this.streams.get(stream)?.epoch;
  }

  read(stream: string, after: StreamPosition, now: number): StreamRead {
    const s = this.streams.get(stream);
    if (s === undefined || s.epoch !== after.epoch) return EPOCH;
    this.prune(s, now);
    if (after.offset > s.top) return EPOCH; // a position this incarnation never gave out
    const oldest = s.oldest();
    // Entries after `after` were dropped (overwritten or aged out): never a partial replay.
    if (after.offset < s.top && (oldest === undefined || oldest.offset > after.offset + 1)) return HISTORY;
    const entries: StreamEntry[] = [];
    for (let i = 0; i < s.count; i++) {
      const e = s.at(i);
      if (e.offset > after.offset) entries.push(e);
    }
    return { ok: true, epoch: s.epoch, top: s.top, entries };
  }

  delete(stream: string): void {
    const s = this.streams.get(stream);
    if (s === undefined) return;
    this.entries -= s.count;
    this.streams.delete(stream);
  }

  sweep(now: number, keep: (stream: string) => boolean): void {
    for (const [name, s] of this.streams) {
      this.prune(s, now);
      if (s.count === 0 && now - s.lastAppend >= this.limits.windowMs && !keep(name)) this.streams.delete(name);
    }
  }

  get streamCount(): number {
    return this.streams.size;
  }

  get entryCount(): number {
    return this.entries;
  }

  private stream(name: string, now: number): MemoryStream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = new MemoryStream(this.newEpoch(), now);
      this.streams.set(name, s);
    }
    return s;
  }

  private prune(s: MemoryStream, now: number): void {
    const limit = now - this.limits.windowMs;
    for (let e = s.oldest(); e !== undefined && e.at < limit; e = s.oldest()) {
      s.shift();
      this.entries--;
    }
  }
}

const EPOCH: StreamRead = Object.freeze({ ok: false, reason: 'epoch' }) as StreamRead;
const HISTORY: StreamRead = Object.freeze({ ok: false, reason: 'history' }) as StreamRead;
