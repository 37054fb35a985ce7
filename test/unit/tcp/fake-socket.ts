import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * A hand-written in-memory socket: records every flush to the "kernel" (one entry per
 * _write/_writev call, i.e. per syscall a real socket would make) and lets tests inject input.
 */
export class FakeSocket extends Duplex {
  readonly flushes: Buffer[][] = [];
  remoteAddress: string | undefined = '::ffff:10.1.2.3';
  ended = false;
  /** When true, writes never complete (a peer that stopped reading). */
  stalled = false;
  private pendingCallbacks: (() => void)[] = [];

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.flushes.push([chunk]);
    this.complete(cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.flushes.push(chunks.map((c) => c.chunk));
    this.complete(cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.ended = true;
    cb();
  }

  /** Lets stalled writes complete. */
  unstall(): void {
    this.stalled = false;
    for (const cb of this.pendingCallbacks.splice(0)) cb();
  }

  /** Delivers bytes from the peer. */
  input(bytes: Uint8Array): void {
    this.push(Buffer.from(bytes));
  }

  asSocket(): Socket {
    return this as unknown as Socket;
  }

  private complete(cb: () => void): void {
    if (this.stalled) this.pendingCallbacks.push(cb);
    else cb();
  }
}
