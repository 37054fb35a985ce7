import * as zlib from 'node:zlib';
import { CloseCode, StelarErrorCode, protocolError, type ProtocolError } from '../../domain/errors';
import type { ExtensionOffer } from './ws-extensions';
import { sharedZlibLimiter, type ZlibLimiter } from './zlib-limiter';

/** User-facing permessage-deflate settings (`compression: true` uses the defaults). */
export interface PerMessageDeflateOptions {
  /** Reset our compressor after every message (asks nothing of the peer). Default false. */
  readonly serverNoContextTakeover?: boolean;
  /** Ask the client to reset its compressor after every message. Default false. */
  readonly clientNoContextTakeover?: boolean;
  /** Our LZ77 window, 8..15. Default 15. */
  readonly serverMaxWindowBits?: number;
  /** Limit the client's window when it offers client_max_window_bits, 8..15. Default 15. */
  readonly clientMaxWindowBits?: number;
  /** Messages smaller than this many bytes are sent uncompressed. Default 1024. */
  readonly threshold?: number;
  /** zlib compression level. Default zlib's default (6). */
  readonly level?: number;
}

/** Parameters both sides agreed on (RFC 7692 §7.1). */
export interface DeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number;
  readonly clientMaxWindowBits: number;
}

/** Extension name (RFC 7692 §7). */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';
// RFC 7692 §7.2.2: the sender strips, the receiver re-appends, the sync-flush marker.
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

function windowBits(v: string | true | undefined): number | null {
  if (typeof v !== 'string' || !/^\d{1,2}$/.test(v)) return null;
  const n = Number(v);
  return n >= 8 && n <= 15 ? n : null;
}

function checkBits(name: string, v: number | undefined): number {
  if (v === undefined) return 15;
  if (!Number.isInteger(v) || v < 8 || v > 15) throw new RangeError(`${name} must be an integer in 8..15`);
  return v;
}

/**
 * Server side of RFC 7692 §7.1: accepts the first acceptable permessage-deflate offer. Offers
 * with unknown, duplicated or invalid parameters are declined (§5); null means no compression.
 * Returns the agreed parameters and the response header value.
 */
export function negotiateServer(
  offers: readonly ExtensionOffer[],
  options: PerMessageDeflateOptions,
): { params: DeflateParams; header: string } | null {
  const ourServerBits = checkBits('serverMaxWindowBits', options.serverMaxWindowBits);
  const ourClientBits = checkBits('clientMaxWindowBits', options.clientMaxWindowBits);
  next: for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE || offer.duplicate) continue;
    let serverNct = options.serverNoContextTakeover === true;
    let clientNct = options.clientNoContextTakeover === true;
    let serverBits = ourServerBits;
    let clientBits = 15;
    let clientBitsOffered = false;
    for (const [key, value] of offer.params) {
      switch (key) {
        case 'server_no_context_takeover':
          if (value !== true) continue next;
          serverNct = true;
          break;
        case 'client_no_context_takeover':
          if (value !== true) continue next;
          clientNct = true;
          break;
        case 'server_max_window_bits': {
          const bits = windowBits(value);
          if (bits === null) continue next;
          serverBits = Math.min(bits, ourServerBits);
          break;
        }
        case 'client_max_window_bits': {
          clientBitsOffered = true;
          if (value !== true) {
            const bits = windowBits(value);
            if (bits === null) continue next;
            clientBits = bits;
          }
          break;
        }
        default:
          continue next;
      }
    }
    // §7.1.2.2: we may only limit the client's window when it said it supports that.
    if (clientBitsOffered) clientBits = Math.min(clientBits, ourClientBits);
    let header = PERMESSAGE_DEFLATE;
    if (serverNct) header += '; server_no_context_takeover';
    if (clientNct) header += '; client_no_context_takeover';
    if (serverBits < 15) header += `; server_max_window_bits=${serverBits}`;
    if (clientBitsOffered && clientBits < 15) header += `; client_max_window_bits=${clientBits}`;
    return {
      params: {
        serverNoContextTakeover: serverNct,
        clientNoContextTakeover: clientNct,
        serverMaxWindowBits: serverBits,
        clientMaxWindowBits: clientBits,
      },
      header,
    };
  }
  return null;
}

/** Client side: the offer header value we send. */
export function clientOffer(options: PerMessageDeflateOptions): string {
  let header = `${PERMESSAGE_DEFLATE}; client_max_window_bits`;
  if (options.clientNoContextTakeover) header += '; client_no_context_takeover';
  if (options.serverNoContextTakeover) header += '; server_no_context_takeover';
  if (options.serverMaxWindowBits !== undefined && options.serverMaxWindowBits < 15) {
    header += `; server_max_window_bits=${checkBits('serverMaxWindowBits', options.serverMaxWindowBits)}`;
  }
  return header;
}

/**
 * Client side: validates the server's response (RFC 7692 §7.1). Throws Error when the server
 * answered something we did not offer or cannot honour (the client fails the handshake).
 */
export function acceptClientResponse(response: readonly ExtensionOffer[], options: PerMessageDeflateOptions): DeflateParams {
  if (response.length !== 1 || response[0].name !== PERMESSAGE_DEFLATE || response[0].duplicate) {
    throw new Error('Server accepted an extension that was not offered');
  }
  let serverNct = false;
  let clientNct = options.clientNoContextTakeover === true;
  let serverBits = 15;
  let clientBits = 15;
  for (const [key, value] of response[0].params) {
    if (key === 'server_no_context_takeover' && value === true) serverNct = true;
    else if (key === 'client_no_context_takeover' && value === true) clientNct = true;
    else if (key === 'server_max_window_bits') {
      const bits = windowBits(value);
      if (bits === null) throw new Error('Invalid server_max_window_bits in the response');
      if (options.serverMaxWindowBits !== undefined && bits > options.serverMaxWindowBits) {
        throw new Error('server_max_window_bits above the offered limit');
      }
      serverBits = bits;
    } else if (key === 'client_max_window_bits') {
      const bits = windowBits(value);
      if (bits === null) throw new Error('Invalid client_max_window_bits in the response');
      clientBits = bits;
    } else throw new Error(`Unexpected permessage-deflate parameter "${key}"`);
  }
  if (options.serverNoContextTakeover && !serverNct) {
    throw new Error('Server ignored server_no_context_takeover');
  }
  return {
    serverNoContextTakeover: serverNct,
    clientNoContextTakeover: clientNct,
    serverMaxWindowBits: serverBits,
    clientMaxWindowBits: clientBits,
  };
}

/** Receives inflated fragments, in order. */
export interface InflateTarget {
  onInflated(err: ProtocolError | null, chunks: Buffer[] | null, length: number): void;
}

/** Receives a compressed message body (trailer stripped), in order. */
export interface DeflateTarget {
  onDeflated(data: Buffer): void;
}

type OwnedStream = (zlib.InflateRaw | zlib.DeflateRaw) & { owner?: PerMessageDeflate };

/**
 * One connection's permessage-deflate context: a lazily created raw inflater and deflater.
 * Callers issue at most one decompress and one compress at a time (the receiver waits, the
 * connection queues), so zlib work can never reorder messages. Inflated output is capped at
 * `maxPayloadSize` per message: a compression bomb stops at the cap with 1009.
 */
export class PerMessageDeflate {
  /** Messages shorter than this are sent uncompressed. */
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
    this.threshold = options.threshold ?? 1024;
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
      const bits = this.isServer ? this.params.clientMaxWindowBits : this.params.serverMaxWindowBits;
      const inflater: OwnedStream = zlib.createInflateRaw({ windowBits: bits });
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
      this.inflateError = protocolError(
        StelarErrorCode.PayloadTooLarge,
        `Invalid WebSocket frame: inflated message exceeds maxPayloadSize ${this.maxPayloadSize}`,
        CloseCode.MessageTooBig,
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
      if (this.deflateTarget !== null) {
        this.deflateTarget = null;
        this.limiter.done();
      }
      return;
    }
    if (stream === this.inflater) {
      if (this.inflateError === null) {
        this.inflateError = protocolError(
          StelarErrorCode.InvalidFrame,
          `Invalid WebSocket frame: ${err.message}`,
          CloseCode.InvalidPayload,
        );
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
