import { StelarErrorCode } from '../../../src/domain/errors';
import { compressedBound, dataFrameSizeError, inflatedSizeError, len64Error } from '../../../src/adapters/websocket/ws-frame-limits';
import { makeReceiver, rawFrame } from '../../helpers/ws-frames';

function sizeOf(err: unknown): unknown {
  return (err as { size?: unknown }).size;
}

describe('frame size refusals carry the declared size', () => {
  it('a frame above maxFrameSize: size is the header length, before any payload byte', () => {
    const { receiver, sink } = makeReceiver({ maxFrameSize: 1000, maxPayloadSize: 1 << 20 });
    // 16-bit length form declaring 4000 bytes, mask, no payload at all.
    receiver.push(Buffer.from([0x82, 0xfe, 0x0f, 0xa0, 1, 2, 3, 4]));
    expect(sink.events).toHaveLength(1);
    const e = sink.events[0];
    expect(e.kind).toBe('error');
    if (e.kind !== 'error') return;
    expect(e.err.code).toBe(StelarErrorCode.FrameTooLarge);
    expect(e.err.closeCode).toBe(1009);
    expect(sizeOf(e.err)).toBe(4000);
  });

  it('a 64-bit length of 2^40 is refused with size 2^40', () => {
    const { receiver, sink } = makeReceiver({ maxFrameSize: 1 << 20, maxPayloadSize: 1 << 20 });
    receiver.push(Buffer.from([0x82, 0xff, 0, 0, 0x01, 0, 0, 0, 0, 0]));
    const e = sink.events[0];
    expect(e.kind === 'error' && sizeOf(e.err)).toBe(2 ** 40);
  });

  it('a length at or above 2^53 is refused with 1009 and a numeric size', () => {
    const { receiver, sink } = makeReceiver();
    receiver.push(Buffer.from([0x82, 0xff, 0x00, 0x20, 0, 0, 0, 0, 0, 0]));
    const e = sink.events[0];
    expect(e.kind === 'error' && e.err.closeCode).toBe(1009);
    expect(e.kind === 'error' && sizeOf(e.err)).toBe(2 ** 53);
  });

  it('fragments over maxPayloadSize: size is the message length the header would reach', () => {
    const { receiver, sink } = makeReceiver({ maxFrameSize: 1 << 20, maxPayloadSize: 100 });
    receiver.push(rawFrame({ opcode: 2, fin: false, payload: Buffer.alloc(60) }));
    receiver.push(rawFrame({ opcode: 0, payload: Buffer.alloc(70) }).subarray(0, 8)); // header + mask only
    const e = sink.events[0];
    expect(e.kind).toBe('error');
    if (e.kind !== 'error') return;
    expect(e.err.code).toBe(StelarErrorCode.PayloadTooLarge);
    expect(sizeOf(e.err)).toBe(130);
  });

  it('refusals that are not about a declared size carry none', () => {
    const { receiver, sink } = makeReceiver({ maxFragments: 2 });
    for (let i = 0; i < 3; i++) receiver.push(rawFrame({ opcode: i === 0 ? 2 : 0, fin: false, payload: 'x' }));
    const e = sink.events[0];
    expect(e.kind === 'error' && e.err.closeCode).toBe(1009);
    expect(e.kind === 'error' && sizeOf(e.err)).toBeUndefined();
    expect(sizeOf(len64Error(0x80000000, 0))).toBeUndefined();
  });

  it('the pure checks: null when the frame fits, sized errors otherwise', () => {
    const limits = { maxFrameSize: 10, maxPayloadSize: 20, maxFragments: 3 };
    expect(dataFrameSizeError(limits, 10, 10, false, 3)).toBeNull();
    expect(sizeOf(dataFrameSizeError(limits, 11, 0, false, 1))).toBe(11);
    expect(sizeOf(dataFrameSizeError(limits, 10, 11, false, 2))).toBe(21);
    // compressed frames: the wire bytes are bounded by deflate's worst case for maxPayloadSize
    // (20 + 0 + 0 + 13 = 33 here), the inflated size after inflating
    expect(compressedBound(20)).toBe(33);
    expect(compressedBound(10 * 1024 * 1024)).toBe(10 * 1024 * 1024 + 2560 + 640 + 13);
    expect(dataFrameSizeError(limits, 10, 23, true, 2)).toBeNull();
    expect(sizeOf(dataFrameSizeError(limits, 10, 24, true, 2))).toBe(34);
    expect(dataFrameSizeError(limits, 10, 24, true, 2)?.message).toMatch(/compressed message exceeds maxPayloadSize 20/);
    expect(inflatedSizeError(20, 20)).toBeNull();
    expect(sizeOf(inflatedSizeError(21, 20))).toBe(21);
    expect(len64Error(0x1fffff, 0xffffffff)).toBeNull();
  });
});
