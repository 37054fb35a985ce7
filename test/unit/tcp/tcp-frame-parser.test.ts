import fc from 'fast-check';
import { TcpFrameParser, type TcpFrameSink } from '../../../src/adapters/tcp/tcp-frame-parser';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { CloseCode, StelarErrorCode as E, type ProtocolError } from '../../../src/domain/errors';
import { messageArb, normalise } from '../codec/message-arbitraries';

/** Records what the parser delivers. */
class RecordingSink implements TcpFrameSink {
  readonly frames: Uint8Array[] = [];
  readonly errors: ProtocolError[] = [];
  onFrame(body: Uint8Array): void {
    this.frames.push(body);
  }
  onFrameError(err: ProtocolError): void {
    this.errors.push(err);
  }
}

const codec = new TcpBinaryCodec();
const MAX = 1 << 20;

function setup(maxFrameSize = MAX, maxPayloadSize?: number) {
  const sink = new RecordingSink();
  return { sink, parser: new TcpFrameParser(sink, { maxFrameSize, maxPayloadSize }) };
}

/** Splits `bytes` at the given (sorted, deduplicated) cut points. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

describe('TcpFrameParser', () => {
  it('delivers frames whatever the chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, cuts) => {
          const frames = messages.map((m) => Buffer.from(codec.encode(m).payload));
          const stream = Buffer.concat(frames);
          const { sink, parser } = setup();
          for (const chunk of split(stream, cuts)) parser.push(chunk);
          expect(sink.errors).toEqual([]);
          expect(sink.frames.map((f) => normalise(codec.decode(f, true)))).toEqual(messages.map(normalise));
          expect(parser.buffered).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('handles every single split point of a frame, and byte-by-byte feeding', () => {
    const frame = Buffer.from(codec.encode({ type: 0, event: 'chat', data: { a: 'é' } }).payload);
    for (let i = 0; i <= frame.length; i++) {
      const { sink, parser } = setup();
      parser.push(frame.subarray(0, i));
      parser.push(frame.subarray(i));
      expect(sink.frames.map((f) => Buffer.from(f).toString('hex'))).toEqual([frame.subarray(4).toString('hex')]);
    }
    const { sink, parser } = setup();
    for (let i = 0; i < frame.length * 3; i++) parser.push(frame.subarray(i % frame.length, (i % frame.length) + 1));
    expect(sink.frames).toHaveLength(3);
  });

  it('delivers zero-copy views when a frame lies within one chunk', () => {
    const a = codec.encode({ type: 0, event: 'a', data: 1 }).payload;
    const b = codec.encode({ type: 0, event: 'b', data: 2 }).payload;
    const chunk = Buffer.concat([a, b]);
    const { sink, parser } = setup();
    parser.push(chunk);
    expect(sink.frames).toHaveLength(2);
    for (const f of sink.frames) expect(f.buffer).toBe(chunk.buffer);
  });

  it('accepts the smallest frame (totalLen 3) and a frame of exactly maxFrameSize', () => {
    const { sink, parser } = setup(10);
    parser.push(Uint8Array.of(0, 0, 0, 3, 2, 0, 0));
    parser.push(Uint8Array.of(0, 0, 0, 10, 0, 0, 1, 0x61, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36));
    expect(sink.errors).toEqual([]);
    expect(sink.frames.map((f) => f.length)).toEqual([3, 10]);
  });

  it('refuses 0xFFFFFFFF from the length field alone, without allocating', () => {
    const { sink, parser } = setup();
    const original = Buffer.allocUnsafe;
    let allocations = 0;
    Buffer.allocUnsafe = ((n: number) => {
      allocations++;
      return original(n);
    }) as typeof Buffer.allocUnsafe;
    try {
      parser.push(Uint8Array.of(0xff, 0xff));
      parser.push(Uint8Array.of(0xff, 0xff));
    } finally {
      Buffer.allocUnsafe = original;
    }
    expect(allocations).toBe(0);
    expect(sink.errors).toHaveLength(1);
    expect(sink.errors[0]).toMatchObject({ code: E.FrameTooLarge, closeCode: CloseCode.MessageTooBig });
    expect(parser.halted).toBe(true);
    // Whatever follows is ignored and not buffered.
    parser.push(new Uint8Array(1 << 16));
    expect(parser.buffered).toBe(0);
    expect(sink.frames).toEqual([]);
    expect(sink.errors).toHaveLength(1);
  });

  it.each<[string, number[], string, number, number]>([
    ['totalLen 0', [0, 0, 0, 0], E.InvalidFrame, CloseCode.ProtocolError, MAX],
    ['totalLen 2', [0, 0, 0, 2, 0, 0], E.InvalidFrame, CloseCode.ProtocolError, MAX],
    ['totalLen above maxFrameSize', [0, 0x10, 0, 0x01], E.FrameTooLarge, CloseCode.MessageTooBig, MAX],
    ['eventLen beyond totalLen', [0, 0, 0, 4, 0, 0, 2, 0x61], E.InvalidFrame, CloseCode.ProtocolError, MAX],
    ['totalLen above maxPayloadSize', [0, 0, 0, 100], E.PayloadTooLarge, CloseCode.MessageTooBig, 50],
  ])('%s', (_name, bytes, code, closeCode, maxPayload) => {
    const { sink, parser } = setup(MAX, maxPayload);
    parser.push(Uint8Array.from(bytes));
    expect(sink.frames).toEqual([]);
    expect(sink.errors).toHaveLength(1);
    expect(sink.errors[0]).toMatchObject({ code, closeCode });
    expect(sink.errors[0].message).toMatch(/^Invalid frame: /);
  });

  it('delivers the frames before a bad header, then stops', () => {
    const good = codec.encode({ type: 2 }).payload;
    const { sink, parser } = setup();
    parser.push(Buffer.concat([good, Uint8Array.of(0, 0, 0, 1, 9), good]));
    expect(sink.frames).toHaveLength(1);
    expect(sink.errors.map((e) => e.code)).toEqual([E.InvalidFrame]);
  });

  it('stops when the sink halts it mid-chunk', () => {
    const ping = codec.encode({ type: 2 }).payload;
    const sink = new RecordingSink();
    const parser = new TcpFrameParser(
      { onFrame: (f) => (sink.onFrame(f), parser.halt()), onFrameError: (e) => sink.onFrameError(e) },
      { maxFrameSize: 100 },
    );
    parser.push(Buffer.concat([ping, ping, ping]));
    expect(sink.frames).toHaveLength(1);
    expect(parser.buffered).toBe(0);
  });

  it('rejects nonsensical limits', () => {
    expect(() => new TcpFrameParser(new RecordingSink(), { maxFrameSize: 2 })).toThrow(RangeError);
    expect(() => new TcpFrameParser(new RecordingSink(), { maxFrameSize: 10, maxPayloadSize: 1.5 })).toThrow(RangeError);
  });
});
