import { RateLimitPolicy } from '../../../src/domain/rate-limit-policy.service';
import { TokenBucketRateLimiterFactory } from '../../../src/adapters/memory/token-bucket-rate-limiter.factory';
import { FakeClock } from '../../fakes/fake-clock';

describe('RateLimitPolicy over the built-in token buckets', () => {
  it('global, per-event and per-client buckets are independent and refill with the clock', () => {
    const clock = new FakeClock();
    const p = new RateLimitPolicy(new TokenBucketRateLimiterFactory(clock), {
      rateLimit: { maxPoints: 3, windowMs: 1000 },
      eventRateLimits: { chat: { maxPoints: 1, windowMs: 1000 } },
    });
    expect(p.check('a', 'chat')).toBe(true);
    expect(p.check('a', 'chat')).toBe(false);
    // the global bucket is untouched by chat
    expect([p.check('a', 'x'), p.check('a', 'x'), p.check('a', 'x'), p.check('a', 'x')]).toEqual([true, true, true, false]);
    p.setClientLimit('a', { maxPoints: 10, windowMs: 1000 });
    expect(p.check('a', 'x')).toBe(true);
    p.removeClientLimit('a');
    clock.advance(1000);
    expect(p.check('a', 'chat')).toBe(true);
    expect(p.size()).toBe(2); // a's global bucket and a's chat bucket
    p.reset('a');
    expect(p.size()).toBe(0);
  });
});
