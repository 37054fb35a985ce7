/**
 * The unparsed input of a frame parser (WebSocket receiver, TCP frame parser): the socket chunks
 * received and not yet consumed, read from an offset into the oldest one. The oldest chunk sits
 * in a field and the others in a list that exists only while a frame spans chunks, so an idle
 * parser holds no array and a chunk of whole frames is parsed in place. Reads are zero-copy
 * views when the bytes lie in one chunk; only bytes spanning chunks are copied, once.
 *
 * A base class rather than a member object (the parsers extend it), so a connection's parser
 * costs one object, not two. The caller checks `queuedBytes` before every read (each parser
 * state opens with that guard, the ws receiver pattern).
 */
export abstract class ChunkQueue {
  /** The oldest unconsumed chunk (null when nothing is buffered). */
  private head: Buffer | null = null;
  /** Read position in `head`. */
  private headOffset = 0;
  /** Chunks after `head`, oldest first (null unless input spans chunks). */
  private tail: Buffer[] | null = null;
  /** Bytes received and not yet consumed. */
  protected queuedBytes = 0;

  /** Bytes received and not yet parsed (bounded by the parser's limits). */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** Appends one (non-empty) chunk. */
  protected pushChunk(chunk: Buffer): void {
    if (this.head === null) {
      this.head = chunk;
      this.headOffset = 0;
    } else if (this.tail === null) {
      this.tail = [chunk];
    } else {
      this.tail.push(chunk);
    }
    this.queuedBytes += chunk.length;
  }

  /** Drops everything buffered. */
  protected clearChunks(): void {
    this.head = null;
    this.tail = null;
    this.headOffset = 0;
    this.queuedBytes = 0;
  }

  /** Bytes left in the oldest chunk (what can be consumed without a copy). */
  protected headAvailable(): number {
    return this.head === null ? 0 : this.head.length - this.headOffset;
  }

  /** The next byte (the caller checked `queuedBytes`). */
  protected readByte(): number {
    const head = this.head as Buffer;
    const b = head[this.headOffset++];
    this.queuedBytes--;
    if (this.headOffset === head.length) this.nextHead();
    return b;
  }

  /** The next `n` (≤ 4) bytes as a big-endian unsigned number. */
  protected readUintBE(n: number): number {
    const head = this.head as Buffer;
    const off = this.headOffset;
    let v = 0;
    if (head.length - off >= n) {
      for (let i = 0; i < n; i++) v = v * 256 + head[off + i];
      this.skip(n);
      return v;
    }
    for (let i = 0; i < n; i++) v = v * 256 + this.readByte();
    return v;
  }

  /** `n` buffered bytes: a zero-copy view when they lie in one chunk, else one copy. */
  protected consume(n: number): Buffer {
    const head = this.head as Buffer;
    const off = this.headOffset;
    if (n <= head.length - off) {
      const view = off === 0 && n === head.length ? head : head.subarray(off, off + n);
      this.skip(n);
      return view;
    }
    const dst = Buffer.allocUnsafe(n);
    let filled = 0;
    do {
      const buf = this.head as Buffer;
      const at = this.headOffset;
      const take = Math.min(buf.length - at, n - filled);
      dst.set(at === 0 && take === buf.length ? buf : buf.subarray(at, at + take), filled);
      filled += take;
      this.skip(take);
    } while (filled < n);
    return dst;
  }

  /** Drops `n` bytes from the front of the oldest chunk (at most what it has left). */
  private skip(n: number): void {
    this.queuedBytes -= n;
    this.headOffset += n;
    if (this.headOffset === (this.head as Buffer).length) this.nextHead();
  }

  private nextHead(): void {
    const tail = this.tail;
    if (tail === null) {
      this.head = null;
    } else {
      this.head = tail.shift() as Buffer;
      if (tail.length === 0) this.tail = null;
    }
    this.headOffset = 0;
  }
}
