import fc from 'fast-check';
import { decodeUtf8 } from '../../../src/adapters/codec/utf8';
import { StelarErrorCode } from '../../../src/domain/errors';

const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What the strict decoder must do: the fatal TextDecoder's answer, or INVALID_UTF8. */
function reference(bytes: Uint8Array): string | 'INVALID' {
  try {
    return fatal.decode(bytes);
  } catch {
    return 'INVALID';
  }
}

function actual(bytes: Uint8Array): string | 'INVALID' {
  try {
    return decodeUtf8(bytes);
  } catch (err) {
    expect((err as { code?: string }).code).toBe(StelarErrorCode.InvalidUtf8);
    return 'INVALID';
  }
}

describe('decodeUtf8 (strict)', () => {
  // The Node fast path only applies to Buffers: test both kinds of input.
  const kinds: [string, (b: Uint8Array) => Uint8Array][] = [
    ['Buffer', (b) => Buffer.from(b)],
    ['Uint8Array', (b) => Uint8Array.from(b)],
  ];

  for (const [kind, wrap] of kinds) {
    describe(kind, () => {
      it.each([
        ['overlong', [0xc0, 0xaf]],
        ['surrogate', [0xed, 0xa0, 0x80]],
        ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
        ['truncated', [0x61, 0xe2, 0x82]],
        ['lone continuation', [0x80]],
        ['0xff', [0x22, 0xff, 0x22]],
      ])('rejects %s', (_name, bytes) => {
        expect(actual(wrap(Uint8Array.from(bytes)))).toBe('INVALID');
      });

      it('accepts a real U+FFFD and keeps a BOM', () => {
        expect(actual(wrap(Buffer.from('a\uFFFDb')))).toBe('a\uFFFDb');
        expect(actual(wrap(Buffer.from('\uFEFF{}')))).toBe('\uFEFF{}');
        // U+FFFD next to an invalid sequence is still invalid.
        expect(actual(wrap(Uint8Array.from([0xef, 0xbf, 0xbd, 0xff])))).toBe('INVALID');
      });

      it('agrees with the fatal TextDecoder on arbitrary bytes and strings', () => {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
            expect(actual(wrap(bytes))).toBe(reference(bytes));
          }),
          { numRuns: 2000 },
        );
        fc.assert(
          fc.property(fc.string({ unit: 'binary', maxLength: 32 }), (s) => {
            const bytes = Buffer.from(s, 'utf8');
            expect(actual(wrap(bytes))).toBe(reference(bytes));
          }),
          { numRuns: 500 },
        );
      });

      it('decodes a subarray view, not the whole underlying buffer', () => {
        const whole = wrap(Buffer.from('xx{"a":1}yy'));
        expect(decodeUtf8(whole.subarray(2, 9))).toBe('{"a":1}');
      });
    });
  }

  describe('the cache of short inputs (names repeat)', () => {
    it('a buffer changed in place after a decode decodes to its new text', () => {
      const chunk = Buffer.from('echo');
      expect(decodeUtf8(chunk)).toBe('echo');
      chunk[0] = 0x65 + 1; // 'f'
      expect(decodeUtf8(chunk)).toBe('fcho');
      chunk.write('echo');
      expect(decodeUtf8(chunk)).toBe('echo');
    });

    it('more distinct names than entries, decoded twice over in two orders, are all right', () => {
      const names = Array.from({ length: 300 }, (_, i) => `ev-${i}-${'é'.repeat(i % 5)}`);
      for (const order of [names, [...names].reverse(), names]) {
        for (const n of order) expect(decodeUtf8(Buffer.from(n, 'utf8'))).toBe(n);
      }
    });

    it('invalid short input throws every time (never cached), valid input of the same length still decodes', () => {
      const bad = Uint8Array.of(0x61, 0xc3);
      for (let i = 0; i < 3; i++) expect(actual(bad)).toBe('INVALID');
      expect(decodeUtf8(Uint8Array.of(0x61, 0x62))).toBe('ab');
      expect(actual(bad)).toBe('INVALID');
    });
  });
});
