import { WsReceiver, type WsReceiverSink } from '../../src/adapters/websocket/ws-receiver';
import type { PerMessageDeflate } from '../../src/adapters/websocket/permessage-deflate';
import type { ProtocolError } from '../../src/domain/errors';

/** Everything a receiver reported, in order. */
export type ReceiverEvent =
  | { kind: 'message'; payload: Buffer; binary: boolean }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'pong'; data: Buffer }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'error'; err: ProtocolError };

/** A receiver sink that records events (payloads copied: the receiver may reuse views). */
export class RecordingSink implements WsReceiverSink {
  readonly events: ReceiverEvent[] = [];
  resumes = 0;
  onFrameMessage(payload: Buffer, binary: boolean): void {
    this.events.push({ kind: 'message', payload: Buffer.from(payload), binary });
  }
  onFramePing(data: Buffer): void {
    this.events.push({ kind: 'ping', data: Buffer.from(data) });
  }
  onFramePong(data: Buffer): void {
    this.events.push({ kind: 'pong', data: Buffer.from(data) });
  }
  onFrameClose(code: number, reason: string): void {
    this.events.push({ kind: 'close', code, reason });
  }
  onFrameError(err: ProtocolError): void {
    this.events.push({ kind: 'error', err });
  }
  onFrameResume(): void {
    this.resumes++;
  }
}

/**
 * Builds one raw frame by hand (independent of our sender, so tests do not check the code with
 * itself). `mask` null = unmasked.
 */
export function rawFrame(opts: {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  payload?: Buffer | string;
  mask?: Buffer | null;
  lengthForm?: 7 | 16 | 64;
}): Buffer {
  const payload = typeof opts.payload === 'string' ? Buffer.from(opts.payload) : (opts.payload ?? Buffer.alloc(0));
  const fin = opts.fin ?? true;
  const mask = opts.mask === undefined ? Buffer.from([0x37, 0xfa, 0x21, 0x3d]) : opts.mask;
  const len = payload.length;
  const form = opts.lengthForm ?? (len < 126 ? 7 : len < 65536 ? 16 : 64);
  const header: number[] = [(fin ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opts.opcode];
  const maskBit = mask ? 0x80 : 0;
  if (form === 7) header.push(maskBit | len);
  else if (form === 16) header.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    header.push(maskBit | 127, 0, 0, 0, 0);
    header.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([Buffer.from(header), mask ?? Buffer.alloc(0), body]);
}

/** Options for a test receiver. */
export interface TestReceiverOptions {
  isServer?: boolean;
  maxPayloadSize?: number;
  maxFrameSize?: number;
  maxFragments?: number;
  deflate?: PerMessageDeflate | null;
}

/** A receiver with a recording sink. */
export function makeReceiver(opts: TestReceiverOptions = {}): { receiver: WsReceiver; sink: RecordingSink } {
  const sink = new RecordingSink();
  const receiver = new WsReceiver(sink, {
    isServer: opts.isServer ?? true,
    maxPayloadSize: opts.maxPayloadSize ?? 1 << 20,
    maxFrameSize: opts.maxFrameSize ?? 1 << 20,
    maxFragments: opts.maxFragments,
    deflate: opts.deflate ?? null,
  });
  return { receiver, sink };
}

/** Feeds `bytes` (copied: the receiver unmasks in place) split at the given offsets. */
export function feedSplit(receiver: WsReceiver, bytes: Buffer, cuts: number[]): void {
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > prev) receiver.push(Buffer.from(bytes.subarray(prev, cut)));
    prev = cut;
  }
}
