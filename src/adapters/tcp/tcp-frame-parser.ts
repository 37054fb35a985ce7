import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { ChunkQueue } from '../socket/chunk-queue';
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
 * frame spanning chunks is copied, once, into a buffer of exactly its size (the unconsumed input
 * is a {@link ChunkQueue}, shared with the WebSocket receiver).
 */
export class TcpFrameParser extends ChunkQueue {
  private state = READ_LENGTH;
  private totalLen = 0;
  private loop = false;
  private readonly maxFrameSize: number;
  private readonly maxPayloadSize: number;

  constructor(
    private readonly sink: TcpFrameSink,
    options: TcpFrameParserOptions,
  ) {
    super();
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

  /** Bytes received and not yet delivered (the same as `bufferedBytes`). */
  get buffered(): number {
    return this.queuedBytes;
  }

  /** True once a framing error or {@link halt} stopped the parser. */
  get halted(): boolean {
    return this.state === HALTED;
  }

  /** Appends one chunk and delivers every frame it completes. */
  push(chunk: Uint8Array): void {
    if (this.state === HALTED || chunk.length === 0) return;
    this.pushChunk(chunk as Buffer);
    // A sink callback may push again (re-entrancy); the running loop picks the bytes up.
    if (!this.loop) this.startLoop();
  }

  /** Stops parsing and releases buffered bytes (the connection is closing). */
  halt(): void {
    this.state = HALTED;
    this.loop = false;
    this.clearChunks();
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
    if (this.queuedBytes < TCP_LENGTH_BYTES) {
      this.loop = false;
      return;
    }
    const len = this.readUintBE(TCP_LENGTH_BYTES);
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
    if (this.queuedBytes < this.totalLen) {
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

  /** `size`: the declared frame size, for size errors (read by the onPayloadTooLarge hook). */
  private fail(code: StelarErrorCode, message: string, closeCode: number, size?: number): void {
    this.halt();
    this.sink.onFrameError(createError(ErrorPrefix.TcpFrame, message, code, closeCode, size));
  }
}
