'use strict';
// Benchmark payloads: a fixed-size ASCII string that starts with '#' and an 8-digit sequence
// number, so every client can recover the sequence with indexOf + 8 digit reads (no JSON.parse
// on the driver's hot path, which shares the CPU with the servers).

const HASH = 0x23; // '#'

/** A `size`-byte string carrying `seq` (size >= 9). */
function makePayload(seq, size) {
  const head = '#' + String(seq).padStart(8, '0');
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

/** Sequence number carried by a Buffer/Uint8Array or string holding a payload; -1 if none. */
function seqOf(msg) {
  if (typeof msg === 'string') {
    const i = msg.indexOf('#');
    if (i < 0 || i + 9 > msg.length) return -1;
    let n = 0;
    for (let k = i + 1; k < i + 9; k++) n = n * 10 + (msg.charCodeAt(k) - 48);
    return n;
  }
  const buf = msg;
  const i = buf.indexOf(HASH);
  if (i < 0 || i + 9 > buf.length) return -1;
  let n = 0;
  for (let k = i + 1; k < i + 9; k++) n = n * 10 + (buf[k] - 48);
  return n;
}

module.exports = { makePayload, seqOf };
