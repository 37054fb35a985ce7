import type { Socket } from 'node:net';
import type { OutboundMessage } from '../../ports/connection.port';
import { SocketOutbox } from '../socket/socket-outbox';
import type { DeflateTarget, PerMessageDeflate } from './permessage-deflate';
import { cacheOf } from './ws-frame-cache';
import { dataOpcode, frame, toBuffer } from './ws-sender';

const NO_QUEUE: OutboundMessage[] = [];

/**
 * What leaves one WebSocket connection, in order: data frames (a server's unmasked frames come
 * from the broadcast's frame cache, built once per message), messages waiting behind a
 * compression in flight (RFC 7692 forbids reordering) and the close frame, which goes out last.
 * A base class of WsConnection (one object per connection), over the shared SocketOutbox.
 */
export abstract class WsOrderedOutbox extends SocketOutbox implements DeflateTarget {
  protected readonly deflate: PerMessageDeflate | null;
  /** Client side masks every frame (and shares no cached frame). */
  protected readonly mask: boolean;
  protected readonly maxBufferedBytes: number;
  // Only a connection with permessage-deflate ever queues: the others share an empty list.
  private readonly queue: OutboundMessage[];
  private queuedBytes = 0;
  private deflating = false;
  /** A close frame body waiting for the queue to empty. */
  private pendingClose: Buffer | null = null;

  protected constructor(socket: Socket, deflate: PerMessageDeflate | null, mask: boolean, maxBufferedBytes: number) {
    super(socket);
    this.deflate = deflate;
    this.mask = mask;
    this.maxBufferedBytes = maxBufferedBytes;
    this.queue = deflate === null ? NO_QUEUE : [];
  }

  /** Bytes accepted by send() and not yet flushed to the kernel. */
  override get bufferedAmount(): number {
    return this.socketBuffered() + this.outBytes + this.queuedBytes;
  }

  /** Writes the close frame (the subclass's close handshake state). */
  protected abstract sendClose(body: Buffer): void;
  /** True once the socket is gone. */
  protected abstract get closed(): boolean;
  /** Our compressor failed: the stream cannot continue in order. */
  protected abstract compressionFailed(): void;

  /** Queues one message in order; false when over `maxBufferedBytes` (socket-outbox.ts). */
  protected enqueue(message: OutboundMessage): boolean {
    const deflate = this.deflate;
    if (this.deflating || (deflate !== null && message.payload.length >= deflate.threshold)) {
      this.queue.push(message);
      this.queuedBytes += message.payload.length;
      this.pump();
    } else {
      this.write(this.plainFrame(message));
    }
    return this.hasRoom(this.maxBufferedBytes, this.queuedBytes);
  }

  /** A close frame is waiting for the queue to empty. */
  protected get closePending(): boolean {
    return this.pendingClose !== null;
  }

  /** Sends the close frame now, or after the messages still queued behind a compression. */
  protected closeAfterQueue(body: Buffer): void {
    if (this.deflating || this.queue.length > 0) this.pendingClose = body;
    else this.sendClose(body);
  }

  /** Closing in failure: nothing queued goes out any more, a pending close frame is forgotten. */
  protected dropQueue(forgetClose: boolean): void {
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (forgetClose) {
      this.pendingClose = null;
      this.deflating = false;
    }
  }

  /** @internal compressed message ready (in order). */
  onDeflated(data: Buffer | null): void {
    // The queue was dropped (protocol error, socket gone) while zlib worked: nothing to send.
    if (this.closed || !this.deflating || this.queue.length === 0) return;
    if (data === null) return this.compressionFailed();
    const message = this.queue.shift() as OutboundMessage;
    this.queuedBytes -= message.payload.length;
    this.deflating = false;
    const deflate = this.deflate as PerMessageDeflate;
    const frames = frame(data, { opcode: dataOpcode(message.binary), fin: true, rsv1: true, mask: this.mask });
    if (!this.mask && deflate.params.serverNoContextTakeover) {
      const cache = cacheOf(message);
      if (cache.deflated === null) cache.deflated = new Map();
      cache.deflated.set(deflate.params.serverMaxWindowBits, frames);
    }
    this.write(frames);
    this.pump();
    this.hasRoom(this.maxBufferedBytes, this.queuedBytes);
  }

  private plainFrame(message: OutboundMessage): Buffer[] {
    if (this.mask) return frame(message.payload, { opcode: dataOpcode(message.binary), fin: true, rsv1: false, mask: true });
    const cache = cacheOf(message);
    if (cache.plain === null) {
      cache.plain = frame(message.payload, { opcode: dataOpcode(message.binary), fin: true, rsv1: false, mask: false });
    }
    return cache.plain;
  }

  private pump(): void {
    const deflate = this.deflate;
    while (!this.deflating && this.queue.length > 0) {
      const message = this.queue[0];
      if (deflate !== null && message.payload.length >= deflate.threshold) {
        if (!this.mask && deflate.params.serverNoContextTakeover) {
          const cached = cacheOf(message).deflated?.get(deflate.params.serverMaxWindowBits);
          if (cached !== undefined) {
            this.queue.shift();
            this.queuedBytes -= message.payload.length;
            this.write(cached);
            continue;
          }
        }
        this.deflating = true;
        deflate.compress(toBuffer(message.payload), this);
        return;
      }
      this.queue.shift();
      this.queuedBytes -= message.payload.length;
      this.write(this.plainFrame(message));
    }
    if (!this.deflating && this.pendingClose !== null) {
      const body = this.pendingClose;
      this.pendingClose = null;
      this.sendClose(body);
    }
  }
}
