import fc from 'fast-check';
import { TcpBinaryCodec, TCP_PING_FRAME } from '../../../src/adapters/codec/tcp-binary.codec';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { CloseCode, StelarErrorCode as E } from '../../../src/domain/errors';
import { EXAMPLES, messageArb, normalise } from './message-arbitraries';
import { expectProtocolError } from './expect-protocol-error';

const codec = new TcpBinaryCodec();

/** Builds a frame body (no totalLen) from parts. */
function body(type: number, event: string | Uint8Array, payload: string | Uint8Array = ''): Uint8Array {
  const ev = typeof event === 'string' ? Buffer.from(event) : Buffer.from(event);
  const pl = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const head = Buffer.from([type, ev.length >> 8, ev.length & 0xff]);
  return Buffer.concat([head, ev, pl]);
}

function roundTrip(m: StelarMessage): StelarMessage {
  const out = codec.encode(m);
  expect(out.binary).toBe(true);
  expect(out.frameCache).toBeUndefined();
  const frame = out.payload;
  // totalLen counts every byte after itself.
  const totalLen = Buffer.from(frame.buffer, frame.byteOffset, frame.length).readUInt32BE(0);
  expect(totalLen).toBe(frame.length - 4);
  return codec.decode(frame.subarray(4), true);
}

describe('TcpBinaryCodec', () => {
  it('is the tcp codec', () => {
    expect(codec.protocol).toBe('tcp');
  });

  it.each(EXAMPLES.map((m, i) => [i, m.type, m] as const))(
    'round-trips example %i (type %i)',
    (_i, _t, m) => {
      expect(normalise(roundTrip(m))).toEqual(normalise(m));
    },
  );

  it('round-trips random messages of every type (property)', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(normalise(roundTrip(m))).toEqual(normalise(m));
      }),
      { numRuns: 2000 },
    );
  });

  describe('exact wire shapes (docs/PROTOCOL.md)', () => {
    const hex = (m: StelarMessage) => Buffer.from(codec.encode(m).payload).toString('hex');
    const frame = (type: number, event: string, payload: string) => {
      const b = body(type, event, payload);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]).toString('hex');
    };

    it('Event: name in the event field, JSON data as payload, empty when undefined', () => {
      expect(hex({ type: 0, event: 'chat', data: { a: 1 } })).toBe(frame(0, 'chat', '{"a":1}'));
      expect(hex({ type: 0, event: 'chat', data: undefined })).toBe('0000000700000463686174');
    });
    it('Binary: name\\0meta in the event field, raw bytes as payload', () => {
      expect(hex({ type: 1, event: 'f', bytes: Uint8Array.of(1, 2) })).toBe('00000006010001660102');
      expect(hex({ type: 1, event: 'a', bytes: Uint8Array.of(9), meta: { name: 'a.png' } })).toBe(
        frame(1, 'a\0{"name":"a.png"}', '\x09'),
      );
    });
    it('Ping / Pong: the smallest frames', () => {
      expect(hex({ type: 2 })).toBe('00000003020000');
      expect(hex({ type: 3 })).toBe('00000003030000');
    });
    it('ACK request / response carry id and ack in JSON', () => {
      expect(hex({ type: 4, event: 'getUser', ack: 'u', id: 7, data: 1 })).toBe(
        frame(4, 'getUser', '{"id":7,"ack":"u","data":1}'),
      );
      expect(hex({ type: 5, ack: 'u', id: 7, data: 2 })).toBe(frame(5, 'u', '{"id":7,"data":2}'));
      expect(hex({ type: 5, ack: 'u', id: 7, error: 'no' })).toBe(frame(5, 'u', '{"id":7,"error":"no"}'));
      expect(hex({ type: 5, ack: 'push', data: 3 })).toBe(frame(5, 'push', '{"data":3}'));
    });
    it('ACK request / response payloads are exactly JSON.stringify of { id, ack, data } / { id, data, error } (property)', () => {
      // The encoder concatenates these instead of stringifying a temporary object.
      const payloadOf = (m: StelarMessage): string => {
        const f = Buffer.from(codec.encode(m).payload);
        return f.subarray(4 + 3 + f.readUInt16BE(5)).toString('utf8');
      };
      const name = fc.string({ minLength: 1, maxLength: 20 }).filter((n) => !n.includes('\0'));
      const id = fc.option(fc.oneof(fc.integer({ min: 0, max: 0x7fffffff }), fc.double()), { nil: undefined });
      const data = fc.oneof(fc.anything(), fc.constant(undefined), fc.constant(() => 1), fc.constant(new Date(0)));
      fc.assert(
        fc.property(name, id, data, fc.option(fc.string(), { nil: undefined }), (ack, i, d, error) => {
          expect(payloadOf({ type: 4, event: 'e', ack, id: i as number, data: d })).toBe(JSON.stringify({ id: i, ack, data: d }));
          expect(payloadOf({ type: 5, ack, id: i, data: d, error })).toBe(JSON.stringify({ id: i, data: d, error }));
        }),
        { numRuns: 1000 },
      );
    });

    it('Connect both ways, Disconnect, rooms and Error', () => {
      expect(hex({ type: 6, clientId: 'c1', maxPayloadSize: 10, heartbeatInterval: 20 })).toBe(
        frame(6, 'c1', '{"maxPayloadSize":10,"heartbeatInterval":20}'),
      );
      expect(
        hex({ type: 6, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 1 }),
      ).toBe(frame(6, '', '{"v":1}'));
      expect(hex({ type: 7, code: 1000, reason: 'bye' })).toBe(frame(7, '', '{"code":1000,"reason":"bye"}'));
      expect(hex({ type: 8, room: 'general' })).toBe(frame(8, 'general', ''));
      expect(hex({ type: 9, room: 'general', id: 3 })).toBe(frame(9, 'general', '{"id":3}'));
      expect(hex({ type: 8, room: 'g', id: 3, ok: false, reason: 'full' })).toBe(
        frame(8, 'g', '{"id":3,"ok":false,"reason":"full"}'),
      );
      expect(hex({ type: 10, code: 'STELAR_ERR_X', message: 'm' })).toBe(
        frame(10, 'STELAR_ERR_X', '{"message":"m"}'),
      );
    });
    it('Ping encodes to the shared constant frame', () => {
      expect(codec.encode({ type: 2 }).payload).toBe(TCP_PING_FRAME);
    });
  });

  it('decodes binary bytes as a zero-copy view of the frame', () => {
    const b = body(1, 'f', Uint8Array.of(5, 6, 7));
    const m = codec.decode(b, true);
    if (m.type !== MessageType.Binary) throw new Error('not binary');
    expect(m.bytes.buffer).toBe(b.buffer);
    expect(Array.from(m.bytes)).toEqual([5, 6, 7]);
  });

  it('decodes a client Disconnect without payload as 1000 / ""', () => {
    expect(codec.decode(body(7, ''), true)).toEqual({ type: 7, code: 1000, reason: '' });
  });

  it('ignores bytes echoed in a Pong', () => {
    expect(codec.decode(body(3, '', 'abc'), true)).toEqual({ type: 3 });
  });

  describe('malformed input', () => {
    const cases: [string, Uint8Array, string, number][] = [
      ['empty body', new Uint8Array(0), E.TruncatedFrame, CloseCode.ProtocolError],
      ['2-byte body', Uint8Array.of(0, 0), E.TruncatedFrame, CloseCode.ProtocolError],
      ['eventLen past the end', Uint8Array.of(0, 0, 5, 0x61), E.TruncatedFrame, CloseCode.ProtocolError],
      ['unknown type 12', body(12, 'x'), E.InvalidFrameType, CloseCode.UnsupportedData],
      ['unknown type 255', body(255, ''), E.InvalidFrameType, CloseCode.UnsupportedData],
      ['event not UTF-8', body(0, Uint8Array.of(0xff, 0xfe)), E.InvalidUtf8, CloseCode.InvalidPayload],
      ['overlong UTF-8', body(0, Uint8Array.of(0xc0, 0xaf)), E.InvalidUtf8, CloseCode.InvalidPayload],
      ['payload not UTF-8', body(0, 'e', Uint8Array.of(0x22, 0xff, 0x22)), E.InvalidUtf8, CloseCode.InvalidPayload],
      ['payload not JSON', body(0, 'e', '{nope'), E.InvalidJson, CloseCode.InvalidPayload],
      ['BOM before JSON', body(0, 'e', '\ufeff1'), E.InvalidJson, CloseCode.InvalidPayload],
      ['empty event name', body(0, '', '1'), E.InvalidEventName, CloseCode.ProtocolError],
      ['NUL in event name', body(0, 'a\0b', '1'), E.InvalidEventName, CloseCode.ProtocolError],
      ['256-byte event name', body(0, 'x'.repeat(256)), E.InvalidEventName, CloseCode.ProtocolError],
      ['binary: empty name', body(1, '\0{}', 'x'), E.InvalidEventName, CloseCode.ProtocolError],
      ['binary: meta not JSON', body(1, 'f\0{', 'x'), E.InvalidJson, CloseCode.InvalidPayload],
      ['binary: an array that is no valid tail (seq 0)', body(1, 'f\0[0]', 'x'), E.InvalidMessage, CloseCode.ProtocolError],
      ['binary: nested meta', body(1, 'f\0{"a":{}}', 'x'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request: no payload', body(4, 'e'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request: array payload', body(4, 'e', '[]'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request: no id', body(4, 'e', '{"ack":"a"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request: negative id', body(4, 'e', '{"id":-1,"ack":"a"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request: id 2^31', body(4, 'e', '{"id":2147483648,"ack":"a"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request: fractional id', body(4, 'e', '{"id":1.5,"ack":"a"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request: no ack', body(4, 'e', '{"id":1}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request: empty ack', body(4, 'e', '{"id":1,"ack":""}'), E.InvalidEventName, CloseCode.ProtocolError],
      ['ack response: empty ack', body(5, '', '{"id":1}'), E.InvalidEventName, CloseCode.ProtocolError],
      ['ack response: error not a string', body(5, 'a', '{"id":1,"error":5}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack response: id a string', body(5, 'a', '{"id":"1"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['connect: no payload', body(6, 'c'), E.InvalidMessage, CloseCode.ProtocolError],
      ['connect: limits missing', body(6, 'c', '{}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['connect: negative limit', body(6, 'c', '{"maxPayloadSize":-1,"heartbeatInterval":1}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['hello: v a string', body(6, '', '{"v":"1"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['hello: header not a string', body(6, '', '{"v":1,"headers":{"a":1}}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['disconnect: code too big', body(7, '', '{"code":70000,"reason":""}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['disconnect: reason a number', body(7, '', '{"code":1000,"reason":1}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['join: empty room', body(8, ''), E.InvalidEventName, CloseCode.ProtocolError],
      ['join: ok not boolean', body(8, 'r', '{"ok":"yes"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['leave: payload a number', body(9, 'r', '5'), E.InvalidMessage, CloseCode.ProtocolError],
      ['error: no message', body(10, 'STELAR_ERR_X', '{}'), E.InvalidMessage, CloseCode.ProtocolError],
    ];
    it.each(cases)('%s', (_name, input, code, closeCode) => {
      expectProtocolError(() => codec.decode(input, true), code, closeCode);
    });

    it('random bytes never throw anything but a ProtocolError (property)', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
          try {
            codec.decode(bytes, true);
          } catch (err) {
            expect((err as Error).name).toBe('ProtocolError');
          }
        }),
        { numRuns: 3000 },
      );
    });
  });

  describe('caller mistakes on encode', () => {
    it('throws TypeError for invalid names', () => {
      expect(() => codec.encode({ type: 0, event: '', data: 1 })).toThrow(TypeError);
      expect(() => codec.encode({ type: 1, event: 'a\0b', bytes: new Uint8Array(0) })).toThrow(TypeError);
      expect(() => codec.encode({ type: 8, room: 'é'.repeat(128) })).toThrow(TypeError);
      expect(() => codec.encode({ type: 4, event: 'e', ack: '', id: 1, data: 1 })).toThrow(TypeError);
      expect(() => codec.encode({ type: 99 } as unknown as StelarMessage)).toThrow(TypeError);
    });
    it('throws RangeError when the event field exceeds 65535 bytes', () => {
      expect(() =>
        codec.encode({ type: 6, clientId: 'x'.repeat(65536), maxPayloadSize: 1, heartbeatInterval: 1 }),
      ).toThrow(RangeError);
    });
  });
});
