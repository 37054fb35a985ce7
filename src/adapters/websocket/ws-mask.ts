/**
 * RFC 6455 §5.3 masking, shared by the receiver (unmask) and the client-side sender (mask).
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * XORs `data` in place with the 4-byte masking key (RFC 6455 §5.3). Works a 32-bit word at a
 * time on the aligned middle of the buffer: a byte loop is the parser's hottest spot otherwise.
 */
export function unmask(data: Buffer, mask: Buffer, offset = 0): void {
  const len = data.length;
  // `offset`: how many payload bytes of this frame were unmasked before (streamed frames).
  const o = offset & 3;
  let i = 0;
  if (len >= 32 && LITTLE_ENDIAN) {
    const head = (4 - (data.byteOffset & 3)) & 3;
    for (; i < head; i++) data[i] ^= mask[(i + o) & 3];
    const words = (len - head) >>> 2;
    const k = head + o;
    const m = (mask[k & 3] | (mask[(k + 1) & 3] << 8) | (mask[(k + 2) & 3] << 16) | (mask[(k + 3) & 3] << 24)) >>> 0;
    const view = new Uint32Array(data.buffer, data.byteOffset + head, words);
    for (let w = 0; w < words; w++) view[w] ^= m;
    i = head + (words << 2);
  }
  for (; i < len; i++) data[i] ^= mask[(i + o) & 3];
}
