import { CloseCode, StelarErrorCode, protocolError, type ProtocolError } from '../../domain/errors';
import { ENVELOPE_HEADER_BYTES, TCP_LENGTH_BYTES } from '../codec/binary-envelope';

/** Receives what a {@link TcpFrameParser} extracts. One object serves many frames (no closures). */
export interface TcpFrameSink {
  /** One complete frame body: type byte first, without the 4-byte `totalLen`. */
  onFrame(body: Uint8Array): void;
  /** A framing error; the parser has halted and ignores further input. */
  onFrameError(err: ProtocolError): void;
}

/** Limits checked from the 4-byte length field, before anything is buffered. */
export interface TcpFrameParserOptions {
  /** Largest accepted `totalLen` (STELAR_ERR_FRAME_TOO_LARGE, 1009, above it). */
  readonly maxFrameSize: number;
  /** Largest accepted frame body (STELAR_ERR_PAYLOAD_TOO_LARGE, 1009); defaults to maxFrameSize. */
  readonly maxPayloadSize?: number;
}

// Parser states (numeric, the ws receiver pattern).
const READ_LENGTH = 0;
const READ_BODY = 1;
const HALTED = 2;

/**
 * Incremental TCP frame parser (docs/PROTOCOL.md, "TCP framing"): a state machine
 * READ_LENGTH → READ_BODY fed with arbitrary chunks. The declared `totalLen` is validated the
 * moment its 4 bytes are in, so an absurd length (0xFFFFFFFF) is refused without allocating.
 * A frame that lies inside one chunk is delivered as a zero-copy `subarray` view of it; only a
 * frame spanning chunks is copied, once, into a buffer of exactly its size.
 */
export class TcpFrameParser {
  private state = READ_LENGTH;
  private readonly buffers: Uint8Array[] = [];
  private bufferedBytes = 0;
  private totalLen = 0;
  private loop = false;
  private readonly maxFrameSize: number;
  private readonly maxPayloadSize: number;

  constructor(
    private readonly sink: TcpFrameSink,
    options: TcpFrameParserOptions,
  ) {
    const { maxFrameSize } = options;
    const maxPayloadSize = options.maxPayloadSize ?? maxFrameSize;
    if (!Number.isInteger(maxFrameSize) || maxFrameSize < ENVELOPE_HEADER_BYTES) {
      throw new RangeError(`maxFrameSize must be an integer >= ${ENVELOPE_HEADER_BYTES}`);
    }
    if (!Number.isInteger(maxPayloadSize) || maxPayloadSize < ENVELOPE_HEADER_BYTES) {
      throw new RangeError(`maxPayloadSize must be an integer >= ${ENVELOPE_HEADER_BYTES}`);
    }
    this.maxFrameSize = maxFrameSize;
    this.maxPayloadSize = maxPayloadSize;
  }

  /** Bytes received and not yet delivered (bounded by the frame limits). */
  get buffered(): number {
    return this.bufferedBytes;
  }

  /** True once a framing error or {@link halt} stopped the parser. */
  get halted(): boolean {
    return this.state === HALTED;
  }

  /** Appends one chunk and delivers every frame it completes. */
  push(chunk: Uint8Array): void {
    if (this.state === HALTED || chunk.length === 0) return;
    this.buffers.push(chunk);
    this.bufferedBytes += chunk.length;
    // A sink callback may push again (re-entrancy); the running loop picks the bytes up.
    if (!this.loop) this.startLoop();
  }

  /** Stops parsing and releases buffered bytes (the connection is closing). */
  halt(): void {
    this.state = HALTED;
    this.loop = false;
    this.buffers.length = 0;
    this.bufferedBytes = 0;
  }

  private startLoop(): void {
    this.loop = true;
    do {
      switch (this.state) {
        case READ_LENGTH:
          this.readLength();
          break;
        case READ_BODY:
          this.readBody();
          break;
        default:
          this.loop = false;
      }
    } while (this.loop);
  }

  private readLength(): void {
    if (this.bufferedBytes < TCP_LENGTH_BYTES) {
      this.loop = false;
      return;
    }
    const len = this.readUint32();
    if (len < ENVELOPE_HEADER_BYTES) {
      return this.fail(
        StelarErrorCode.InvalidFrame,
        `Invalid frame: totalLen ${len} is below the ${ENVELOPE_HEADER_BYTES}-byte header`,
        CloseCode.ProtocolError,
      );
    }
    if (len > this.maxFrameSize) {
      return this.fail(
        StelarErrorCode.FrameTooLarge,
        `Invalid frame: totalLen ${len} exceeds maxFrameSize ${this.maxFrameSize}`,
        CloseCode.MessageTooBig,
      );
    }
    if (len > this.maxPayloadSize) {
      return this.fail(
        StelarErrorCode.PayloadTooLarge,
        `Invalid frame: totalLen ${len} exceeds maxPayloadSize ${this.maxPayloadSize}`,
        CloseCode.MessageTooBig,
      );
    }
    this.totalLen = len;
    this.state = READ_BODY;
  }

  private readBody(): void {
    if (this.bufferedBytes < this.totalLen) {
      this.loop = false;
      return;
    }
    const body = this.consume(this.totalLen);
    const eventLen = (body[1] << 8) | body[2];
    if (ENVELOPE_HEADER_BYTES + eventLen > body.length) {
      return this.fail(
        StelarErrorCode.InvalidFrame,
        `Invalid frame: eventLen ${eventLen} exceeds totalLen ${body.length} - ${ENVELOPE_HEADER_BYTES}`,
        CloseCode.ProtocolError,
      );
    }
    this.state = READ_LENGTH;
    this.sink.onFrame(body);
  }

  /** Reads the big-endian uint32 length field, possibly split across chunks. */
  private readUint32(): number {
    const first = this.buffers[0];
    if (first.length >= TCP_LENGTH_BYTES) {
      const v = ((first[0] << 24) | (first[1] << 16) | (first[2] << 8) | first[3]) >>> 0;
      this.skipFirst(first, TCP_LENGTH_BYTES);
      return v;
    }
    let v = 0;
    for (let i = 0; i < TCP_LENGTH_BYTES; i++) {
      const buf = this.buffers[0];
      v = v * 256 + buf[0];
      this.skipFirst(buf, 1);
    }
    return v;
  }

  private skipFirst(buf: Uint8Array, n: number): void {
    this.bufferedBytes -= n;
    if (n === buf.length) this.buffers.shift();
    else this.buffers[0] = buf.subarray(n);
  }

  /** `n` bytes as a zero-copy view when they lie in one chunk, else one copy. */
  private consume(n: number): Uint8Array {
    this.bufferedBytes -= n;
    const first = this.buffers[0];
    if (n === first.length) return this.buffers.shift() as Uint8Array;
    if (n < first.length) {
      this.buffers[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const dst = Buffer.allocUnsafe(n);
    let off = 0;
    do {
      const buf = this.buffers[0];
      const need = n - off;
      if (buf.length <= need) {
        dst.set(buf, off);
        off += buf.length;
        this.buffers.shift();
      } else {
        dst.set(buf.subarray(0, need), off);
        this.buffers[0] = buf.subarray(need);
        off += need;
      }
    } while (off < n);
    return dst;
  }

  private fail(code: StelarErrorCode, message: string, closeCode: number): void {
    this.halt();
    this.sink.onFrameError(protocolError(code, message, closeCode, TcpFrameParser.prototype.push));
  }
}
