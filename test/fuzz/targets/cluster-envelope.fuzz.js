'use strict';
// decodeEnvelope (the Redis cluster bus wire format) on arbitrary bytes. Invariants: only
// STELAR_ERR_INVALID_MESSAGE escapes; a decoded envelope re-encodes (encodeDelivery /
// encodeQuery / encodeReply / encodeProbe, the delivery's sequence number written in place) to
// bytes that decode equal.
const { dist, check, expectProtocolError, sameMessage, show, StelarErrorCode } = require('../lib/invariants');

const env = dist('adapters/redis/cluster-envelope.codec.js');
const ALLOWED = new Set([StelarErrorCode.InvalidMessage]);

function encode(e) {
  if (e.type === env.EnvelopeType.Delivery) {
    const buf = env.encodeDelivery(e.origin, e.delivery);
    env.writeDeliverySeq(buf, e.seq);
    return buf;
  }
  if (e.type === env.EnvelopeType.Query) return env.encodeQuery(e.origin, e.id, e.kind, e.arg);
  if (e.type === env.EnvelopeType.Probe) return env.encodeProbe(e.origin, e.id);
  return env.encodeReply(e.origin, e.id, e.value);
}

function roundTrip(e) {
  const again = env.decodeEnvelope(encode(e));
  check(sameMessage(e, again), () => `decode(encode(x)) != x: ${show(e)} -> ${show(again)}`);
}

function arbitrary(fc) {
  const str = fc.string({ maxLength: 20 });
  const origin = fc.string({ maxLength: 12 });
  const target = fc.oneof(
    fc.constant({ kind: 'all' }),
    fc.record({ kind: fc.constant('room'), room: str }),
    fc.record({ kind: fc.constant('client'), clientId: str }),
  );
  const meta = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()), { maxKeys: 3 });
  const delivery = fc.oneof(
    fc.record({ target, event: str, data: fc.jsonValue({ maxDepth: 2 }), excludeId: str }, { requiredKeys: ['target', 'event'] }),
    fc.record({ target, event: str, bytes: fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)), meta, excludeId: str }, { requiredKeys: ['target', 'event', 'bytes'] }),
  );
  const id = fc.integer({ min: 0, max: 0xffffffff });
  return fc.oneof(
    fc.record({ type: fc.constant(1), origin, seq: id, delivery }),
    fc.record({ type: fc.constant(2), origin, id, kind: fc.integer({ min: 0, max: 4 }), arg: str }, { requiredKeys: ['type', 'origin', 'id', 'kind'] }),
    fc.record({ type: fc.constant(3), origin, id, value: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ type: fc.constant(4), origin, id }),
  );
}

module.exports = {
  maxLen: 2048,
  fuzz(data) {
    let e;
    try {
      e = env.decodeEnvelope(data);
    } catch (err) {
      expectProtocolError(err, ALLOWED);
      return;
    }
    roundTrip(e);
  },
  properties: (fc) => [fc.property(arbitrary(fc), (e) => roundTrip(e))],
  dictionary: ['\x03\x01', '\x03\x02', '\x03\x03', '\x03\x04', '\x00\x00', '\x00\x05', '\xff\xff', '{}', '{"a":1}', 'null', '[1,2]', '"x"', '1e999', '\xc0\x80'],
};
