import { TokenBucketRateLimiter } from '../../../src/adapters/memory/token-bucket-rate-limiter.adapter';
import { TokenBucketRateLimiterFactory } from '../../../src/adapters/memory/token-bucket-rate-limiter.factory';
import { FakeClock } from '../../fakes/fake-clock';

describe('TokenBucketRateLimiter', () => {
  it('allows a burst of maxPoints, then denies', () => {
    const clock = new FakeClock();
    const l = new TokenBucketRateLimiter(3, 1000, clock);
    expect([l.check('a'), l.check('a'), l.check('a'), l.check('a')]).toEqual([true, true, true, false]);
    // Other ids have their own bucket.
    expect(l.check('b')).toBe(true);
  });

  it('refills continuously: maxPoints per windowMs', () => {
    const clock = new FakeClock();
    const l = new TokenBucketRateLimiter(10, 1000, clock);
    for (let i = 0; i < 10; i++) expect(l.check('a')).toBe(true);
    expect(l.check('a')).toBe(false);
    clock.advance(99);
    expect(l.check('a')).toBe(false);
    clock.advance(1); // 100 ms = one token
    expect(l.check('a')).toBe(true);
    expect(l.check('a')).toBe(false);
    clock.advance(10_000); // never above maxPoints
    for (let i = 0; i < 10; i++) expect(l.check('a')).toBe(true);
    expect(l.check('a')).toBe(false);
  });

  it('honours cost and spends nothing on a denial', () => {
    const l = new TokenBucketRateLimiter(5, 1000, new FakeClock());
    expect(l.check('a', 4)).toBe(true);
    expect(l.check('a', 2)).toBe(false);
    expect(l.check('a', 1)).toBe(true);
  });

  it('reset forgets the id; size counts ids; cleanup drops full buckets only', () => {
    const clock = new FakeClock();
    const l = new TokenBucketRateLimiter(2, 1000, clock);
    l.check('a');
    l.check('b');
    l.check('b');
    expect(l.size()).toBe(2);
    clock.advance(500); // a is full again (1 + 1), b has 1
    l.cleanup();
    expect(l.size()).toBe(1);
    l.reset('b');
    expect(l.size()).toBe(0);
  });

  it('a clock going backwards does not break the bucket', () => {
    const clock = { t: 1000, now() { return this.t; }, monotonicNow() { return this.t; }, setTimeout() {}, setTimeoutWith() {}, clearTimeout() {}, setInterval() {}, clearInterval() {} };
    const l = new TokenBucketRateLimiter(1, 1000, clock);
    expect(l.check('a')).toBe(true);
    clock.t = 0;
    expect(l.check('a')).toBe(false);
    clock.t = 1000;
    expect(l.check('a')).toBe(true);
  });

  it('rejects bad configuration synchronously', () => {
    expect(() => new TokenBucketRateLimiter(0, 1000, new FakeClock())).toThrow(RangeError);
    expect(() => new TokenBucketRateLimiter(1, -1, new FakeClock())).toThrow(RangeError);
    expect(() => new TokenBucketRateLimiter(NaN, 1, new FakeClock())).toThrow(RangeError);
  });

  it('the factory builds independent limiters on one clock', () => {
    const f = new TokenBucketRateLimiterFactory(new FakeClock());
    const a = f.create(1, 1000);
    const b = f.create(1, 1000);
    expect(a.check('x')).toBe(true);
    expect(b.check('x')).toBe(true);
    expect(a.check('x')).toBe(false);
  });
});
