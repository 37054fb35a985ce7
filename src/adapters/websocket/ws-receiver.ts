import { CloseCode, StelarErrorCode, protocolError, type ProtocolError } from '../../domain/errors';
import { EMPTY_BUFFER, MAX_CONTROL_PAYLOAD, Opcode, WS_DEFAULTS } from './ws-constants';
import { isValidReceivedCloseCode } from './ws-close-codes';
import { Utf8Validator, isValidUtf8 } from './utf8-validator';
import type { PerMessageDeflate } from './permessage-deflate';

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
export class WsReceiver {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private state = GET_INFO;
  private loopOn = false;

  // current frame
  private fin = false;
  private opcode = 0;
  private masked = false;
  private payloadLength = 0;
  private readonly mask = Buffer.alloc(4);

  // current message
  private messageOpcode = 0;
  private compressed = false;
  private fragments: Buffer[] = [];
  private fragmentCount = 0;
  private messageLength = 0;
  private readonly utf8 = new Utf8Validator();

  private readonly maxFragments: number;
  private deflate: PerMessageDeflate | null;

  constructor(
    private readonly sink: WsReceiverSink,
    private readonly options: WsReceiverOptions,
  ) {
    this.maxFragments = options.maxFragments ?? WS_DEFAULTS.maxFragments;
    this.deflate = options.deflate ?? null;
  }

  /** Bytes buffered and not yet parsed. */
  get bufferedBytes(): number {
    return this.buffered;
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
    this.chunks.length = 0;
    this.buffered = 0;
    this.fragments = [];
  }

  /** Appends a chunk and parses as far as possible. */
  push(chunk: Buffer): void {
    if (this.state === STOPPED || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
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

  /** Zero-copy consume of `n` buffered bytes (copies only when spanning chunks). */
  private consume(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === first.length) return this.chunks.shift() as Buffer;
    if (n < first.length) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const dst = Buffer.allocUnsafe(n);
    let off = 0;
    do {
      const buf = this.chunks[0];
      const take = Math.min(buf.length, n - off);
      buf.copy(dst, off, 0, take);
      off += take;
      if (take === buf.length) this.chunks.shift();
      else this.chunks[0] = buf.subarray(take);
    } while (off < n);
    return dst;
  }

  private fail(code: StelarErrorCode, message: string, closeCode: number): void {
    const err = protocolError(code, `Invalid WebSocket frame: ${message}`, closeCode);
    this.stop();
    this.loopOn = false;
    this.sink.onFrameError(err);
  }

  private getInfo(): void {
    if (this.buffered < 2) {
      this.loopOn = false;
      return;
    }
    const buf = this.consume(2);
    const b0 = buf[0];
    const b1 = buf[1];
    // RFC 6455 §5.2: RSV2/RSV3 are never used by an extension we negotiate.
    if ((b0 & 0x30) !== 0) {
      return this.fail(StelarErrorCode.UnexpectedRsv, 'RSV2 and RSV3 must be clear', CloseCode.ProtocolError);
    }
    const rsv1 = (b0 & 0x40) === 0x40;
    this.fin = (b0 & 0x80) === 0x80;
    this.opcode = b0 & 0x0f;
    this.payloadLength = b1 & 0x7f;
    this.masked = (b1 & 0x80) === 0x80;

    if (this.opcode === Opcode.Continuation) {
      // §5.4: a continuation frame needs a message in progress; RSV1 belongs to the first frame.
      if (rsv1) return this.fail(StelarErrorCode.UnexpectedRsv, 'RSV1 must be clear', CloseCode.ProtocolError);
      if (this.messageOpcode === 0) {
        return this.fail(StelarErrorCode.InvalidContinuation, 'invalid opcode 0', CloseCode.ProtocolError);
      }
    } else if (this.opcode === Opcode.Text || this.opcode === Opcode.Binary) {
      if (this.messageOpcode !== 0) {
        return this.fail(
          StelarErrorCode.InvalidContinuation,
          `invalid opcode ${this.opcode}: expected a continuation frame`,
          CloseCode.ProtocolError,
        );
      }
      // RFC 7692 §6: RSV1 marks a compressed message only when permessage-deflate was agreed.
      if (rsv1 && this.deflate === null) {
        return this.fail(StelarErrorCode.UnexpectedRsv, 'RSV1 must be clear', CloseCode.ProtocolError);
      }
      this.messageOpcode = this.opcode;
      this.compressed = rsv1;
      this.fragmentCount = 0;
      this.messageLength = 0;
    } else if (this.opcode >= Opcode.Close && this.opcode <= Opcode.Pong) {
      // §5.5: control frames are never fragmented, never compressed, and at most 125 bytes.
      if (!this.fin) {
        return this.fail(StelarErrorCode.InvalidControlFrame, 'FIN must be set', CloseCode.ProtocolError);
      }
      if (rsv1) return this.fail(StelarErrorCode.UnexpectedRsv, 'RSV1 must be clear', CloseCode.ProtocolError);
      if (this.payloadLength > MAX_CONTROL_PAYLOAD) {
        return this.fail(
          StelarErrorCode.InvalidControlFrame,
          `invalid payload length ${this.payloadLength}`,
          CloseCode.ProtocolError,
        );
      }
    } else {
      // §5.2: opcodes 3-7 and 0xB-0xF are reserved.
      return this.fail(StelarErrorCode.InvalidOpcode, `invalid opcode ${this.opcode}`, CloseCode.ProtocolError);
    }

    // §5.1: clients always mask, servers never do.
    if (this.options.isServer && !this.masked) {
      return this.fail(StelarErrorCode.Unmasked, 'MASK must be set', CloseCode.ProtocolError);
    }
    if (!this.options.isServer && this.masked) {
      return this.fail(StelarErrorCode.UnexpectedMask, 'MASK must be clear', CloseCode.ProtocolError);
    }

    if (this.payloadLength === 126) this.state = GET_LEN16;
    else if (this.payloadLength === 127) this.state = GET_LEN64;
    else this.haveLength();
  }

  private getLen16(): void {
    if (this.buffered < 2) {
      this.loopOn = false;
      return;
    }
    this.payloadLength = this.consume(2).readUInt16BE(0);
    this.haveLength();
  }

  private getLen64(): void {
    if (this.buffered < 8) {
      this.loopOn = false;
      return;
    }
    const buf = this.consume(8);
    const high = buf.readUInt32BE(0);
    // §5.2: the most significant bit must be 0. Anything at or above 2^53 cannot be a
    // JavaScript length and is far above any sane limit anyway.
    if (high & 0x80000000) {
      return this.fail(StelarErrorCode.InvalidFrame, 'invalid 64-bit payload length', CloseCode.ProtocolError);
    }
    if (high > 0x1fffff) {
      return this.fail(StelarErrorCode.FrameTooLarge, 'payload length too large', CloseCode.MessageTooBig);
    }
    this.payloadLength = high * 0x100000000 + buf.readUInt32BE(4);
    this.haveLength();
  }

  private haveLength(): void {
    if (this.opcode < Opcode.Close) {
      // Limits checked from the header, before a single payload byte is buffered.
      if (this.payloadLength > this.options.maxFrameSize) {
        return this.fail(
          StelarErrorCode.FrameTooLarge,
          `frame of ${this.payloadLength} bytes exceeds maxFrameSize ${this.options.maxFrameSize}`,
          CloseCode.MessageTooBig,
        );
      }
      if (!this.compressed && this.messageLength + this.payloadLength > this.options.maxPayloadSize) {
        return this.fail(
          StelarErrorCode.PayloadTooLarge,
          `message exceeds maxPayloadSize ${this.options.maxPayloadSize}`,
          CloseCode.MessageTooBig,
        );
      }
      if (++this.fragmentCount > this.maxFragments) {
        return this.fail(
          StelarErrorCode.PayloadTooLarge,
          `message has more than ${this.maxFragments} fragments`,
          CloseCode.MessageTooBig,
        );
      }
    }
    this.state = this.masked ? GET_MASK : GET_DATA;
  }

  private getMask(): void {
    if (this.buffered < 4) {
      this.loopOn = false;
      return;
    }
    this.consume(4).copy(this.mask, 0, 0, 4);
    this.state = GET_DATA;
  }

  private getData(): void {
    let data = EMPTY_BUFFER;
    if (this.payloadLength > 0) {
      if (this.buffered < this.payloadLength) {
        this.loopOn = false;
        return;
      }
      data = this.consume(this.payloadLength);
      if (this.masked) unmask(data, this.mask);
    }
    this.state = GET_INFO;
    if (this.opcode >= Opcode.Close) return this.controlFrame(data);
    if (this.compressed) return this.inflateFragment(data);
    if (data.length > 0) {
      this.messageLength += data.length;
      if (this.messageOpcode === Opcode.Text && !this.utf8.push(data)) return this.invalidUtf8();
      this.fragments.push(data);
    }
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
    if (err !== null) {
      this.stop();
      this.sink.onFrameError(err);
      return;
    }
    this.messageLength += length;
    if (this.messageLength > this.options.maxPayloadSize) {
      return this.fail(
        StelarErrorCode.PayloadTooLarge,
        `message exceeds maxPayloadSize ${this.options.maxPayloadSize}`,
        CloseCode.MessageTooBig,
      );
    }
    const list = chunks as Buffer[];
    for (let i = 0; i < list.length; i++) {
      if (this.messageOpcode === Opcode.Text && !this.utf8.push(list[i])) return this.invalidUtf8();
      this.fragments.push(list[i]);
    }
    this.state = GET_INFO;
    if (this.fin) this.finishMessage();
    if (this.state === GET_INFO) {
      this.run();
      const after: number = this.state;
      if (after !== INFLATING && after !== STOPPED) this.sink.onFrameResume();
    }
  }

  private invalidUtf8(): void {
    this.fail(StelarErrorCode.InvalidUtf8, 'invalid UTF-8 sequence', CloseCode.InvalidPayload);
  }

  private finishMessage(): void {
    const binary = this.messageOpcode === Opcode.Binary;
    if (!binary && !this.utf8.end()) return this.invalidUtf8();
    const frags = this.fragments;
    const payload =
      frags.length === 1 ? frags[0] : frags.length === 0 ? EMPTY_BUFFER : Buffer.concat(frags, this.messageLength);
    this.fragments = [];
    this.messageOpcode = 0;
    this.messageLength = 0;
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
    if (data.length === 1) {
      return this.fail(StelarErrorCode.InvalidCloseCode, 'invalid close payload length 1', CloseCode.ProtocolError);
    }
    const code = data.readUInt16BE(0);
    if (!isValidReceivedCloseCode(code)) {
      return this.fail(StelarErrorCode.InvalidCloseCode, `invalid status code ${code}`, CloseCode.ProtocolError);
    }
    const reasonBytes = data.subarray(2);
    if (!isValidUtf8(reasonBytes)) return this.invalidUtf8();
    this.stop();
    this.loopOn = false;
    this.sink.onFrameClose(code, reasonBytes.toString('utf8'));
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs `data` in place with the 4-byte masking key (RFC 6455 §5.3). Works a 32-bit word at a
 * time on the aligned middle of the buffer: a byte loop is the parser's hottest spot otherwise.
 */
export function unmask(data: Buffer, mask: Buffer): void {
  const len = data.length;
  let i = 0;
  if (len >= 32 && LITTLE_ENDIAN) {
    const head = (4 - (data.byteOffset & 3)) & 3;
    for (; i < head; i++) data[i] ^= mask[i & 3];
    const words = (len - head) >>> 2;
    const m =
      (mask[head & 3] | (mask[(head + 1) & 3] << 8) | (mask[(head + 2) & 3] << 16) | (mask[(head + 3) & 3] << 24)) >>> 0;
    const view = new Uint32Array(data.buffer, data.byteOffset + head, words);
    for (let w = 0; w < words; w++) view[w] ^= m;
    i = head + (words << 2);
  }
  for (; i < len; i++) data[i] ^= mask[i & 3];
}
