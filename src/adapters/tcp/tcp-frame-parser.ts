import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
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
 * frame spanning chunks is copied, once, into a buffer of exactly its size. The unconsumed input
 * is the `head` chunk read from `headOffset`, plus a `tail` list that exists only while a frame
 * spans chunks: an idle parser holds no array, and a chunk of whole frames is parsed in place.
 */
export class TcpFrameParser {
  private state = READ_LENGTH;
  /** The oldest unconsumed chunk (null when nothing is buffered). */
  private head: Uint8Array | null = null;
  /** Read position in `head`. */
  private headOffset = 0;
  /** Chunks after `head`, oldest first (null unless a frame spans chunks). */
  private tail: Uint8Array[] | null = null;
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
    if (this.head === null) {
      this.head = chunk;
      this.headOffset = 0;
    } else if (this.tail === null) {
      this.tail = [chunk];
    } else {
      this.tail.push(chunk);
    }
    this.bufferedBytes += chunk.length;
    // A sink callback may push again (re-entrancy); the running loop picks the bytes up.
    if (!this.loop) this.startLoop();
  }

  /** Stops parsing and releases buffered bytes (the connection is closing). */
  halt(): void {
    this.state = HALTED;
    this.loop = false;
    this.head = null;
    this.tail = null;
    this.headOffset = 0;
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
        `totalLen ${len} is below the ${ENVELOPE_HEADER_BYTES}-byte header`,
        CloseCode.ProtocolError,
      );
    }
    if (len > this.maxFrameSize) {
      return this.fail(
        StelarErrorCode.FrameTooLarge,
        `totalLen ${len} exceeds maxFrameSize ${this.maxFrameSize}`,
        CloseCode.MessageTooBig,
        len,
      );
    }
    if (len > this.maxPayloadSize) {
      return this.fail(
        StelarErrorCode.PayloadTooLarge,
        `totalLen ${len} exceeds maxPayloadSize ${this.maxPayloadSize}`,
        CloseCode.MessageTooBig,
        len,
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
        `eventLen ${eventLen} exceeds totalLen ${body.length} - ${ENVELOPE_HEADER_BYTES}`,
        CloseCode.ProtocolError,
      );
    }
    this.state = READ_LENGTH;
    this.sink.onFrame(body);
  }

  /** Reads the big-endian uint32 length field, possibly split across chunks. */
  private readUint32(): number {
    const head = this.head as Uint8Array;
    const off = this.headOffset;
    if (head.length - off >= TCP_LENGTH_BYTES) {
      const v = ((head[off] << 24) | (head[off + 1] << 16) | (head[off + 2] << 8) | head[off + 3]) >>> 0;
      this.advance(TCP_LENGTH_BYTES);
      return v;
    }
    let v = 0;
    for (let i = 0; i < TCP_LENGTH_BYTES; i++) {
      v = v * 256 + (this.head as Uint8Array)[this.headOffset];
      this.advance(1);
    }
    return v;
  }

  /** Drops `n` bytes from the front of `head` (at most what it has left). */
  private advance(n: number): void {
    this.bufferedBytes -= n;
    this.headOffset += n;
    if (this.headOffset === (this.head as Uint8Array).length) {
      const tail = this.tail;
      if (tail === null) {
        this.head = null;
      } else {
        this.head = tail.shift() as Uint8Array;
        if (tail.length === 0) this.tail = null;
      }
      this.headOffset = 0;
    }
  }

  /** `n` bytes as a zero-copy view when they lie in one chunk, else one copy. */
  private consume(n: number): Uint8Array {
    const head = this.head as Uint8Array;
    const off = this.headOffset;
    if (n <= head.length - off) {
      const view = off === 0 && n === head.length ? head : head.subarray(off, off + n);
      this.advance(n);
      return view;
    }
    const dst = Buffer.allocUnsafe(n);
    let filled = 0;
    do {
      const buf = this.head as Uint8Array;
      const at = this.headOffset;
      const take = Math.min(buf.length - at, n - filled);
      dst.set(at === 0 && take === buf.length ? buf : buf.subarray(at, at + take), filled);
      filled += take;
      this.advance(take);
    } while (filled < n);
    return dst;
  }

  /** `size`: the declared frame size, for size errors (read by the onPayloadTooLarge hook). */
  private fail(code: StelarErrorCode, message: string, closeCode: number, size?: number): void {
    this.halt();
    this.sink.onFrameError(createError(ErrorPrefix.TcpFrame, message, code, closeCode, size));
  }
}
