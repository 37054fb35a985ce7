import fc from 'fast-check';
import { WsJsonCodec } from '../../../src/adapters/codec/ws-json.codec';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { CloseCode, StelarErrorCode as E } from '../../../src/domain/errors';
import { EXAMPLES, messageArb, normalise } from './message-arbitraries';
import { expectProtocolError } from './expect-protocol-error';

const codec = new WsJsonCodec();
const text = (s: string) => Buffer.from(s, 'utf8');

function roundTrip(m: StelarMessage): StelarMessage {
  const out = codec.encode(m);
  expect(out.binary).toBe(m.type === MessageType.Binary);
  expect(out.frameCache).toBeUndefined();
  return codec.decode(out.payload, out.binary);
}

describe('WsJsonCodec', () => {
  it('is the ws codec', () => {
    expect(codec.protocol).toBe('ws');
  });

  it.each(EXAMPLES.map((m, i) => [i, m.type, m] as const))('round-trips example %i (type %i)', (_i, _t, m) => {
    expect(normalise(roundTrip(m))).toEqual(normalise(m));
  });

  it('round-trips random messages of every type (property)', () => {
    fc.assert(
      fc.property(messageArb, (m) => {
        expect(normalise(roundTrip(m))).toEqual(normalise(m));
      }),
      { numRuns: 2000 },
    );
  });

  describe('exact wire shapes (docs/PROTOCOL.md)', () => {
    const json = (m: StelarMessage) => {
      const out = codec.encode(m);
      expect(out.binary).toBe(false);
      return Buffer.from(out.payload).toString('utf8');
    };
    it.each<[StelarMessage, string]>([
      [{ type: 0, event: 'chat', data: { a: 1 } }, '{"t":0,"e":"chat","d":{"a":1}}'],
      [{ type: 0, event: 'chat', data: undefined }, '{"t":0,"e":"chat"}'],
      [{ type: 2 }, '{"t":2}'],
      [{ type: 3 }, '{"t":3}'],
      [{ type: 4, event: 'getUser', ack: 'getUser', id: 7, data: { x: 1 } }, '{"t":4,"e":"getUser","a":"getUser","i":7,"d":{"x":1}}'],
      [{ type: 5, ack: 'getUser', id: 7, data: 1 }, '{"t":5,"a":"getUser","i":7,"d":1}'],
      [{ type: 5, ack: 'getUser', id: 7, error: 'm' }, '{"t":5,"a":"getUser","i":7,"x":"m"}'],
      [{ type: 5, ack: 'news', data: 1 }, '{"t":5,"a":"news","d":1}'],
      [{ type: 6, clientId: 'c', maxPayloadSize: 1, heartbeatInterval: 2 }, '{"t":6,"id":"c","maxPayloadSize":1,"heartbeatInterval":2}'],
      [{ type: 6, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 1 }, '{"t":6,"v":1}'],
      [{ type: 7, code: 1000, reason: 'bye' }, '{"t":7,"c":1000,"r":"bye"}'],
      [{ type: 8, room: 'general', id: 3 }, '{"t":8,"room":"general","i":3}'],
      [{ type: 8, room: 'general', id: 3, ok: true }, '{"t":8,"room":"general","i":3,"ok":true}'],
      [{ type: 9, room: 'g', id: 3, ok: false, reason: 'no' }, '{"t":9,"room":"g","i":3,"ok":false,"x":"no"}'],
      [{ type: 10, code: 'STELAR_ERR_X', message: 'm' }, '{"t":10,"code":"STELAR_ERR_X","message":"m"}'],
    ])('%j → %s', (m, expected) => {
      expect(json(m)).toBe(expected);
    });

    it('events, requests and answers are exactly JSON.stringify of their short-key object (property)', () => {
      // The encoder concatenates these instead of stringifying a temporary object.
      const name = fc.string({ minLength: 1, maxLength: 20 }).filter((n) => !n.includes('\0'));
      const id = fc.option(fc.oneof(fc.integer({ min: 0, max: 0x7fffffff }), fc.double()), { nil: undefined });
      const data = fc.oneof(fc.anything(), fc.constant(undefined), fc.constant(() => 1), fc.constant(new Date(0)));
      fc.assert(
        fc.property(name, name, id, data, fc.option(fc.string(), { nil: undefined }), (e, a, i, d, x) => {
          expect(json({ type: 0, event: e, data: d })).toBe(JSON.stringify({ t: 0, e, d }));
          expect(json({ type: 4, event: e, ack: a, id: i as number, data: d })).toBe(
            JSON.stringify({ t: 4, e, a, i, d }),
          );
          expect(json({ type: 5, ack: a, id: i, data: d, error: x })).toBe(JSON.stringify({ t: 5, a, i, d, x }));
        }),
        { numRuns: 1000 },
      );
    });

    it('unencodable data throws like JSON.stringify (cyclic, BigInt)', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(() => codec.encode({ type: 0, event: 'e', data: cyclic })).toThrow(TypeError);
      expect(() => codec.encode({ type: 5, ack: 'a', id: 1, data: 1n })).toThrow(TypeError);
    });

    it('binary events are binary messages holding the TCP frame body', () => {
      const m: StelarMessage = { type: 1, event: 'img', bytes: Uint8Array.of(1, 2, 3), meta: { name: 'a' } };
      const out = codec.encode(m);
      expect(out.binary).toBe(true);
      const tcpFrame = new TcpBinaryCodec().encode(m).payload;
      expect(Buffer.from(out.payload).equals(Buffer.from(tcpFrame.subarray(4)))).toBe(true);
    });
  });

  it('decodes binary bytes as a zero-copy view', () => {
    const frame = Buffer.from([1, 0, 1, 0x66, 9, 8]);
    const m = codec.decode(frame, true);
    if (m.type !== MessageType.Binary) throw new Error('not binary');
    expect(m.bytes.buffer).toBe(frame.buffer);
    expect(Array.from(m.bytes)).toEqual([9, 8]);
  });

  it('accepts a Disconnect without a reason', () => {
    expect(codec.decode(text('{"t":7,"c":1001}'), false)).toEqual({ type: 7, code: 1001, reason: '' });
  });

  describe('malformed input', () => {
    const T = (s: string) => [text(s), false] as const;
    const cases: [string, readonly [Uint8Array, boolean], string, number][] = [
      ['text not UTF-8', [Uint8Array.of(0x7b, 0xff, 0x7d), false], E.InvalidUtf8, CloseCode.InvalidPayload],
      ['not JSON', T('{"t":0,'), E.InvalidJson, CloseCode.InvalidPayload],
      ['empty text', T(''), E.InvalidJson, CloseCode.InvalidPayload],
      ['JSON array', T('[0]'), E.InvalidMessage, CloseCode.ProtocolError],
      ['JSON null', T('null'), E.InvalidMessage, CloseCode.ProtocolError],
      ['JSON number', T('0'), E.InvalidMessage, CloseCode.ProtocolError],
      ['missing t', T('{"e":"x"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['t a string', T('{"t":"0","e":"x"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['unknown t', T('{"t":12}'), E.InvalidFrameType, CloseCode.UnsupportedData],
      ['fractional t', T('{"t":0.5}'), E.InvalidFrameType, CloseCode.UnsupportedData],
      ['binary type in a text frame', T('{"t":1,"e":"x"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['event without e', T('{"t":0,"d":1}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['event with empty e', T('{"t":0,"e":""}'), E.InvalidEventName, CloseCode.ProtocolError],
      ['event with NUL in e', T('{"t":0,"e":"a\\u0000"}'), E.InvalidEventName, CloseCode.ProtocolError],
      ['event name of 256 bytes', T(`{"t":0,"e":"${'x'.repeat(256)}"}`), E.InvalidEventName, CloseCode.ProtocolError],
      ['ack request without i', T('{"t":4,"e":"x","a":"x"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request with i = 2^31', T('{"t":4,"e":"x","a":"x","i":2147483648}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack request without a', T('{"t":4,"e":"x","i":1}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['ack response x not a string', T('{"t":5,"a":"x","i":1,"x":{}}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['connect without id', T('{"t":6,"maxPayloadSize":1,"heartbeatInterval":1}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['disconnect without c', T('{"t":7,"r":""}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['join without room', T('{"t":8,"i":1}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['join ok not boolean', T('{"t":8,"room":"r","ok":1}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['error without code', T('{"t":10,"message":"m"}'), E.InvalidMessage, CloseCode.ProtocolError],
      ['binary too short', [Uint8Array.of(1, 0), true], E.TruncatedFrame, CloseCode.ProtocolError],
      ['binary eventLen past the end', [Uint8Array.of(1, 0, 9, 0x61), true], E.TruncatedFrame, CloseCode.ProtocolError],
      ['binary frame of type 0', [Uint8Array.of(0, 0, 1, 0x61), true], E.InvalidFrameType, CloseCode.UnsupportedData],
      ['binary name not UTF-8', [Uint8Array.of(1, 0, 1, 0xff), true], E.InvalidUtf8, CloseCode.InvalidPayload],
      ['binary meta not an object', [Buffer.from('\x01\x00\x05a\x00"s"'), true], E.InvalidMessage, CloseCode.ProtocolError],
      // Fuzz finding (2026-12-07): 1e999 parses as Infinity, which would re-encode as null.
      ['binary meta number not finite', [Buffer.from('\x01\x00\x0da\x00{"n":1e999}'), true], E.InvalidMessage, CloseCode.ProtocolError],
    ];
    it.each(cases)('%s', (_name, [input, binary], code, closeCode) => {
      expectProtocolError(() => codec.decode(input, binary), code, closeCode);
    });

    it('random text and bytes never throw anything but a ProtocolError (property)', () => {
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.json().map(text)), fc.boolean(), (bytes, binary) => {
          try {
            codec.decode(bytes, binary);
          } catch (err) {
            expect((err as Error).name).toBe('ProtocolError');
          }
        }),
        { numRuns: 3000 },
      );
    });
  });

  it('throws TypeError on encode for invalid names', () => {
    expect(() => codec.encode({ type: 0, event: '', data: 1 })).toThrow(TypeError);
    expect(() => codec.encode({ type: 5, ack: 'a\0' })).toThrow(TypeError);
    expect(() => codec.encode({ type: 9, room: 'x'.repeat(256) })).toThrow(TypeError);
  });
});
