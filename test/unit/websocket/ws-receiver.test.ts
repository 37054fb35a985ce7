import { createHash } from 'node:crypto';
import { CloseCode, StelarErrorCode } from '../../../src/domain/errors';
import { Opcode } from '../../../src/adapters/websocket/ws-constants';
import { feedSplit, makeReceiver, rawFrame, type ReceiverEvent } from '../../helpers/ws-frames';

function run(bytes: Buffer, opts: Parameters<typeof makeReceiver>[0] = {}, cuts: number[] = []): ReceiverEvent[] {
  const { receiver, sink } = makeReceiver(opts);
  feedSplit(receiver, bytes, cuts);
  return sink.events;
}

// Jest's deep equality walks big Buffers element by element: compare digests instead.
function digest(events: ReceiverEvent[]): string[] {
  return events.map((e) => {
    if (e.kind === 'message') return `message:${e.binary}:${createHash('sha1').update(e.payload).digest('hex')}`;
    if (e.kind === 'ping' || e.kind === 'pong') return `${e.kind}:${e.data.toString('hex')}`;
    if (e.kind === 'close') return `close:${e.code}:${e.reason}`;
    return `error:${e.err.code}:${e.err.closeCode}`;
  });
}

function expectError(events: ReceiverEvent[], code: string, closeCode: number): void {
  const last = events[events.length - 1];
  expect(last.kind).toBe('error');
  if (last.kind !== 'error') return;
  expect(last.err.code).toBe(code);
  expect(last.err.closeCode).toBe(closeCode);
  expect(last.err.message).toMatch(/^Invalid WebSocket frame: /);
  expect(last.err.name).toBe('ProtocolError');
}

describe('WsReceiver', () => {
  const stream = Buffer.concat([
    rawFrame({ opcode: Opcode.Text, payload: 'Hello' }),
    rawFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(300, 9) }),
    rawFrame({ opcode: Opcode.Text, fin: false, payload: 'frag€'.slice(0, 4) + '\u20ac'.slice(0, 0) }),
    rawFrame({ opcode: Opcode.Ping, payload: 'p' }),
    rawFrame({ opcode: Opcode.Continuation, payload: 'ment' }),
    rawFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(70_000, 3), lengthForm: 64 }),
    rawFrame({ opcode: Opcode.Pong, payload: '' }),
    rawFrame({ opcode: Opcode.Close, payload: Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from('ok')]) }),
  ]);
  const expected = run(stream);
  const expectedDigest = digest(expected);

  it('parses a mixed stream: 7/16/64-bit lengths, fragments with an interleaved ping, close', () => {
    expect(expected.map((e) => e.kind)).toEqual(['message', 'message', 'ping', 'message', 'message', 'pong', 'close']);
    expect(expected[0]).toEqual({ kind: 'message', payload: Buffer.from('Hello'), binary: false });
    expect(expected[3]).toEqual({ kind: 'message', payload: Buffer.from('fragment'), binary: false });
    expect((expected[4] as { payload: Buffer }).payload.length).toBe(70_000);
    expect(expected[6]).toEqual({ kind: 'close', code: 1000, reason: 'ok' });
  });

  it('gives the same result for the stream split at every byte boundary', () => {
    // The 70 kB frame makes a full O(n) sweep heavy; sweep every cut of the small frames and
    // a stride through the large one.
    for (let cut = 1; cut < stream.length; cut += cut < 500 || cut > stream.length - 200 ? 1 : 997) {
      expect(digest(run(stream, {}, [cut]))).toEqual(expectedDigest);
    }
  });

  it('handles one byte at a time', () => {
    const small = Buffer.concat([
      rawFrame({ opcode: Opcode.Text, fin: false, payload: Buffer.from([0xe2, 0x82]) }),
      rawFrame({ opcode: Opcode.Continuation, payload: Buffer.from([0xac]) }),
      rawFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(200, 1) }),
    ]);
    const cuts = Array.from({ length: small.length }, (_, i) => i + 1);
    expect(run(small, {}, cuts)).toEqual(run(small));
    expect(run(small)[0]).toEqual({ kind: 'message', payload: Buffer.from('€'), binary: false });
  });

  it('splits every single frame at every byte', () => {
    const frames = [
      rawFrame({ opcode: Opcode.Text, payload: 'x'.repeat(125) }),
      rawFrame({ opcode: Opcode.Text, payload: 'y'.repeat(126) }),
      rawFrame({ opcode: Opcode.Binary, payload: Buffer.alloc(1000, 5), lengthForm: 64 }),
      rawFrame({ opcode: Opcode.Ping, payload: 'ping!' }),
      rawFrame({ opcode: Opcode.Close, payload: Buffer.from([0x0f, 0xa0]) }),
    ];
    for (const f of frames) {
      const whole = digest(run(f));
      expect(whole.length).toBe(1);
      for (let a = 1; a < f.length; a++) expect(digest(run(f, {}, [a]))).toEqual(whole);
    }
  });

  it('accepts an empty text message and zero-length fragments', () => {
    const bytes = Buffer.concat([
      rawFrame({ opcode: Opcode.Text, payload: '' }),
      rawFrame({ opcode: Opcode.Binary, fin: false, payload: '' }),
      rawFrame({ opcode: Opcode.Continuation, payload: '' }),
    ]);
    expect(run(bytes)).toEqual([
      { kind: 'message', payload: Buffer.alloc(0), binary: false },
      { kind: 'message', payload: Buffer.alloc(0), binary: true },
    ]);
  });

  describe('RFC 6455 violations', () => {
    const cases: Array<[string, Buffer, string, number, Parameters<typeof makeReceiver>[0]?]> = [
      ['RSV1 without deflate', rawFrame({ opcode: 1, rsv: 4, payload: 'a' }), StelarErrorCode.UnexpectedRsv, 1002],
      ['RSV2', rawFrame({ opcode: 1, rsv: 2, payload: 'a' }), StelarErrorCode.UnexpectedRsv, 1002],
      ['RSV3', rawFrame({ opcode: 1, rsv: 1, payload: 'a' }), StelarErrorCode.UnexpectedRsv, 1002],
      ['reserved data opcode 3', rawFrame({ opcode: 3 }), StelarErrorCode.InvalidOpcode, 1002],
      ['reserved control opcode 0xB', rawFrame({ opcode: 0xb }), StelarErrorCode.InvalidOpcode, 1002],
      ['continuation without a message', rawFrame({ opcode: 0, payload: 'a' }), StelarErrorCode.InvalidContinuation, 1002],
      [
        'new data frame inside a fragmented message',
        Buffer.concat([rawFrame({ opcode: 1, fin: false, payload: 'a' }), rawFrame({ opcode: 1, payload: 'b' })]),
        StelarErrorCode.InvalidContinuation,
        1002,
      ],
      ['fragmented ping', rawFrame({ opcode: 9, fin: false }), StelarErrorCode.InvalidControlFrame, 1002],
      ['ping over 125 bytes', rawFrame({ opcode: 9, payload: Buffer.alloc(126) }), StelarErrorCode.InvalidControlFrame, 1002],
      ['unmasked client frame', rawFrame({ opcode: 1, payload: 'a', mask: null }), StelarErrorCode.Unmasked, 1002],
      [
        'masked server frame (client side)',
        rawFrame({ opcode: 1, payload: 'a' }),
        StelarErrorCode.UnexpectedMask,
        1002,
        { isServer: false },
      ],
      ['invalid UTF-8 text', rawFrame({ opcode: 1, payload: Buffer.from([0xce, 0xba, 0xff]) }), StelarErrorCode.InvalidUtf8, 1007],
      [
        'text ending mid-sequence',
        rawFrame({ opcode: 1, payload: Buffer.from([0xe2, 0x82]) }),
        StelarErrorCode.InvalidUtf8,
        1007,
      ],
      ['1-byte close body', rawFrame({ opcode: 8, payload: Buffer.from([0x03]) }), StelarErrorCode.InvalidCloseCode, 1002],
      ['close code 1005', rawFrame({ opcode: 8, payload: Buffer.from([0x03, 0xed]) }), StelarErrorCode.InvalidCloseCode, 1002],
      ['close code 999', rawFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe7]) }), StelarErrorCode.InvalidCloseCode, 1002],
      ['close code 5000', rawFrame({ opcode: 8, payload: Buffer.from([0x13, 0x88]) }), StelarErrorCode.InvalidCloseCode, 1002],
      [
        'close reason not UTF-8',
        rawFrame({ opcode: 8, payload: Buffer.from([0x03, 0xe8, 0xc0, 0x80]) }),
        StelarErrorCode.InvalidUtf8,
        1007,
      ],
      [
        'frame above maxFrameSize (header only)',
        rawFrame({ opcode: 2, payload: Buffer.alloc(200) }).subarray(0, 4),
        StelarErrorCode.FrameTooLarge,
        1009,
        { maxFrameSize: 100 },
      ],
      [
        'message above maxPayloadSize across fragments',
        Buffer.concat([rawFrame({ opcode: 2, fin: false, payload: Buffer.alloc(60) }), rawFrame({ opcode: 0, payload: Buffer.alloc(60) })]),
        StelarErrorCode.PayloadTooLarge,
        1009,
        { maxPayloadSize: 100 },
      ],
      [
        'too many fragments',
        Buffer.concat([
          rawFrame({ opcode: 2, fin: false, payload: 'a' }),
          rawFrame({ opcode: 0, fin: false, payload: 'a' }),
          rawFrame({ opcode: 0, payload: 'a' }),
        ]),
        StelarErrorCode.PayloadTooLarge,
        1009,
        { maxFragments: 2 },
      ],
      [
        '64-bit length with the top bit set',
        Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1]),
        StelarErrorCode.InvalidFrame,
        1002,
      ],
      ['64-bit length above 2^53', Buffer.from([0x82, 0xff, 0x00, 0x40, 0, 0, 0, 0, 0, 1]), StelarErrorCode.FrameTooLarge, 1009],
    ];

    // A rest parameter: jest treats a 5th declared parameter as a `done` callback.
    it.each(cases)('%s', (...row) => {
      const [, bytes, code, closeCode, opts] = row;
      const events = run(bytes, opts);
      expectError(events, code, closeCode);
      // split anywhere, the verdict is the same
      for (let cut = 1; cut < bytes.length; cut++) expectError(run(bytes, opts, [cut]), code, closeCode);
    });

    it('fails fast on the fragment that breaks UTF-8, before the message ends', () => {
      const { receiver, sink } = makeReceiver();
      receiver.push(rawFrame({ opcode: 1, fin: false, payload: Buffer.from('ok') }));
      expect(sink.events).toEqual([]);
      receiver.push(rawFrame({ opcode: 0, fin: false, payload: Buffer.from([0xf4, 0x90]) })); // > U+10FFFF
      expectError(sink.events, StelarErrorCode.InvalidUtf8, CloseCode.InvalidPayload);
    });

    it('stops after an error and ignores further input', () => {
      const { receiver, sink } = makeReceiver();
      receiver.push(rawFrame({ opcode: 3 }));
      receiver.push(rawFrame({ opcode: 1, payload: 'late' }));
      expect(sink.events.length).toBe(1);
      expect(receiver.stopped).toBe(true);
    });

    it('stops after a close frame', () => {
      const bytes = Buffer.concat([rawFrame({ opcode: 8, payload: '' }), rawFrame({ opcode: 1, payload: 'x' })]);
      expect(run(bytes)).toEqual([{ kind: 'close', code: 1005, reason: '' }]);
    });

    it('accepts every valid close code range boundary', () => {
      for (const code of [1000, 1003, 1007, 1014, 3000, 4999]) {
        const ev = run(rawFrame({ opcode: 8, payload: Buffer.from([code >> 8, code & 0xff]) }));
        expect(ev).toEqual([{ kind: 'close', code, reason: '' }]);
      }
      for (const code of [0, 1004, 1006, 1015, 1016, 2999]) {
        expectError(run(rawFrame({ opcode: 8, payload: Buffer.from([code >> 8, code & 0xff]) })), StelarErrorCode.InvalidCloseCode, 1002);
      }
    });

    it('accepts unmasked server frames on the client side', () => {
      expect(run(rawFrame({ opcode: 1, payload: 'hi', mask: null }), { isServer: false })).toEqual([
        { kind: 'message', payload: Buffer.from('hi'), binary: false },
      ]);
    });
  });
});
