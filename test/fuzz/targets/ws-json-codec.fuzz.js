'use strict';
// WsJsonCodec.decode on arbitrary WebSocket message bodies (text and binary). Invariants: only
// documented protocol errors; whatever decodes re-encodes to a message that decodes equal.
const { dist, check, expectProtocolError, sameMessage, show } = require('../lib/invariants');
const { arbitraries } = require('../lib/messages');

const { WsJsonCodec } = dist('adapters/codec/ws-json.codec.js');
const codec = new WsJsonCodec();

function roundTrip(m) {
  const out = codec.encode(m);
  const again = codec.decode(out.payload, out.binary);
  check(sameMessage(m, again), () => `decode(encode(x)) != x: ${show(m)} -> ${show(again)}`);
}

module.exports = {
  maxLen: 2048,
  // Byte 0 picks the frame kind (even: text, odd: binary); the rest is the message body.
  fuzz(data) {
    if (data.length === 0) return;
    const binary = (data[0] & 1) === 1;
    let m;
    try {
      m = codec.decode(data.subarray(1), binary);
    } catch (err) {
      expectProtocolError(err);
      return;
    }
    roundTrip(m);
  },
  properties: (fc) => [fc.property(arbitraries(fc), (m) => roundTrip(m))],
  dictionary: ['{"t":', '"e":', '"d":', '"a":', '"i":', '"x":', '"v":', '"c":', '"r":', '"room":', '"ok":', '"code":', '"message":', '"headers":', '"id":', '"maxPayloadSize":', '"heartbeatInterval":', 'true', 'false', 'null', '1e999', '-0', '4294967296', '9007199254740993', '"\\u0000"', '"\\ud800"', '"__proto__"', '"constructor"', '\x00', '\xc0\x80', '\xed\xa0\x80', '\xf4\x90\x80\x80'],
};
