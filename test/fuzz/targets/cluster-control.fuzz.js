'use strict';
// decodeControl (the admin control envelope between cluster nodes: DISCONNECT, SESSION_TAKEN) on
// arbitrary bytes. Invariants: it never throws (malformed input is null, ignored); what decodes
// re-encodes to exactly the input bytes (strict UTF-8, reasons ≤ 123 bytes), plus a fast-check
// property over generated commands.
const { dist, check, show } = require('../lib/invariants');

const ctl = dist('adapters/redis/cluster-control.codec.js');

function encode(c) {
  return 'sessionTaken' in c ? ctl.encodeSessionTaken(c.origin, c.sessionTaken) : ctl.encodeDisconnect(c.origin, c.clientId, c.code, c.reason);
}

/** The longest prefix of whole characters within 123 UTF-8 bytes (computed apart from the codec). */
function cutReason(reason) {
  let out = '';
  for (const ch of reason) {
    if (Buffer.byteLength(out + ch) > 123) break;
    out += ch;
  }
  return out;
}

function sameBytes(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

module.exports = {
  maxLen: 1024,
  fuzz(data) {
    const buf = Buffer.from(data);
    const c = ctl.decodeControl(buf); // a throw here is a finding
    if (c === null) return;
    check(ctl.isControlEnvelope(buf), () => `decoded a non-control envelope: ${show(c)}`);
    const again = encode(c);
    check(sameBytes(again, buf), () => `encode(decode(x)) != x for ${show(c)}`);
  },
  properties: (fc) => [
    fc.property(
      fc.oneof(
        fc.record({ origin: fc.string({ unit: 'binary', maxLength: 40 }), clientId: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), code: fc.integer({ min: 0, max: 0xffff }), reason: fc.string({ unit: 'binary', maxLength: 140 }) }),
        fc.record({ origin: fc.string({ unit: 'binary', maxLength: 40 }), sessionTaken: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }) }),
      ),
      (c) => {
        const d = ctl.decodeControl(encode(c));
        check(d !== null, () => `a well-formed command did not decode: ${show(c)}`);
        // The reason is cut to at most 123 bytes on a character boundary; everything else is kept.
        const want = 'reason' in c ? { ...c, reason: cutReason(c.reason) } : c;
        check(JSON.stringify(d) === JSON.stringify(want), () => `decode(encode(x)) != x: ${show(c)} -> ${show(d)}`);
      },
    ),
  ],
  dictionary: ['\x02\x10', '\x01', '\x02', '\x0f\xa1', '\x03\xe8', '\x00\x00', '\xff\xff', 'node-a', '\xc0\x80', '\xed\xa0\x80', '\xe2\x82\xac'],
};
