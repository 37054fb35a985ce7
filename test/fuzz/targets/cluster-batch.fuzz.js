'use strict';
// decodeBatch (the cluster batch envelope, one Redis publish carrying one turn's deliveries to a
// channel) on arbitrary bytes. Invariants: only STELAR_ERR_INVALID_MESSAGE escapes; a decoded
// batch has at least 2 deliveries, all of the batch's origin; re-encoded (encodeDelivery with
// each sequence number written in place, then encodeBatch) it decodes equal.
const { dist, check, expectProtocolError, sameMessage, show, StelarErrorCode } = require('../lib/invariants');

const env = dist('adapters/redis/cluster-envelope.codec.js');
const batch = dist('adapters/redis/cluster-batch.codec.js');
const ALLOWED = new Set([StelarErrorCode.InvalidMessage]);

function encode(entries) {
  return batch.encodeBatch(
    entries.map((e) => {
      const buf = env.encodeDelivery(e.origin, e.delivery);
      env.writeDeliverySeq(buf, e.seq);
      return buf;
    }),
  );
}

function roundTrip(entries) {
  check(entries.length >= 2, () => `a batch of ${entries.length}`);
  const origin = entries[0].origin;
  check(entries.every((e) => e.origin === origin && e.type === env.EnvelopeType.Delivery), () => `mixed batch ${show(entries)}`);
  const again = batch.decodeBatch(encode(entries));
  check(again.length === entries.length && entries.every((e, i) => sameMessage(e, again[i])), () => `decode(encode(x)) != x: ${show(entries)} -> ${show(again)}`);
}

function arbitrary(fc) {
  const str = fc.string({ maxLength: 12 });
  const target = fc.oneof(
    fc.constant({ kind: 'all' }),
    fc.record({ kind: fc.constant('room'), room: str }),
    fc.record({ kind: fc.constant('client'), clientId: str }),
  );
  const delivery = fc.oneof(
    fc.record({ target, event: str, data: fc.jsonValue({ maxDepth: 2 }), excludeId: str }, { requiredKeys: ['target', 'event'] }),
    fc.record({ target, event: str, bytes: fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)) }),
  );
  return fc
    .tuple(fc.string({ maxLength: 10 }), fc.array(fc.tuple(delivery, fc.integer({ min: 0, max: 0xffffffff })), { minLength: 2, maxLength: 6 }))
    .map(([origin, ds]) => ds.map(([delivery, seq]) => ({ type: 1, origin, seq, delivery })));
}

module.exports = {
  maxLen: 4096,
  fuzz(data) {
    let entries;
    try {
      entries = batch.decodeBatch(data);
    } catch (err) {
      expectProtocolError(err, ALLOWED);
      return;
    }
    roundTrip(entries);
  },
  properties: (fc) => [fc.property(arbitrary(fc), (entries) => roundTrip(entries))],
  dictionary: ['\x03\x05', '\x03\x01', '\x00\x02', '\x00\x00\x00', '\xff\xff', '{}', '"x"', 'null', '\xc0\x80'],
};
