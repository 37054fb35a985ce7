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
});
