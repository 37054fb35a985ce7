import fc from 'fast-check';
import { isReservedEvent, nameProblem, utf8Length } from '../../../src/domain/name-validation';

describe('name validation', () => {
  it('utf8Length matches TextEncoder, including surrogate pairs and lone surrogates', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b', '\ud800', '\udc00x', 'x\ud800']) {
      expect(utf8Length(s)).toBe(new TextEncoder().encode(s).byteLength);
    }
  });

  it('accepts 1..255 UTF-8 bytes without NUL', () => {
    expect(nameProblem('chat')).toBeNull();
    expect(nameProblem('a'.repeat(255))).toBeNull();
    expect(nameProblem('😀'.repeat(63))).toBeNull(); // 252 bytes
    expect(nameProblem('a'.repeat(256))).toMatch(/longer than 255/);
    expect(nameProblem('😀'.repeat(64))).toMatch(/longer than 255/);
    expect(nameProblem('')).toMatch(/non-empty/);
    expect(nameProblem(5)).toMatch(/non-empty/);
    expect(nameProblem('a\0')).toMatch(/NUL/);
    // Lone surrogates have no UTF-8 form (they would be echoed as U+FFFD): refused; pairs pass.
    for (const lone of ['\ud800', 'a\udc00b', 'x\ud83d', '\ude00\ud83d']) expect(nameProblem(lone)).toMatch(/lone surrogate/);
    expect(nameProblem('\ud83d\ude00')).toBeNull();
  });

  it('knows the reserved events', () => {
    for (const e of ['connect', 'disconnect', 'reconnecting', 'reconnect_failed', 'error']) expect(isReservedEvent(e)).toBe(true);
    expect(isReservedEvent('chat')).toBe(false);
  });

  it('the one-pass check of short names says what the rule says (NUL before lone surrogate)', () => {
    // The rule written out plainly: the long-name path and the one-pass short path must agree.
    const reference = (name: string): string | null => {
      if (name.length === 0) return 'name must be a non-empty string';
      if (new TextEncoder().encode(name).byteLength > 255 && utf8Length(name) > 255) return 'name longer than 255 bytes';
      if (name.includes('\0')) return 'name contains NUL';
      if (!(name as string & { isWellFormed?: () => boolean }).isWellFormed?.() && /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(name)) {
        return 'name contains a lone surrogate';
      }
      return null;
    };
    const unit = fc.constantFrom('a', 'Z', '\0', '\ud800', '\udbff', '\udc00', '\udfff', 'é', '😀', '\u0080', '-');
    fc.assert(
      fc.property(fc.array(unit, { minLength: 0, maxLength: 120 }), (units) => {
        const name = units.join('');
        expect(nameProblem(name)).toBe(reference(name));
      }),
      { numRuns: 3000 },
    );
  });
});
