import { CloseCode, StelarErrorCode, type ProtocolError } from '../../domain/errors';
import { EMPTY_BUFFER, Opcode, WS_DEFAULTS } from './ws-constants';
import { Utf8Validator, isValidUtf8 } from './utf8-validator';
import type { PerMessageDeflate } from './permessage-deflate';
import { unmaskWithKey } from './ws-mask';
import { closeBodyProblem, frameHeaderProblem } from './ws-frame-header';
import { ErrorPrefix, createError } from '../socket/protocol-errors';
import { ChunkQueue } from '../socket/chunk-queue';
import { dataFrameSizeError, frameLimits, inflatedSizeError, len64Error, type FrameLimits } from './ws-frame-limits';

/** What a receiver reports to its owner (the connection implements it: no closures). */
export interface WsReceiverSink {
  /** A complete, reassembled, inflated and (for text) UTF-8-validated message. */
  onFrameMessage(payload: Buffer, binary: boolean): void;
  onFramePing(data: Buffer): void;
  onFramePong(data: Buffer): void;
  /** A valid close frame; `code` is 1005 when the frame had no body. The receiver stops. */
  onFrameClose(code: number, reason: string): void;
  /** The peer broke RFC 6455/7692; the receiver has stopped and the owner must fail the link. */
  onFrameError(err: ProtocolError): void;
  /** An inflate finished and the parser is ready for more input (resume a paused socket). */
  onFrameResume(): void;
}

/** Receiver configuration. */
export interface WsReceiverOptions {
  /** Server side: client frames must be masked. Client side: server frames must not be. */
  readonly isServer: boolean;
  readonly maxPayloadSize: number;
  readonly maxFrameSize: number;
  readonly maxFragments?: number;
  /** The negotiated permessage-deflate context, or null (then RSV1 is a protocol error). */
  readonly deflate?: PerMessageDeflate | null;
}

// Parser states (RFC 6455 §5.2 base framing).
const GET_INFO = 0;
const GET_LEN16 = 1;
const GET_LEN64 = 2;
const GET_MASK = 3;
const GET_DATA = 4;
const INFLATING = 5;
const STOPPED = 6;

/**
 * Incremental RFC 6455 frame parser. `push()` appends a chunk (taking ownership: masked
 * payloads are unmasked in place) and runs the state machine as far as the buffered bytes
 * allow, so any chunking works, one byte at a time included. Limits are checked from the frame
 * header, before the payload is buffered.
 */
export class WsReceiver extends ChunkQueue {
  // The unparsed input is a ChunkQueue (shared with the TCP frame parser): reading a header
  // advances an offset into the oldest chunk instead of re-slicing it (no Buffer view per field).
  private state = GET_INFO;
  private loopOn = false;

  // current frame
  private fin = false;
  private opcode = 0;
  private masked = false;
  private payloadLength = 0;
  private frameConsumed = 0;
  // The masking key as a number (ws-mask.ts layout), read byte by byte from the header.
  private maskKey = 0;

  // current message
  private messageOpcode = 0;
  private compressed = false;
  // The message's pieces: the first in a field, the rest in a list made only for messages that
  // arrive in several pieces (most messages are one frame in one chunk: no array, no copy).
  private firstPiece: Buffer | null = null;
  private morePieces: Buffer[] | null = null;
  private fragmentCount = 0;
  private messageLength = 0;
  // Payload bytes of the message's frames so far, as sent (compressed ones before inflating).
  private wireLength = 0;
  // Made on the first text message that is not a single complete piece (fragments, chunked
  // frames, inflated output); a whole one is checked in one call instead.
  private utf8: Utf8Validator | null = null;

  private readonly isServer: boolean;
  private readonly limits: FrameLimits;
  private deflate: PerMessageDeflate | null;

  constructor(
    private readonly sink: WsReceiverSink,
    options: WsReceiverOptions,
  ) {
    super();
    this.isServer = options.isServer;
    this.limits = frameLimits(options.maxFrameSize, options.maxPayloadSize, options.maxFragments ?? WS_DEFAULTS.maxFragments);
    this.deflate = options.deflate ?? null;
  }

  /** True while an inflate is in flight (the owner may pause the socket meanwhile). */
  get busy(): boolean {
    return this.state === INFLATING;
  }

  /** True once a close frame or an error stopped parsing. */
  get stopped(): boolean {
    return this.state === STOPPED;
  }

  /** Stops parsing for good and drops buffered bytes (connection closing). */
  stop(): void {
    this.state = STOPPED;
    this.clearChunks();
    this.firstPiece = null;
    this.morePieces = null;
    this.frameConsumed = 0;
  }

  /** Appends a chunk and parses as far as possible. */
  push(chunk: Buffer): void {
    if (this.state === STOPPED || chunk.length === 0) return;
    this.pushChunk(chunk);
    if (this.state !== INFLATING) this.run();
  }

  private run(): void {
    this.loopOn = true;
    do {
      switch (this.state) {
        case GET_INFO:
          this.getInfo();
          break;
        case GET_LEN16:
          this.getLen16();
          break;
        case GET_LEN64:
          this.getLen64();
          break;
        case GET_MASK:
          this.getMask();
          break;
        case GET_DATA:
          this.getData();
          break;
        default:
          // INFLATING or STOPPED: leave the loop; an inflate callback re-enters it.
          this.loopOn = false;
      }
    } while (this.loopOn);
  }

  /** Fails with a protocol error (1002 unless told otherwise) and stops the parser. */
  private fail(code: StelarErrorCode, message: string, closeCode: number = CloseCode.ProtocolError): void {
    this.failWith(createError(ErrorPrefix.WsFrame, message, code, closeCode));
  }

  private failWith(err: ProtocolError): void {
    this.stop();
    this.loopOn = false;
    this.sink.onFrameError(err);
  }

  private getInfo(): void {
    if (this.queuedBytes < 2) {
      this.loopOn = false;
      return;
    }
    const b0 = this.readByte();
    const b1 = this.readByte();
    const problem = frameHeaderProblem(b0, b1, this.messageOpcode, this.deflate !== null, this.isServer);
    if (problem !== null) return this.failWith(problem);
    this.fin = (b0 & 0x80) === 0x80;
    this.opcode = b0 & 0x0f;
    this.payloadLength = b1 & 0x7f;
    this.masked = (b1 & 0x80) === 0x80;
    if (this.opcode === Opcode.Text || this.opcode === Opcode.Binary) {
      // The first frame of a message.
      this.messageOpcode = this.opcode;
      this.compressed = (b0 & 0x40) === 0x40;
      this.fragmentCount = 0;
      this.messageLength = 0;
      this.wireLength = 0;
    }
    if (this.payloadLength === 126) this.state = GET_LEN16;
    else if (this.payloadLength === 127) this.state = GET_LEN64;
    else this.haveLength();
  }

  private getLen16(): void {
    if (this.queuedBytes < 2) {
      this.loopOn = false;
      return;
    }
    this.payloadLength = this.readUintBE(2);
    this.haveLength();
  }

  private getLen64(): void {
    if (this.queuedBytes < 8) {
      this.loopOn = false;
      return;
    }
    const high = this.readUintBE(4);
    const low = this.readUintBE(4);
    const err = len64Error(high, low);
    if (err !== null) return this.failWith(err);
    this.payloadLength = high * 0x100000000 + low;
    this.haveLength();
  }

  private haveLength(): void {
    if (this.opcode < Opcode.Close) {
      // Limits checked from the header, before a single payload byte is buffered.
      const err = dataFrameSizeError(this.limits, this.payloadLength, this.wireLength, this.compressed, ++this.fragmentCount);
      if (err !== null) return this.failWith(err);
      this.wireLength += this.payloadLength;
    }
    this.state = this.masked ? GET_MASK : GET_DATA;
  }

  private getMask(): void {
    if (this.queuedBytes < 4) {
      this.loopOn = false;
      return;
    }
    const b0 = this.readByte();
    const b1 = this.readByte();
    const b2 = this.readByte();
    this.maskKey = (b0 | (b1 << 8) | (b2 << 16) | (this.readByte() << 24)) >>> 0;
    this.state = GET_DATA;
  }

  private getData(): void {
    if (this.opcode < Opcode.Close && !this.compressed) return this.streamData();
    let data = EMPTY_BUFFER;
    if (this.payloadLength > 0) {
      if (this.queuedBytes < this.payloadLength) {
        this.loopOn = false;
        return;
      }
      data = this.consume(this.payloadLength);
      if (this.masked) unmaskWithKey(data, this.maskKey, 0);
    }
    this.state = GET_INFO;
    if (this.opcode >= Opcode.Close) return this.controlFrame(data);
    this.inflateFragment(data);
  }

  /**
   * Uncompressed data frames are consumed as their bytes arrive, one socket chunk at a time:
   * no copy to reassemble a frame, and a text frame fails on the chunk that breaks UTF-8
   * rather than after the whole frame arrived (RFC 6455 §8.1 fail fast).
   */
  private streamData(): void {
    const remaining = this.payloadLength - this.frameConsumed;
    if (remaining > 0) {
      if (this.queuedBytes === 0) {
        this.loopOn = false;
        return;
      }
      const data = this.consume(Math.min(remaining, this.headAvailable()));
      if (this.masked) unmaskWithKey(data, this.maskKey, this.frameConsumed);
      this.frameConsumed += data.length;
      this.messageLength += data.length;
      if (this.messageOpcode === Opcode.Text) {
        // A whole message in one piece is validated in one call; otherwise incrementally, so a
        // broken sequence fails on the piece that breaks it.
        const whole = this.fin && this.firstPiece === null && data.length === this.payloadLength;
        if (whole ? !isValidUtf8(data) : !this.validator().push(data)) return this.invalidUtf8();
      }
      this.addPiece(data);
      if (this.frameConsumed < this.payloadLength) return;
    }
    this.frameConsumed = 0;
    this.state = GET_INFO;
    if (this.fin) this.finishMessage();
  }

  private inflateFragment(data: Buffer): void {
    this.state = INFLATING;
    this.loopOn = false;
    (this.deflate as PerMessageDeflate).decompress(data, this.fin, this);
  }

  /**
   * Inflate callback (called by PerMessageDeflate with the receiver as target, in order).
   * @internal
   */
  onInflated(err: ProtocolError | null, chunks: Buffer[] | null, length: number): void {
    if (this.state === STOPPED) return;
    if (err !== null) return this.failWith(err);
    this.messageLength += length;
    const tooLarge = inflatedSizeError(this.messageLength, this.limits.maxPayloadSize);
    if (tooLarge !== null) return this.failWith(tooLarge);
    const list = chunks as Buffer[];
    for (let i = 0; i < list.length; i++) {
      if (this.messageOpcode === Opcode.Text && !this.validator().push(list[i])) return this.invalidUtf8();
      this.addPiece(list[i]);
    }
    this.state = GET_INFO;
    if (this.fin) this.finishMessage();
    if (this.state === GET_INFO) {
      this.run();
      const after: number = this.state;
      if (after !== INFLATING && after !== STOPPED) this.sink.onFrameResume();
    }
  }

  private validator(): Utf8Validator {
    if (this.utf8 === null) this.utf8 = new Utf8Validator();
    return this.utf8;
  }

  private addPiece(data: Buffer): void {
    if (this.firstPiece === null) this.firstPiece = data;
    else if (this.morePieces === null) this.morePieces = [data];
    else this.morePieces.push(data);
  }

  private invalidUtf8(): void {
    this.fail(StelarErrorCode.InvalidUtf8, 'invalid UTF-8 sequence', CloseCode.InvalidPayload);
  }

  private finishMessage(): void {
    const binary = this.messageOpcode === Opcode.Binary;
    if (!binary && this.utf8 !== null && !this.utf8.end()) return this.invalidUtf8();
    const first = this.firstPiece;
    const more = this.morePieces;
    let payload = first === null ? EMPTY_BUFFER : first;
    if (more !== null) {
      more.unshift(payload);
      payload = Buffer.concat(more, this.messageLength);
    }
    this.firstPiece = null;
    this.morePieces = null;
    this.messageOpcode = 0;
    this.messageLength = 0;
    this.wireLength = 0;
    this.fragmentCount = 0;
    this.compressed = false;
    this.sink.onFrameMessage(payload, binary);
  }

  private controlFrame(data: Buffer): void {
    if (this.opcode === Opcode.Ping) return this.sink.onFramePing(data);
    if (this.opcode === Opcode.Pong) return this.sink.onFramePong(data);
    // Close frame, RFC 6455 §5.5.1 / §7.1.5.
    if (data.length === 0) {
      this.stop();
      this.loopOn = false;
      return this.sink.onFrameClose(CloseCode.NoStatus, '');
    }
    const problem = closeBodyProblem(data);
    if (problem !== null) return this.failWith(problem);
    this.stop();
    this.loopOn = false;
    this.sink.onFrameClose(data.readUInt16BE(0), data.toString('utf8', 2));
  }
}
