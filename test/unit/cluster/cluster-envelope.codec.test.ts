import fc from 'fast-check';
import {
  EnvelopeType,
  QueryKind,
  decodeEnvelope,
  encodeDelivery,
  encodeQuery,
  encodeReply,
  isFromOrigin,
  writeDeliverySeq,
} from '../../../src/adapters/redis/cluster-envelope.codec';
import type { ClusterDelivery } from '../../../src/ports/cluster-bus.port';
import { ProtocolError, StelarErrorCode } from '../../../src/domain/errors';

function roundTrip(d: ClusterDelivery, origin = 'node-a'): ClusterDelivery {
  const env = decodeEnvelope(encodeDelivery(origin, d));
  if (env.type !== EnvelopeType.Delivery) throw new Error(`wrong type ${env.type}`);
  expect(env.origin).toBe(origin);
  return env.delivery;
}

describe('cluster envelope: deliveries', () => {
  it('round-trips a JSON broadcast to all', () => {
    expect(roundTrip({ target: { kind: 'all' }, event: 'chat', data: { text: 'héllo', n: [1, 2] } }))
      .toEqual({ target: { kind: 'all' }, event: 'chat', data: { text: 'héllo', n: [1, 2] } });
  });

  it('round-trips room and client targets with excludeId', () => {
    expect(
      roundTrip({ target: { kind: 'room', room: 'lobby' }, event: 'e', data: null, excludeId: 'c1' }),
    ).toEqual({ target: { kind: 'room', room: 'lobby' }, event: 'e', data: null, excludeId: 'c1' });
    expect(roundTrip({ target: { kind: 'client', clientId: 'ü-42' }, event: 'dm', data: 'x' }))
      .toEqual({ target: { kind: 'client', clientId: 'ü-42' }, event: 'dm', data: 'x' });
  });

  it('keeps data absent when the delivery has none', () => {
    const d = roundTrip({ target: { kind: 'all' }, event: 'ping' });
    expect(d).toEqual({ target: { kind: 'all' }, event: 'ping' });
    expect('data' in d).toBe(false);
  });

  it('carries binary payloads raw (no base64) and decodes them as views', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    const buf = encodeDelivery('n', { target: { kind: 'all' }, event: 'bin', bytes });
    // header 3+1, seq 4, flags+kind 2, event 2+3: the payload follows verbatim.
    expect(buf.byteLength).toBe(4 + 4 + 2 + 5 + 300);
    expect(Buffer.from(buf.subarray(buf.byteLength - 300)).equals(Buffer.from(bytes))).toBe(true);
    const d = roundTrip({ target: { kind: 'all' }, event: 'bin', bytes }, 'n');
    expect(Buffer.from(d.bytes!).equals(Buffer.from(bytes))).toBe(true);
    expect(d.data).toBeUndefined();
  });

  it('carries binary meta (file name, MIME type) with the bytes', () => {
    const meta = { name: 'a.png', type: 'image/png', size: 3, final: true };
    const d = roundTrip({ target: { kind: 'all' }, event: 'file', bytes: Uint8Array.of(1, 2, 3), meta });
    expect(d.meta).toEqual(meta);
    expect(Buffer.from(d.bytes!)).toEqual(Buffer.from([1, 2, 3]));
    // meta belongs to binary payloads only: ignored on a JSON delivery.
    expect(roundTrip({ target: { kind: 'all' }, event: 'j', data: 1, meta } as ClusterDelivery)).toEqual({
      target: { kind: 'all' }, event: 'j', data: 1,
    });
  });

  it('round-trips an empty binary payload', () => {
    const d = roundTrip({ target: { kind: 'room', room: 'r' }, event: 'b', bytes: new Uint8Array(0) });
    expect(d.bytes!.byteLength).toBe(0);
  });

  it('round-trips arbitrary deliveries (property)', () => {
    const target = fc.oneof(
      fc.constant({ kind: 'all' as const }),
      fc.string().map((room) => ({ kind: 'room' as const, room })),
      fc.string().map((clientId) => ({ kind: 'client' as const, clientId })),
    );
    fc.assert(
      fc.property(
        target,
        fc.string(),
        fc.option(fc.string(), { nil: undefined }),
        fc.oneof(
          fc.jsonValue().map((data) => ({ data })),
          fc.uint8Array().map((bytes) => ({ bytes })),
          fc
            .tuple(fc.uint8Array(), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())))
            .map(([bytes, meta]) => ({ bytes, meta })),
        ),
        (t, event, excludeId, payload) => {
          const d: ClusterDelivery = { target: t, event, ...payload, ...(excludeId === undefined ? {} : { excludeId }) };
          const back = roundTrip(d);
          expect(back.target).toEqual(t);
          expect(back.event).toBe(event);
          expect(back.excludeId).toBe(excludeId);
          if ('meta' in payload) expect(back.meta).toEqual(payload.meta);
          if ('bytes' in payload) expect(Buffer.from(back.bytes!).equals(Buffer.from(payload.bytes))).toBe(true);
          else expect(back.data).toEqual(JSON.parse(JSON.stringify(payload.data)));
        },
      ),
    );
  });

  it('rejects over-long fields synchronously with RangeError', () => {
    expect(() => encodeDelivery('n', { target: { kind: 'all' }, event: 'x'.repeat(70000) })).toThrow(RangeError);
    expect(() => encodeDelivery('n'.repeat(256), { target: { kind: 'all' }, event: 'e' })).toThrow(RangeError);
  });

  it('rejects an unknown target kind with TypeError', () => {
    expect(() => encodeDelivery('n', { target: { kind: 'nope' } as never, event: 'e' })).toThrow(TypeError);
  });
});

describe('cluster envelope: queries and replies', () => {
  it('round-trips queries with and without argument', () => {
    expect(decodeEnvelope(encodeQuery('a', 7, QueryKind.Rooms))).toEqual({
      type: EnvelopeType.Query, origin: 'a', id: 7, kind: QueryKind.Rooms,
    });
    expect(decodeEnvelope(encodeQuery('a', 0xffffffff, QueryKind.RoomMembers, 'lobby'))).toEqual({
      type: EnvelopeType.Query, origin: 'a', id: 0xffffffff, kind: QueryKind.RoomMembers, arg: 'lobby',
    });
    expect(decodeEnvelope(encodeQuery('a', 1, QueryKind.Clients, ''))).toMatchObject({ arg: '' });
  });

  it('round-trips replies as JSON', () => {
    expect(decodeEnvelope(encodeReply('b', 9, [{ id: 'x', rooms: ['r'] }]))).toEqual({
      type: EnvelopeType.Reply, origin: 'b', id: 9, value: [{ id: 'x', rooms: ['r'] }],
    });
    expect(decodeEnvelope(encodeReply('b', 9, undefined))).toMatchObject({ value: null });
  });
});

describe('cluster envelope: origin check', () => {
  it('carries the sequence number the pipeline writes in place', () => {
    const buf = encodeDelivery('node-7', { target: { kind: 'room', room: 'r' }, event: 'e', data: [1] });
    expect(decodeEnvelope(buf)).toMatchObject({ seq: 0 });
    writeDeliverySeq(buf, 0xfffffffe);
    expect(decodeEnvelope(buf)).toMatchObject({ seq: 0xfffffffe, delivery: { event: 'e', data: [1] } });
  });

  it('recognises its own origin without decoding', () => {
    const buf = encodeDelivery('node-1', { target: { kind: 'all' }, event: 'e' });
    expect(isFromOrigin(buf, Buffer.from('node-1'))).toBe(true);
    expect(isFromOrigin(buf, Buffer.from('node-2'))).toBe(false);
    expect(isFromOrigin(buf, Buffer.from('node-'))).toBe(false);
    expect(isFromOrigin(buf, Buffer.from('node-10'))).toBe(false);
    expect(isFromOrigin(Buffer.alloc(2), Buffer.from('node-1'))).toBe(false);
  });
});

describe('cluster envelope: malformed input', () => {
  const good = encodeDelivery('n', { target: { kind: 'room', room: 'r' }, event: 'ev', data: 1, excludeId: 'x' });

  function expectInvalid(buf: Buffer, why: RegExp): void {
    let err: unknown;
    try {
      decodeEnvelope(buf);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).code).toBe(StelarErrorCode.InvalidMessage);
    expect((err as ProtocolError).message).toMatch(why);
  }

  it('rejects every truncation of a valid envelope', () => {
    // Cutting inside the header or a length-prefixed field is "truncated"; cutting the JSON
    // payload makes it invalid JSON. Either way: a clear ProtocolError, never a crash.
    for (let n = 0; n < good.byteLength; n++) {
      expectInvalid(good.subarray(0, n), /truncated|not valid JSON/);
    }
  });

  it('rejects unknown version, type, target kind and query kind', () => {
    const v = Buffer.from(good); v[0] = 9;
    expectInvalid(v, /unsupported version 9/);
    const t = Buffer.from(good); t[1] = 42;
    expectInvalid(t, /unknown envelope type 42/);
    const k = Buffer.from(good); k[3 + 1 + 4 + 1] = 7; // header, origin 'n', seq, flags
    expectInvalid(k, /unknown target kind 7/);
    const q = encodeQuery('n', 1, QueryKind.Rooms); q[3 + 1 + 4] = 99;
    expectInvalid(q, /unknown query kind 99/);
  });

  it('rejects malformed binary meta', () => {
    const withMeta = (metaJson: string, binary = true) => {
      const good = encodeDelivery('n', { target: { kind: 'all' }, event: 'e', bytes: Uint8Array.of(9), meta: { k: 'v' } });
      // Rebuild with a different meta text: header 4 + seq 4 + flags/kind 2 + event 3, then u16 + meta.
      const head = Buffer.from(good.subarray(0, 13));
      if (!binary) head[8] &= ~0x02;
      const len = Buffer.alloc(2);
      len.writeUInt16BE(Buffer.byteLength(metaJson));
      return Buffer.concat([head, len, Buffer.from(metaJson), Buffer.of(9)]);
    };
    expect(decodeEnvelope(withMeta('{"k":"v"}'))).toMatchObject({ delivery: { meta: { k: 'v' } } });
    expectInvalid(withMeta('{"k":'), /meta is not valid JSON/);
    expectInvalid(withMeta('[1]'), /meta is not an object/);
    expectInvalid(withMeta('{"k":{"x":1}}'), /meta values must be/);
    expectInvalid(withMeta('{"k":1e999}'), /meta values must be strings, finite numbers/);
    expectInvalid(withMeta('{"k":"v"}', false), /meta without a binary payload/);
  });

  it('rejects trailing bytes on a data-less delivery or a query', () => {
    const d = encodeDelivery('n', { target: { kind: 'all' }, event: 'e' });
    expectInvalid(Buffer.concat([d, Buffer.from([1])]), /trailing bytes/);
    expectInvalid(Buffer.concat([encodeQuery('n', 1, QueryKind.Stats), Buffer.from([1])]), /trailing/);
  });

  it('never throws anything but ProtocolError on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeEnvelope(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
    );
  });
});
