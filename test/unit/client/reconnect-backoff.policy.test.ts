import fc from 'fast-check';
import { backoffCeiling, fullJitterDelay, resolveReconnectDelay } from '../../../src/domain/client/reconnect-backoff.policy';

describe('reconnect backoff', () => {
  it('doubles the ceiling per attempt from the base, attempts numbered from 1', () => {
    expect([1, 2, 3, 4].map((a) => backoffCeiling(a, 1000, 30000))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('caps the ceiling at maxDelay, even for huge attempt numbers', () => {
    expect(backoffCeiling(6, 1000, 30000)).toBe(30000);
    expect(backoffCeiling(5000, 1000, 30000)).toBe(30000);
  });

  it('full jitter spans [0, ceiling): random 0 gives 0, random just below 1 gives ceiling - 1', () => {
    expect(fullJitterDelay(3, 1000, 30000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 1000, 30000, () => 0.999999)).toBe(3999);
    expect(fullJitterDelay(3, 1000, 30000, () => 0.5)).toBe(2000);
  });

  it('property: every jittered delay is an integer within [0, min(max, base*2^(n-1)))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 10000 }),
        fc.integer({ min: 1, max: 120000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, base, max, r) => {
          const d = fullJitterDelay(attempt, base, max, () => r);
          const ceil = Math.min(max, base * 2 ** (attempt - 1));
          return Number.isInteger(d) && d >= 0 && d < Math.max(ceil, 1) && d <= max;
        },
      ),
    );
  });

  it('with Math.random the delays are spread (jitter is real), never above the cap', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const d = fullJitterDelay(10, 1000, 30000);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(30000);
      seen.add(d);
    }
    expect(seen.size).toBeGreaterThan(50);
  });

  it('customReconnectDelay replaces the default and receives (attempt, base, max)', () => {
    const calls: number[][] = [];
    const d = resolveReconnectDelay({
      attempt: 4,
      baseDelay: 100,
      maxDelay: 900,
      random: () => 0.5,
      custom: (a, b, m) => {
        calls.push([a, b, m]);
        return 1234;
      },
    });
    expect(d).toBe(1234);
    expect(calls).toEqual([[4, 100, 900]]);
  });

  it('the onReconnectDelay hook sees the default (custom or jitter) and wins over it', () => {
    const seen: unknown[] = [];
    const d = resolveReconnectDelay({
      attempt: 2,
      baseDelay: 1000,
      maxDelay: 30000,
      random: () => 0.5,
      custom: () => 777,
      hook: (info) => {
        seen.push(info);
        return 42;
      },
    });
    expect(seen).toEqual([{ attempt: 2, defaultDelay: 777 }]);
    expect(d).toBe(42);
    // elapsed 1000: attempt 2 at the start of its window [1, 3) s, as full jitter from now.
    expect(resolveReconnectDelay({ attempt: 2, baseDelay: 1000, maxDelay: 30000, elapsed: 1000, random: () => 0.5, hook: (i) => i.defaultDelay + 1 })).toBe(1001);
  });

  it('a hook returning nothing keeps the default', () => {
    expect(resolveReconnectDelay({ attempt: 1, baseDelay: 1000, maxDelay: 30000, random: () => 0.25, hook: () => undefined })).toBe(250);
  });

  it('unusable user values (NaN, negative, throwing) fall back and report the error', () => {
    const errors: unknown[] = [];
    const base = { attempt: 1, baseDelay: 1000, maxDelay: 30000, random: () => 0.5 };
    expect(resolveReconnectDelay({ ...base, custom: () => NaN })).toBe(500);
    expect(resolveReconnectDelay({ ...base, custom: () => -5, hook: () => -1 })).toBe(500);
    expect(
      resolveReconnectDelay(
        {
          ...base,
          custom: () => {
            throw new Error('boom');
          },
          hook: () => {
            throw new Error('bang');
          },
        },
        (e) => errors.push(e),
      ),
    ).toBe(500);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'bang']);
  });
});
