import type { Socket } from 'node:net';
import { coalesceFrames } from './frame-coalescer';
import { scheduleFlush, type ScheduledWriter } from './write-scheduler';
import { listenDrain, unlistenDrain } from './socket-binding';

/**
 * A turn's frames up to this many bytes are copied into one buffer and written with one
 * write(); above it they go out as a writev (cork/uncork) without copying.
 */
export const COALESCE_LIMIT = 16 * 1024;

// Reasons reading from the peer is paused (bits of `paused`); reading resumes when none is left.
/** The send buffer is over its limit: wait for 'drain' (send() returned false). */
export const PAUSE_BACKPRESSURE = 1;
/** The transport is screening the attempt (TCP, asynchronous screening). */
export const PAUSE_SCREENING = 2;
/** The parser is busy (WebSocket, an inflate in flight). */
export const PAUSE_PARSER = 4;

// Buffer's own latin1 writer (what buf.write(s, 0, 'latin1') ends up calling, minus the
// argument normalisation); present on every Node Buffer, absent from the type definitions.
type LatinWritable = Buffer & { latin1Write(s: string, offset: number): number };

/**
 * The outgoing side of a socket connection, WebSocket or TCP: frames queued during one
 * event-loop turn are held here and leave with a single socket write when the write scheduler
 * flushes them; and the one backpressure rule of both transports:
 *
 * - `send()` returns false when, after queuing, the connection's buffered bytes
 *   (`bufferedAmount`: the socket's buffer plus what is held here) are above its send limit
 *   (`maxBufferedBytes`). Reading from the peer is then paused: a peer that does not read what
 *   we send is not read from either.
 * - Once the socket can take more (its 'drain', or a flush that found room), reading resumes
 *   and the handler's `onDrain` fires, once per false.
 * - What to do with a connection over its limit (skip, close) is the domain's decision, the same
 *   for every transport (message-sender.service.ts).
 *
 * A base class rather than a member object, so a connection costs one object, not two.
 */
export abstract class SocketOutbox implements ScheduledWriter {
  // The first frame of the turn sits in a field (the common case allocates no array), the rest
  // in a list created on first need and reused; a WebSocket server's 101 response goes first.
  private outHead: string | null = null;
  private outFirst: Uint8Array | null = null;
  private outMore: Uint8Array[] | null = null;
  /** Bytes held and not yet handed to the socket. */
  protected outBytes = 0;
  /**
   * socket.writableLength when this turn's first frame was queued: the socket's buffer cannot
   * grow between our flushes, so `outBase + outBytes` bounds bufferedAmount without calling the
   * getter on every send.
   */
  private outBase = 0;
  /** PAUSE_* bits. */
  private paused = 0;

  protected constructor(readonly socket: Socket) {}

  /**
   * Bytes accepted by send() and not yet handed to the kernel. While frames are held this turn,
   * the socket's part is read as `outBase` (see there): the domain asks for it before every
   * delivery of a fan-out, and the socket's own getter chain costs more than the field.
   */
  get bufferedAmount(): number {
    return this.socketBuffered() + this.outBytes;
  }

  /** socket.writableLength, or its value when this turn's first frame was queued (an upper bound). */
  protected socketBuffered(): number {
    return this.outFirst !== null || this.outHead !== null ? this.outBase : this.socket.writableLength;
  }

  /** The socket drained after send() returned false; the subclass tells its handler. */
  protected abstract onWritable(): void;

  /**
   * Queues the HTTP 101 response (server side) ahead of every frame: it leaves with the first
   * frames the domain sends while accepting, in one segment, at the end of the turn.
   */
  writeHandshake(response: string): void {
    if (this.outHead === null && this.outFirst === null) this.schedule();
    this.outHead = response;
    this.outBytes += response.length;
  }

  /** Queues frames for this turn's flush. */
  protected write(buffers: readonly Uint8Array[]): void {
    // No socket.writable check per frame: flushWrites drops what a dead socket cannot take.
    for (let i = 0; i < buffers.length; i++) this.writeFrame(buffers[i]);
  }

  /** Queues one frame for this turn's flush. */
  protected writeFrame(buf: Uint8Array): void {
    if (this.outFirst === null) {
      if (this.outHead === null) this.schedule();
      this.outFirst = buf;
    } else if (this.outMore === null) this.outMore = [buf];
    else this.outMore.push(buf);
    this.outBytes += buf.length;
  }

  /**
   * Queues one frame and applies the send limit (writeFrame + hasRoom in one step, for the
   * per-delivery path of TCP): false when the buffered bytes are over `limit`.
   */
  protected queueFrame(buf: Uint8Array, limit: number): boolean {
    if (this.outFirst === null) {
      if (this.outHead === null) this.schedule();
      this.outFirst = buf;
    } else if (this.outMore === null) this.outMore = [buf];
    else this.outMore.push(buf);
    const bytes = (this.outBytes += buf.length);
    // Frames are held now, so the socket's part is outBase (it cannot grow before the flush).
    return this.outBase + bytes <= limit || this.hasRoom(limit, 0);
  }

  private schedule(): void {
    this.outBase = this.socket.writableLength;
    scheduleFlush(this);
  }

  /**
   * The backpressure check after a send: true while the buffered bytes (plus `extra` held
   * elsewhere, e.g. behind a compression) are within `limit`; otherwise pauses reading until
   * the socket drains and returns false.
   */
  protected hasRoom(limit: number, extra: number): boolean {
    if (this.socketBuffered() + this.outBytes + extra <= limit) return true;
    if ((this.paused & PAUSE_BACKPRESSURE) === 0) {
      listenDrain(this.socket);
      this.pauseReading(PAUSE_BACKPRESSURE);
    }
    return false;
  }

  /** Pauses reading for `reason` (a PAUSE_* bit). */
  pauseReading(reason: number): void {
    if (this.paused === 0) this.socket.pause();
    this.paused |= reason;
  }

  /** Lifts one pause reason; reading resumes when none is left. */
  resumeReading(reason: number): void {
    if ((this.paused & reason) === 0) return;
    this.paused &= ~reason;
    if (this.paused === 0) this.socket.resume();
  }

  /** Lifts every pause reason (closing: read and discard until the peer's FIN). */
  protected resumeAll(): void {
    if (this.paused !== 0) {
      if ((this.paused & PAUSE_BACKPRESSURE) !== 0) unlistenDrain(this.socket);
      this.paused = 0;
      this.socket.resume();
    }
  }

  /** True while reading is paused for `reason`. */
  protected isPaused(reason: number): boolean {
    return (this.paused & reason) !== 0;
  }

  /** @internal socket 'drain' (listened to only after send() returned false). */
  socketDrain(): void {
    if ((this.paused & PAUSE_BACKPRESSURE) === 0) return;
    unlistenDrain(this.socket);
    this.resumeReading(PAUSE_BACKPRESSURE);
    this.onWritable();
  }

  /** @internal ScheduledWriter: writes the held frames with one socket write. */
  flushWrites(): void {
    const head = this.outHead;
    const first = this.outFirst;
    if (head === null && first === null) return;
    const more = this.outMore;
    const total = this.outBytes;
    this.outHead = null;
    this.outFirst = null;
    this.outBytes = 0;
    const socket = this.socket;
    // Gone, or ended under us (a peer FIN auto-ends a TCP socket): nothing can be written.
    if (socket.destroyed || !socket.writable) {
      if (more !== null) more.length = 0;
      return;
    }
    let ok: boolean;
    if (head === null && (more === null || more.length === 0)) {
      ok = socket.write(first as Uint8Array);
    } else if (total <= COALESCE_LIMIT) {
      if (head === null) {
        // A few small frames: one copy, shared with every connection that queued the same
        // frames (a broadcast pass), is cheaper than a writev and its per-chunk bookkeeping.
        ok = socket.write(coalesceFrames(first as Uint8Array, more as Uint8Array[], total));
      } else {
        ok = socket.write(withHead(head, first, more, total));
      }
      if (more !== null) more.length = 0;
    } else {
      socket.cork();
      ok = true;
      if (head !== null) ok = socket.write(head, 'latin1');
      if (first !== null) ok = socket.write(first);
      if (more !== null) {
        for (let i = 0; i < more.length; i++) ok = socket.write(more[i]);
        more.length = 0;
      }
      socket.uncork();
    }
    // send() found the buffer over its limit, but the socket took everything with room left:
    // no 'drain' will come, so this flush is the drain.
    if (ok && (this.paused & PAUSE_BACKPRESSURE) !== 0 && !socket.writableNeedDrain) this.socketDrain();
  }

  /** @internal ScheduledWriter: the flush threw; this connection cannot go on. */
  flushFailed(_err: unknown): void {
    this.dropWrites();
    this.socket.destroy();
  }

  /** Forgets the held frames (the connection is gone or failing). */
  protected dropWrites(): void {
    this.outHead = null;
    this.outFirst = null;
    this.outMore = null;
    this.outBytes = 0;
  }

  /** Half-closes the socket after whatever frames are still held (FIN comes last). */
  protected endSocket(): void {
    // end() on a socket already ended builds an ERR_STREAM_ALREADY_FINISHED error (stack
    // trace included) only to drop it: the peer's FIN after our own close is the usual case.
    if (this.socket.writableEnded) return;
    this.flushWrites();
    this.socket.end();
  }
}

/** The 101 response and the first frames in one buffer (one segment). */
function withHead(head: string, first: Uint8Array | null, more: Uint8Array[] | null, total: number): Buffer {
  const out = Buffer.allocUnsafe(total);
  let off = (out as LatinWritable).latin1Write(head, 0);
  if (first !== null) {
    out.set(first, off);
    off += first.length;
  }
  if (more !== null) {
    for (let i = 0; i < more.length; i++) {
      out.set(more[i], off);
      off += more[i].length;
    }
  }
  return out;
}
