'use strict';
// Byte-level mutations in the style of libFuzzer's MutationDispatcher: bit and byte flips,
// "interesting" integers written in both byte orders (length fields!), inserted, erased and
// duplicated ranges, crossover with another corpus entry, and dictionary tokens. A seeded PRNG
// keeps a run reproducible from its seed.

const INTERESTING_8 = [0, 1, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff, 125, 126, 127, 16, 32, 64, 100];
const INTERESTING_16 = [0, 1, 125, 126, 127, 128, 255, 256, 1000, 1024, 4095, 4096, 4097, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_32 = [0, 1, 3, 4, 255, 4096, 65535, 65536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** xorshift32: small, fast, deterministic. */
function prng(seed) {
  let s = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  /** An integer in [0, n). */
  next.below = (n) => (n <= 0 ? 0 : next() % n);
  return next;
}

class Mutator {
  /**
   * @param {number} seed
   * @param {Buffer[]} dictionary tokens (may be empty)
   * @param {number} maxLen longest input produced
   */
  constructor(seed, dictionary, maxLen) {
    this.rand = prng(seed);
    this.dictionary = dictionary;
    this.maxLen = maxLen;
  }

  /** A mutated copy of `input`; `other` is another corpus entry for crossover. */
  mutate(input, other) {
    const r = this.rand;
    let data = Buffer.from(input);
    const rounds = 1 + r.below(r.below(2) === 0 ? 2 : 8);
    for (let k = 0; k < rounds; k++) data = this.once(data, other);
    if (data.length > this.maxLen) data = data.subarray(0, this.maxLen);
    return data;
  }

  once(data, other) {
    const r = this.rand;
    const len = data.length;
    switch (r.below(len === 0 ? 3 : 13)) {
      case 0: // insert random bytes
      case 1: {
        const n = 1 + r.below(r.below(4) === 0 ? 64 : 4);
        const ins = Buffer.allocUnsafe(n);
        const fill = r.below(2) === 0 ? -1 : r.below(256);
        for (let i = 0; i < n; i++) ins[i] = fill === -1 ? r.below(256) : fill;
        return splice(data, r.below(len + 1), 0, ins);
      }
      case 2: { // dictionary token (insert or overwrite)
        if (this.dictionary.length === 0) return data;
        const tok = this.dictionary[r.below(this.dictionary.length)];
        const at = r.below(len + 1);
        return r.below(2) === 0 || at + tok.length > len ? splice(data, at, 0, tok) : overwrite(data, at, tok);
      }
      case 3: { // flip a bit
        data[r.below(len)] ^= 1 << r.below(8);
        return data;
      }
      case 4: { // random byte
        data[r.below(len)] = r.below(256);
        return data;
      }
      case 5: { // interesting 8-bit value
        data[r.below(len)] = INTERESTING_8[r.below(INTERESTING_8.length)];
        return data;
      }
      case 6: { // interesting 16-bit value, either byte order
        if (len < 2) return data;
        const at = r.below(len - 1);
        const v = INTERESTING_16[r.below(INTERESTING_16.length)];
        if (r.below(2) === 0) data.writeUInt16BE(v, at);
        else data.writeUInt16LE(v, at);
        return data;
      }
      case 7: { // interesting 32-bit value, either byte order
        if (len < 4) return data;
        const at = r.below(len - 3);
        const v = INTERESTING_32[r.below(INTERESTING_32.length)];
        if (r.below(2) === 0) data.writeUInt32BE(v, at);
        else data.writeUInt32LE(v, at);
        return data;
      }
      case 8: { // add or subtract a small number from a byte
        const at = r.below(len);
        data[at] = (data[at] + (r.below(2) === 0 ? 1 : 255) * (1 + r.below(16))) & 0xff;
        return data;
      }
      case 9: { // erase a range
        const at = r.below(len);
        return splice(data, at, 1 + r.below(Math.min(len - at, 32)), Buffer.alloc(0));
      }
      case 10: { // duplicate a range somewhere
        const at = r.below(len);
        const n = 1 + r.below(Math.min(len - at, 64));
        return splice(data, r.below(len + 1), 0, Buffer.from(data.subarray(at, at + n)));
      }
      case 11: { // crossover: a range of another entry
        if (!other || other.length === 0) return data;
        const at = r.below(other.length);
        const n = 1 + r.below(other.length - at);
        const piece = other.subarray(at, at + n);
        return r.below(2) === 0 ? splice(data, r.below(len + 1), 0, piece) : overwrite(data, r.below(len), piece);
      }
      default: { // truncate
        return data.subarray(0, r.below(len));
      }
    }
  }
}

function splice(data, at, remove, insert) {
  return Buffer.concat([data.subarray(0, at), insert, data.subarray(at + remove)]);
}

function overwrite(data, at, piece) {
  const n = Math.min(piece.length, data.length - at);
  piece.copy(data, at, 0, n);
  return data;
}

module.exports = { Mutator, prng };
