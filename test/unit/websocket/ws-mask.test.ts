import { maskKeyOf, unmask, unmaskWithKey } from '../../../src/adapters/websocket/ws-mask';

/** RFC 6455 §5.3 literally: octet i is XORed with key octet (i + offset) mod 4. */
function naive(data: Uint8Array, key: Uint8Array, offset: number): Uint8Array {
  const out = Uint8Array.from(data);
  for (let i = 0; i < out.length; i++) out[i] ^= key[(i + offset) % 4];
  return out;
}

/** Deterministic bytes (a small LCG) so a failure reproduces. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('WebSocket masking (ws-mask)', () => {
  it('keeps the key octets in order: byte j of the key number is octet j', () => {
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
    expect(maskKeyOf(key)).toBe(0x3d21fa37);
    expect(maskKeyOf(Uint8Array.of(9, 0x37, 0xfa, 0x21, 0x3d), 1)).toBe(0x3d21fa37);
    expect(maskKeyOf(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toBe(0xffffffff);
  });

  it('masks the RFC 6455 §5.7 example ("Hello" with key 37 fa 21 3d)', () => {
    const data = Buffer.from('Hello');
    unmask(data, Uint8Array.of(0x37, 0xfa, 0x21, 0x3d));
    expect([...data]).toEqual([0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  });

  it('matches the definition for every length, alignment and stream offset (word and byte paths)', () => {
    const keys = [Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0x80, 1, 0xfe, 0x7f), Uint8Array.of(0xff, 0xff, 0xff, 0xff), bytes(4, 7)];
    for (const key of keys) {
      for (const len of [0, 1, 3, 4, 5, 31, 32, 33, 64, 65, 127, 1000]) {
        for (let align = 0; align < 4; align++) {
          for (let offset = 0; offset < 6; offset++) {
            const src = bytes(len, len * 31 + align * 7 + offset);
            const backing = new Uint8Array(len + align);
            const data = backing.subarray(align, align + len);
            data.set(src);
            unmaskWithKey(data, maskKeyOf(key), offset);
            expect(Buffer.from(data).equals(Buffer.from(naive(src, key, offset)))).toBe(true);
          }
        }
      }
    }
  });

  it('is its own inverse', () => {
    const src = bytes(4099, 42);
    const data = Uint8Array.from(src);
    const key = maskKeyOf(bytes(4, 3));
    unmaskWithKey(data, key, 2);
    expect(Buffer.from(data).equals(Buffer.from(src))).toBe(false);
    unmaskWithKey(data, key, 2);
    expect(Buffer.from(data).equals(Buffer.from(src))).toBe(true);
  });
});
