'use strict';
// Engine self-test: a crash behind four nested byte comparisons. Blind random inputs would need
// ~2^32 tries; edge coverage rewards each matched byte, so the engine finds it in seconds.
module.exports = {
  maxLen: 64,
  fuzz(data) {
    if (data.length >= 4 && data[0] === 0x46) {
      if (data[1] === 0x55) {
        if (data[2] === 0x5a) {
          if (data[3] === 0x5a) throw new Error('planted crash reached');
        }
      }
    }
  },
};
