import * as fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { Utf8Validator, isValidUtf8 } from '../../../src/adapters/websocket/utf8-validator';

function validateChunks(chunks: Buffer[]): boolean {
  const v = new Utf8Validator();
  for (const c of chunks) if (!v.push(c)) return false;
  return v.end();
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const sorted = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('Utf8Validator', () => {
  it('agrees with buffer.isUtf8 on arbitrary bytes split anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const buf = Buffer.from(bytes);
        expect(validateChunks(splitAt(buf, cuts))).toBe(isUtf8(buf));
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts any valid string split anywhere, including inside sequences', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (s, cuts) => {
        expect(validateChunks(splitAt(Buffer.from(s, 'utf8'), cuts))).toBe(true);
      }),
      { numRuns: 800 },
    );
  });

  it('rejects overlongs, surrogates and code points above U+10FFFF', () => {
    for (const bad of [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5], [0xff]]) {
      expect(validateChunks([Buffer.from(bad)])).toBe(false);
    }
  });

  it('fails on the first chunk that cannot start valid UTF-8 (fail fast)', () => {
    const v = new Utf8Validator();
    expect(v.push(Buffer.from('κόσμε'))).toBe(true);
    expect(v.push(Buffer.from([0xf4]))).toBe(true); // could still be valid
    expect(v.push(Buffer.from([0x90]))).toBe(false); // F4 90 is above U+10FFFF already
  });

  it('reports a message ending inside a sequence, then resets', () => {
    const v = new Utf8Validator();
    expect(v.push(Buffer.from([0xe2, 0x82]))).toBe(true);
    expect(v.end()).toBe(false);
    expect(v.push(Buffer.from('ok'))).toBe(true);
    expect(v.end()).toBe(true);
  });

  it('isValidUtf8 handles empty input', () => {
    expect(isValidUtf8(Buffer.alloc(0))).toBe(true);
    expect(isValidUtf8(Buffer.from([0x80]))).toBe(false);
  });
});
