// The batch envelope (cluster-batch.codec.ts): round trip of arbitrary delivery runs, every
// truncation rejected with the stable error code, and the all-or-nothing rules.
import fc from 'fast-check';
import { BATCH_ENVELOPE, batchSize, decodeBatch, encodeBatch, isBatchEnvelope } from '../../../src/adapters/redis/cluster-batch.codec';
import { encodeDelivery, encodeProbe, isFromOrigin, writeDeliverySeq } from '../../../src/adapters/redis/cluster-envelope.codec';
import type { ClusterDelivery } from '../../../src/ports/cluster-bus.port';
import { ProtocolError, StelarErrorCode } from '../../../src/domain/errors';

const delivery = (i: number): ClusterDelivery => ({ target: { kind: 'room', room: 'lobby' }, event: 'msg', data: { i } });
const numbered = (origin: string, d: ClusterDelivery, seq: number) => {
  const b = encodeDelivery(origin, d);
  writeDeliverySeq(b, seq);
  return b;
};
const invalid = (f: () => unknown) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ProtocolError);
  expect((err as ProtocolError).code).toBe(StelarErrorCode.InvalidMessage);
};

const arbDelivery: fc.Arbitrary<ClusterDelivery> = fc
  .tuple(
    fc.oneof(
      fc.constant({ kind: 'all' as const }),
      fc.string().map((room) => ({ kind: 'room' as const, room })),
      fc.string().map((clientId) => ({ kind: 'client' as const, clientId })),
    ),
    fc.string(),
    fc.oneof(fc.jsonValue().map((data) => ({ data })), fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes: Buffer.from(bytes) }))),
  )
  .map(([target, event, payload]) => ({ target, event, ...payload }));

describe('cluster batch envelope', () => {
  it('carries several numbered deliveries of one origin, in order', () => {
    const parts = [0, 1, 2].map((i) => numbered('node-a', delivery(i), 10 + i));
    const buf = encodeBatch(parts);
    expect(buf.byteLength).toBe(batchSize(parts));
    expect(isBatchEnvelope(buf)).toBe(true);
    expect(buf[1]).toBe(BATCH_ENVELOPE);
    expect(isFromOrigin(buf, Buffer.from('node-a'))).toBe(true); // a node skips its own batches unparsed
    expect(decodeBatch(buf)).toEqual([0, 1, 2].map((i) => ({ type: 1, origin: 'node-a', seq: 10 + i, delivery: delivery(i) })));
  });

  it('round-trips arbitrary runs of deliveries (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.array(fc.tuple(arbDelivery, fc.nat()), { minLength: 2, maxLength: 12 }), (origin, ds) => {
        const back = decodeBatch(encodeBatch(ds.map(([d, seq]) => numbered(origin, d, seq))));
        expect(back.map((e) => e.seq)).toEqual(ds.map(([, seq]) => seq >>> 0));
        back.forEach((e, i) => {
          const d = ds[i][0];
          expect(e.origin).toBe(origin);
          expect(e.delivery.target).toEqual(d.target);
          expect(e.delivery.event).toBe(d.event);
          if (d.bytes !== undefined) expect(Buffer.from(e.delivery.bytes!).equals(Buffer.from(d.bytes))).toBe(true);
          else expect(e.delivery.data).toEqual(JSON.parse(JSON.stringify(d.data)));
        });
      }),
    );
  });

  it('rejects every truncation, and any trailing byte, with the stable code (property)', () => {
    fc.assert(
      fc.property(fc.array(arbDelivery, { minLength: 2, maxLength: 6 }), fc.nat(), (ds, cut) => {
        const buf = encodeBatch(ds.map((d, i) => numbered('n', d, i + 1)));
        invalid(() => decodeBatch(buf.subarray(0, cut % buf.byteLength)));
        invalid(() => decodeBatch(Buffer.concat([buf, Buffer.from([0])])));
      }),
    );
  });

  it('is all or nothing: another origin, a non-delivery entry or a count below 2 fail the whole batch', () => {
    const a = numbered('a', delivery(1), 1);
    invalid(() => decodeBatch(encodeBatch([a, numbered('b', delivery(2), 1)])));
    invalid(() => decodeBatch(encodeBatch([a, encodeProbe('a', 3)])));
    const one = encodeBatch([a, a]);
    one.writeUInt16BE(1, 3 + 1);
    invalid(() => decodeBatch(one.subarray(0, 3 + 1 + 2 + 4 + a.byteLength)));
    const broken = encodeBatch([a, a]);
    broken[broken.byteLength - 1] = 0x7b; // the last entry's JSON payload no longer parses
    invalid(() => decodeBatch(broken));
    invalid(() => decodeBatch(Buffer.from([9, BATCH_ENVELOPE, 0, 0, 2])));
  });

  it('refuses to encode fewer than 2 entries (a lone delivery goes as itself)', () => {
    expect(() => encodeBatch([numbered('a', delivery(1), 1)])).toThrow(RangeError);
  });
});
