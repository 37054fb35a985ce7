'use strict';
// TcpBinaryCodec.decode on arbitrary frame bodies (type byte first, no length prefix).
// Invariants: only documented protocol errors; decode(encode(decode(x))) = decode(x); and the
// encoded frame's 4-byte length prefix matches its size.
const { dist, check, expectProtocolError, sameMessage, show } = require('../lib/invariants');
const { arbitraries } = require('../lib/messages');

const { TcpBinaryCodec } = dist('adapters/codec/tcp-binary.codec.js');
const codec = new TcpBinaryCodec();

function roundTrip(m) {
  const out = codec.encode(m);
  const frame = out.payload;
  const declared = ((frame[0] << 24) | (frame[1] << 16) | (frame[2] << 8) | frame[3]) >>> 0;
  check(declared === frame.length - 4, () => `length prefix ${declared} for a ${frame.length}-byte frame`);
  const again = codec.decode(frame.subarray(4), true);
  check(sameMessage(m, again), () => `decode(encode(x)) != x: ${show(m)} -> ${show(again)}`);
}

module.exports = {
  maxLen: 2048,
  fuzz(data) {
    let m;
    try {
      m = codec.decode(data, true);
    } catch (err) {
      expectProtocolError(err);
      return;
    }
    roundTrip(m);
  },
  properties: (fc) => [fc.property(arbitraries(fc), (m) => roundTrip(m))],
  dictionary: ['\x00\x00', '\x00\x04', '\xff\xff', '{"ack":', '"id":', '"data":', '"error":', '"code":', '"reason":', '"ok":', '"message":', '"v":', '"headers":', '"maxPayloadSize":', '"heartbeatInterval":', 'null', 'true', '1e999', '-0', '4294967296', '\x00meta', '{"name":"f"}', '\xc0\x80', '\xed\xa0\x80'],
};
