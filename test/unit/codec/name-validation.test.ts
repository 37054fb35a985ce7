import {
  assertEmittableEvent,
  assertValidName,
  isReservedEvent,
  isValidName,
  nameProblem,
} from '../../../src/adapters/codec/name-validation';
import { StelarErrorCode as E, StelarError } from '../../../src/domain/errors';
import { utf8Length } from '../../../src/adapters/codec/utf8';

describe('name validation', () => {
  it('accepts names up to 255 UTF-8 bytes', () => {
    expect(isValidName('a')).toBe(true);
    expect(isValidName('x'.repeat(255))).toBe(true);
    expect(isValidName('é'.repeat(127))).toBe(true); // 254 bytes
    expect(isValidName('🚀'.repeat(63))).toBe(true); // 252 bytes
  });

  it('rejects empty, too long (in bytes, not characters), NUL and non-strings', () => {
    expect(nameProblem('')).toMatch(/empty/);
    expect(nameProblem('x'.repeat(256))).toMatch(/255/);
    expect(nameProblem('é'.repeat(128))).toMatch(/255/); // 128 characters, 256 bytes
    expect(nameProblem('a\0b')).toMatch(/NUL/);
    expect(nameProblem(5)).toMatch(/string/);
    expect(nameProblem(undefined)).toMatch(/string/);
  });

  it('knows the reserved names', () => {
    for (const n of ['connect', 'disconnect', 'reconnecting', 'reconnect_failed', 'error']) {
      expect(isReservedEvent(n)).toBe(true);
    }
    expect(isReservedEvent('chat')).toBe(false);
  });

  it('assertValidName throws INVALID_EVENT_NAME', () => {
    expect(() => assertValidName('', 'room name')).toThrow(/Invalid room name/);
    try {
      assertValidName('a\0');
    } catch (err) {
      expect(err).toBeInstanceOf(StelarError);
      expect((err as StelarError).code).toBe(E.InvalidEventName);
    }
    expect(() => assertValidName('ok')).not.toThrow();
  });

  it('assertEmittableEvent also rejects reserved names', () => {
    expect(() => assertEmittableEvent('chat')).not.toThrow();
    let err: unknown;
    try {
      assertEmittableEvent('disconnect');
    } catch (e) {
      err = e;
    }
    expect((err as StelarError).code).toBe(E.ReservedEventName);
    expect(() => assertEmittableEvent('')).toThrow(/Invalid event name/);
  });

  it('utf8Length counts bytes like Buffer.byteLength', () => {
    for (const s of ['', 'a', 'é', '€', '🚀', 'a\ud800b', '\udc00']) {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s));
    }
  });
});
