/**
 * RFC 6455 §5.3 masking, shared by the receiver (unmask) and the client-side sender (mask).
 * A masking key is handled as one 32-bit number whose byte j (bits 8j..8j+7) is the key's j-th
 * octet, so the receiver keeps it in a field instead of a 4-byte Buffer view per frame.
 */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The 4 octets `key[at..at+3]` as a key number. */
export function maskKeyOf(key: Uint8Array, at = 0): number {
  return (key[at] | (key[at + 1] << 8) | (key[at + 2] << 16) | (key[at + 3] << 24)) >>> 0;
}

/**
 * XORs `data` in place with the masking key (RFC 6455 §5.3). `offset`: how many payload bytes of
 * this frame were unmasked before (streamed frames). Works a 32-bit word at a time on the aligned
 * middle of the buffer: a byte loop is the parser's hottest spot otherwise.
 */
export function unmaskWithKey(data: Uint8Array, key: number, offset = 0): void {
  const len = data.length;
  const o = offset & 3;
  let i = 0;
  if (len >= 32 && LITTLE_ENDIAN) {
    const head = (4 - (data.byteOffset & 3)) & 3;
    for (; i < head; i++) data[i] ^= key >>> (((i + o) & 3) << 3);
    const words = (len - head) >>> 2;
    // The word starting at payload index head + o begins with key octet (head + o) & 3.
    const r = ((head + o) & 3) << 3;
    const m = r === 0 ? key >>> 0 : ((key >>> r) | (key << (32 - r))) >>> 0;
    const view = new Uint32Array(data.buffer, data.byteOffset + head, words);
    for (let w = 0; w < words; w++) view[w] ^= m;
    i = head + (words << 2);
  }
  // Uint8Array stores keep the low 8 bits: no `& 0xff` needed.
  for (; i < len; i++) data[i] ^= key >>> (((i + o) & 3) << 3);
}

/** {@link unmaskWithKey} with the key as its 4 octets. */
export function unmask(data: Uint8Array, mask: Uint8Array, offset = 0): void {
  unmaskWithKey(data, maskKeyOf(mask), offset);
}
