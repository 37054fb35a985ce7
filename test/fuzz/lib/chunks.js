'use strict';
// Splits a byte string into chunks chosen by `key`, so a parser can be fed the same bytes as
// one chunk and as many (its result must not depend on how the socket cut the stream).
const { prng } = require('../engine/mutator');

/** Chunk boundaries for `length` bytes: 1-byte chunks, or random sizes up to 2^(key&7). */
function split(buf, key) {
  const out = [];
  if (key === 0) {
    for (let i = 0; i < buf.length; i++) out.push(Buffer.from(buf.subarray(i, i + 1)));
    return out;
  }
  const r = prng(key * 2654435761);
  const span = 1 << (1 + (key & 7));
  for (let i = 0; i < buf.length; ) {
    const n = 1 + r.below(span);
    out.push(Buffer.from(buf.subarray(i, i + n)));
    i += n;
  }
  return out;
}

module.exports = { split };
