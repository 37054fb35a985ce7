import * as zlib from 'node:zlib';
import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import type { DeflateParams, PerMessageDeflateOptions } from './permessage-deflate-negotiation';
import { sharedZlibLimiter, type ZlibLimiter } from './zlib-limiter';

export * from './permessage-deflate-negotiation';

// RFC 7692 §7.2.2: the sender strips, the receiver re-appends, the sync-flush marker.
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Receives inflated fragments, in order. */
export interface InflateTarget {
  onInflated(err: ProtocolError | null, chunks: Buffer[] | null, length: number): void;
}

/** Receives a compressed message body (trailer stripped), in order; null if zlib failed. */
export interface DeflateTarget {
  onDeflated(data: Buffer | null): void;
}

type OwnedStream = (zlib.InflateRaw | zlib.DeflateRaw) & { owner?: PerMessageDeflate };

/**
 * One connection's permessage-deflate context: a lazily created raw inflater and deflater.
 * Callers issue at most one decompress and one compress at a time (the receiver waits, the
 * connection queues), so zlib work can never reorder messages. Inflated output is capped at
 * `maxPayloadSize` per message: a compression bomb stops at the cap with 1009.
 */
export class PerMessageDeflate {
  /** Messages shorter than this are sent uncompressed (Infinity: never compress). */
  readonly threshold: number;
  private inflater: OwnedStream | null = null;
  private deflater: OwnedStream | null = null;
  private inflateChunks: Buffer[] = [];
  private inflateLength = 0;
  private messageInflated = 0;
  private inflateError: ProtocolError | null = null;
  private deflateChunks: Buffer[] = [];
  private deflateLength = 0;
  private closed = false;
  private inflateTarget: InflateTarget | null = null;
  private inflateFin = false;
  private readonly onInflateFlushed = (): void => this.finishInflate();
  private deflateTarget: DeflateTarget | null = null;
  private readonly onDeflateFlushed = (): void => this.finishDeflate();

  constructor(
    readonly params: DeflateParams,
    private readonly isServer: boolean,
    private readonly maxPayloadSize: number,
    private readonly options: PerMessageDeflateOptions = {},
    private readonly limiter: ZlibLimiter = sharedZlibLimiter,
  ) {
    // zlib cannot deflate with a 256-byte window: asked for 8 bits it silently uses 9 and may
    // emit back-references a strict 8-bit peer rejects (madler/zlib#171). When our agreed window
    // is 8 bits we therefore never compress; RFC 7692 §6.1 lets any message go out uncompressed
    // (RSV1 clear), and inflating the peer's messages is unaffected.
    const ownBits = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.threshold = ownBits <= 8 ? Number.POSITIVE_INFINITY : (options.threshold ?? 1024);
  }

  /** Inflates one fragment; `target.onInflated` is called asynchronously, exactly once. */
  decompress(data: Buffer, fin: boolean, target: InflateTarget): void {
    this.limiter.add(() => this.runInflate(data, fin, target));
  }

  /** Compresses one whole message; `target.onDeflated` is called asynchronously unless closed. */
  compress(data: Buffer, target: DeflateTarget): void {
    this.limiter.add(() => this.runDeflate(data, target));
  }

  /** Releases the zlib streams (connection closed). Pending callbacks are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Free the limiter slots of jobs in flight: a closed zlib stream never calls back.
    if (this.inflateTarget !== null) {
      this.inflateTarget = null;
      this.limiter.done();
    }
    if (this.deflateTarget !== null) {
      this.deflateTarget = null;
      this.limiter.done();
    }
    for (const stream of [this.inflater, this.deflater]) {
      if (stream) {
        stream.owner = undefined;
        stream.on('error', noop);
        stream.close();
      }
    }
    this.inflater = null;
    this.deflater = null;
  }

  private runInflate(data: Buffer, fin: boolean, target: InflateTarget): void {
    if (this.closed) return this.limiter.done();
    if (this.inflater === null) {
      // A 15-bit inflate window decodes any smaller window the peer agreed to use, and sidesteps
      // zlib's raw-deflate quirk of turning a requested 8-bit window into 9 bits.
      const inflater: OwnedStream = zlib.createInflateRaw({ windowBits: 15 });
      inflater.owner = this;
      inflater.on('data', onInflateData);
      inflater.on('error', onZlibError);
      this.inflater = inflater;
    }
    const inflater = this.inflater;
    this.inflateTarget = target;
    this.inflateFin = fin;
    this.inflateChunks = [];
    this.inflateLength = 0;
    inflater.write(data);
    if (fin) inflater.write(TRAILER);
    inflater.flush(this.onInflateFlushed);
  }

  /**
   * Completes the fragment in flight: after the flush, or early on a zlib error or when the cap
   * is hit (zlib may then never call the flush callback). Idempotent.
   */
  private finishInflate(): void {
    const target = this.inflateTarget;
    if (target === null) return;
    this.inflateTarget = null;
    this.limiter.done();
    if (this.closed) return;
    const err = this.inflateError;
    const chunks = this.inflateChunks;
    const length = this.inflateLength;
    this.inflateChunks = [];
    this.inflateLength = 0;
    if (err !== null || this.inflateFin) this.messageInflated = 0;
    if (err !== null) {
      this.inflateError = null;
      this.dropInflater();
      target.onInflated(err, null, 0);
      return;
    }
    // RFC 7692 §7.2.2: with no context takeover the peer starts each message afresh.
    const peerNct = this.isServer ? this.params.clientNoContextTakeover : this.params.serverNoContextTakeover;
    if (this.inflateFin && peerNct && this.inflater !== null) this.inflater.reset();
    target.onInflated(null, chunks, length);
  }

  /** @internal zlib 'data' with the cap check. */
  inflated(chunk: Buffer): void {
    if (this.inflateError !== null || this.inflateTarget === null) return;
    this.messageInflated += chunk.length;
    if (this.messageInflated > this.maxPayloadSize) {
      this.inflateError = createError(
        ErrorPrefix.WsFrame,
        `inflated message exceeds maxPayloadSize ${this.maxPayloadSize}`,
        StelarErrorCode.PayloadTooLarge,
        CloseCode.MessageTooBig,
        this.messageInflated,
      );
      this.inflateChunks = [];
      // Stop inflating the rest of the bomb right away.
      this.finishInflate();
      return;
    }
    this.inflateChunks.push(chunk);
    this.inflateLength += chunk.length;
  }

  /** @internal zlib failure: corrupt compressed data (RFC 7692 §8: fail with 1007). */
  zlibFailed(stream: OwnedStream, err: Error): void {
    if (stream === this.deflater) {
      // Our own compressor failing is an internal error; the owner sees it as a lost message.
      this.deflater = null;
      const target = this.deflateTarget;
      if (target !== null) {
        this.deflateTarget = null;
        this.limiter.done();
        target.onDeflated(null);
      }
      return;
    }
    if (stream === this.inflater) {
      if (this.inflateError === null) {
        this.inflateError = createError(ErrorPrefix.WsFrame, err.message, StelarErrorCode.InvalidFrame, CloseCode.InvalidPayload);
      }
      this.finishInflate();
    }
  }

  private dropInflater(): void {
    const inflater = this.inflater;
    this.inflater = null;
    if (inflater) {
      inflater.removeListener('data', onInflateData);
      inflater.owner = undefined;
      inflater.on('error', noop);
      inflater.close();
    }
  }

  private runDeflate(data: Buffer, target: DeflateTarget): void {
    if (this.closed) return this.limiter.done();
    if (this.deflater === null) {
      const bits = this.isServer ? this.params.serverMaxWindowBits : this.params.clientMaxWindowBits;
      const deflater: OwnedStream = zlib.createDeflateRaw({
        windowBits: bits,
        level: this.options.level ?? zlib.constants.Z_DEFAULT_COMPRESSION,
      });
      deflater.owner = this;
      deflater.on('data', onDeflateData);
      deflater.on('error', onZlibError);
      this.deflater = deflater;
    }
    this.deflateTarget = target;
    this.deflateChunks = [];
    this.deflateLength = 0;
    this.deflater.write(data);
    this.deflater.flush(zlib.constants.Z_SYNC_FLUSH, this.onDeflateFlushed);
  }

  private finishDeflate(): void {
    const target = this.deflateTarget;
    if (target === null) return;
    this.deflateTarget = null;
    this.limiter.done();
    if (this.closed || this.deflater === null) return;
    let out =
      this.deflateChunks.length === 1 ? this.deflateChunks[0] : Buffer.concat(this.deflateChunks, this.deflateLength);
    this.deflateChunks = [];
    this.deflateLength = 0;
    // RFC 7692 §7.2.1: drop the 00 00 ff ff that ends a sync flush.
    out = out.subarray(0, out.length - 4);
    const ownNct = this.isServer ? this.params.serverNoContextTakeover : this.params.clientNoContextTakeover;
    if (ownNct) this.deflater.reset();
    target.onDeflated(out);
  }

  /** @internal */
  deflated(chunk: Buffer): void {
    this.deflateChunks.push(chunk);
    this.deflateLength += chunk.length;
  }
}

function onInflateData(this: OwnedStream, chunk: Buffer): void {
  this.owner?.inflated(chunk);
}

function onDeflateData(this: OwnedStream, chunk: Buffer): void {
  this.owner?.deflated(chunk);
}

function noop(): void {}

function onZlibError(this: OwnedStream, err: Error): void {
  this.owner?.zlibFailed(this, err);
}
