import type { Socket } from 'node:net';
import { flushAfterContinuations, flushSoon, type BatchedWriter } from './ws-write-batch';

// A turn's frames up to this many bytes are copied into one buffer and written with one
// write(); above it they go out as a writev (cork/uncork) without copying.
const COALESCE_LIMIT = 16 * 1024;

/**
 * The outgoing side of a WebSocket connection: frames written during one event-loop turn are
 * held here and leave with a single socket write when ws-write-batch flushes the turn. A base
 * class rather than a member object, so a connection costs one object, not two.
 */
export abstract class WsOutbox implements BatchedWriter {
  // The first frame of the turn sits in a field (the common case allocates no array), the rest
  // in a list created on first need; the server's 101 response goes before all of them.
  private outHead: string | null = null;
  private outFirst: Buffer | null = null;
  private outMore: Buffer[] | null = null;
  /** Bytes held and not yet handed to the socket. */
  protected outBytes = 0;
  private flushQueued = false;

  protected constructor(readonly socket: Socket) {}

  /**
   * Queues the HTTP 101 response (server side) ahead of every frame: it leaves with the first
   * frames the domain sends while accepting, in one segment, or on its own at the end of the
   * loop iteration.
   */
  writeHandshake(response: string): void {
    this.outHead = response;
    this.outBytes += response.length;
    flushAfterContinuations(this);
  }

  protected write(buffers: Buffer[]): void {
    if (!this.socket.writable) return;
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

  /** @internal BatchedWriter: writes this turn's frames with one socket write. */
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
      socket.write(first as Buffer);
      return;
    }
    if (total <= COALESCE_LIMIT) {
      // Copying a few small frames is cheaper than a writev (and its per-chunk bookkeeping).
      const out = Buffer.allocUnsafe(total);
      let off = head === null ? 0 : out.write(head, 0, 'latin1');
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
      socket.write(out);
      return;
    }
    socket.cork();
    if (head !== null) socket.write(head, 'latin1');
    if (first !== null) socket.write(first);
    if (more !== null) {
      for (let i = 0; i < more.length; i++) socket.write(more[i]);
      more.length = 0;
    }
    socket.uncork();
  }

  protected dropWrites(): void {
    this.outHead = null;
    this.outFirst = null;
    this.outMore = null;
    this.outBytes = 0;
  }

  /** Half-closes the socket after whatever frames this turn still holds (FIN comes last). */
  protected endSocket(): void {
    this.flushWrites();
    this.socket.end();
  }
}
