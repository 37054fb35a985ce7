import type { Socket } from 'node:net';
import { coalesceFrames } from '../socket/frame-coalescer';
import { flushSoon, type BatchedWriter } from './ws-write-batch';

// An iteration's frames up to this many bytes are copied into one buffer and written with one
// write(); above it they go out as a writev (cork/uncork) without copying.
const COALESCE_LIMIT = 16 * 1024;

// Buffer's own latin1 writer (what buf.write(s, 0, 'latin1') ends up calling, minus the
// argument normalisation); present on every Node Buffer, absent from the type definitions.
type LatinWritable = Buffer & { latin1Write(s: string, offset: number): number };

/**
 * The outgoing side of a WebSocket connection: frames written during one event-loop iteration
 * are held here and leave with a single socket write when ws-write-batch flushes them. A base
 * class rather than a member object, so a connection costs one object, not two.
 */
export abstract class WsOutbox implements BatchedWriter {
  // The first frame of the iteration sits in a field (the common case allocates no array), the rest
  // in a list created on first need; the server's 101 response goes before all of them.
  private outHead: string | null = null;
  private outFirst: Buffer | null = null;
  private outMore: Buffer[] | null = null;
  /** Bytes held and not yet handed to the socket. */
  protected outBytes = 0;
  private flushQueued = false;
  /** The socket's last write() returned false (its buffer is at its high-water mark). */
  protected socketFull = false;

  protected constructor(readonly socket: Socket) {}

  /**
   * Queues the HTTP 101 response (server side) ahead of every frame: it leaves with the first
   * frames the domain sends while accepting, in one segment, at the end of the loop iteration.
   */
  writeHandshake(response: string): void {
    this.outHead = response;
    this.outBytes += response.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      flushSoon(this);
    }
  }

  protected write(buffers: Buffer[]): void {
    // No socket.writable check per frame: flushWrites drops what a dead socket cannot take.
    for (let i = 0; i < buffers.length; i++) {
      const buf = buffers[i];
      if (this.outFirst === null) this.outFirst = buf;
      else if (this.outMore === null) this.outMore = [buf];
      else this.outMore.push(buf);
      this.outBytes += buf.length;
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      flushSoon(this);
    }
  }

  /** @internal BatchedWriter: writes the held frames with one socket write. */
  flushWrites(): void {
    this.flushQueued = false;
    const head = this.outHead;
    const first = this.outFirst;
    if (head === null && first === null) return;
    const more = this.outMore;
    const total = this.outBytes;
    this.outHead = null;
    this.outFirst = null;
    this.outBytes = 0;
    const socket = this.socket;
    if (!socket.writable) {
      if (more !== null) more.length = 0;
      return;
    }
    if (head === null && (more === null || more.length === 0)) {
      this.socketFull = !socket.write(first as Buffer);
      return;
    }
    if (head === null && more !== null && total <= COALESCE_LIMIT) {
      // A few small frames: one copy, shared with every connection that queued the same frames
      // (a broadcast pass), is cheaper than a writev and its per-chunk bookkeeping.
      this.socketFull = !socket.write(coalesceFrames(first as Buffer, more, total));
      more.length = 0;
      return;
    }
    if (total <= COALESCE_LIMIT) {
      // The 101 response and the first frames: one segment.
      const out = Buffer.allocUnsafe(total);
      let off = head === null ? 0 : (out as LatinWritable).latin1Write(head, 0);
      if (first !== null) {
        out.set(first, off);
        off += first.length;
      }
      if (more !== null) {
        for (let i = 0; i < more.length; i++) {
          out.set(more[i], off);
          off += more[i].length;
        }
        more.length = 0;
      }
      this.socketFull = !socket.write(out);
      return;
    }
    socket.cork();
    let room = true;
    if (head !== null) room = socket.write(head, 'latin1');
    if (first !== null) room = socket.write(first);
    if (more !== null) {
      for (let i = 0; i < more.length; i++) room = socket.write(more[i]);
      more.length = 0;
    }
    socket.uncork();
    this.socketFull = !room;
  }

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
