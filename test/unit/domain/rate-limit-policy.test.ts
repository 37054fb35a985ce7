import { RateLimitPolicy } from '../../../src/domain/rate-limit-policy.service';
import { CountingRateLimiter, DeferredRateLimiter, FakeRateLimiterFactory } from '../../fakes/fake-rate-limiter';

describe('RateLimitPolicy', () => {
  it('uses the built-in global bucket with defaults 100/1000', () => {
    const f = new FakeRateLimiterFactory();
    const p = new RateLimitPolicy(f);
    expect(f.made.map((m) => [m.maxPoints, m.windowMs])).toEqual([[100, 1000]]);
    expect(p.check('a', 'chat')).toBe(true);
    expect(f.made[0].limiter.checks).toEqual([{ id: 'a', cost: undefined }]);
    expect(p.enabled).toBe(true);
  });

  it('precedence: per-client override > per-event > global', () => {
    const f = new FakeRateLimiterFactory();
    const p = new RateLimitPolicy(f, {
      rateLimit: { maxPoints: 2, windowMs: 1000 },
      eventRateLimits: { chat: { maxPoints: 1, windowMs: 1000 } },
    });
    const [global, chat] = f.made.map((m) => m.limiter);
    // Event with a limit: only the event bucket decides (keyed per client and event).
    expect(p.check('a', 'chat')).toBe(true);
    expect(p.check('a', 'chat')).toBe(false);
    expect(chat.checks.map((c) => c.id)).toEqual(['a\u0000chat', 'a\u0000chat']);
    expect(global.checks).toEqual([]);
    // Other client, same event: its own bucket.
    expect(p.check('b', 'chat')).toBe(true);
    // Event without a limit: the global bucket.
    expect(p.check('a', 'move')).toBe(true);
    expect(global.checks.map((c) => c.id)).toEqual(['a']);
    // A client override beats both.
    p.setClientLimit('a', { maxPoints: 5, windowMs: 1000 });
    const own = f.made[2].limiter;
    expect(p.check('a', 'chat')).toBe(true);
    expect(p.check('a', 'move')).toBe(true);
    expect(own.checks.map((c) => c.id)).toEqual(['a', 'a']);
    expect(chat.checks).toHaveLength(3);
    expect(p.removeClientLimit('a')).toBe(true);
    expect(p.check('a', 'chat')).toBe(false); // back to the (exhausted) event bucket
  });

  it('a custom limiter replaces the built-in global bucket', () => {
    const f = new FakeRateLimiterFactory();
    const custom = new CountingRateLimiter(1);
    const p = new RateLimitPolicy(f, { customRateLimiter: custom, eventRateLimits: { e: { maxPoints: 9, windowMs: 1 } } });
    const builtIn = f.made[0].limiter;
    expect(p.check('a', 'x')).toBe(true);
    expect(p.check('a', 'x')).toBe(false);
    expect(custom.checks).toHaveLength(2);
    expect(builtIn.checks).toHaveLength(0);
    // per-event still wins over the custom limiter
    expect(p.check('a', 'e')).toBe(true);
    expect(custom.checks).toHaveLength(2);
  });

  it('rateLimit: false disables the global bucket but not per-event or per-client limits', () => {
    const f = new FakeRateLimiterFactory();
    const p = new RateLimitPolicy(f, { rateLimit: false, eventRateLimits: { e: { maxPoints: 1, windowMs: 1000 } } });
    for (let i = 0; i < 500; i++) expect(p.check('a', 'free')).toBe(true);
    expect(p.check('a', 'e')).toBe(true);
    expect(p.check('a', 'e')).toBe(false);
    p.setClientLimit('b', { maxPoints: 1, windowMs: 1000 });
    expect(p.check('b')).toBe(true);
    expect(p.check('b')).toBe(false);
    p.configure({ eventRateLimits: {} });
    p.removeClientLimit('b');
    expect(p.enabled).toBe(false);
  });

  it('returns a Promise only when the deciding limiter is async', async () => {
    const custom = new DeferredRateLimiter();
    const p = new RateLimitPolicy(new FakeRateLimiterFactory(), {
      customRateLimiter: custom,
      eventRateLimits: { sync: { maxPoints: 5, windowMs: 1000 } },
    });
    expect(p.check('a', 'sync')).toBe(true);
    const r = p.check('a', 'x');
    expect(r).toBeInstanceOf(Promise);
    custom.answer(false);
    await expect(r).resolves.toBe(false);
  });

  it('set/removeEventLimit work live; reset forgets every bucket of the client', async () => {
    const f = new FakeRateLimiterFactory();
    const custom = new CountingRateLimiter();
    const p = new RateLimitPolicy(f, { customRateLimiter: custom });
    p.setEventLimit('voice', { maxPoints: 1, windowMs: 1000 });
    const voice = f.made[1].limiter;
    expect(p.hasEventLimit('voice')).toBe(true);
    p.check('a', 'voice');
    p.setClientLimit('a', { maxPoints: 3, windowMs: 1000 });
    await p.reset('a');
    expect(voice.resets).toEqual(['a\u0000voice']);
    expect(f.made[0].limiter.resets).toEqual(['a']);
    expect(custom.resets).toEqual(['a']);
    expect(p.hasClientLimit('a')).toBe(false);
    expect(p.removeEventLimit('voice')).toBe(true);
    expect(p.removeEventLimit('voice')).toBe(false);
  });

  it('size and cleanup cover every limiter, sync or async', async () => {
    const f = new FakeRateLimiterFactory();
    const p = new RateLimitPolicy(f, { eventRateLimits: { e: { maxPoints: 5, windowMs: 1000 } } });
    p.check('a');
    p.check('b', 'e');
    expect(p.size()).toBe(2);
    expect(p.cleanup()).toBeUndefined();
    expect(f.made.every((m) => m.limiter.cleanups === 1)).toBe(true);
    const custom = new DeferredRateLimiter();
    custom.entries = 7;
    p.configure({ customRateLimiter: custom });
    await expect(p.size()).resolves.toBe(9);
    await p.cleanup();
    expect(custom.cleanups).toBe(1);
  });

  it('validates limits synchronously', () => {
    const f = new FakeRateLimiterFactory();
    expect(() => new RateLimitPolicy(f, { rateLimit: { maxPoints: 0 } })).toThrow(RangeError);
    expect(() => new RateLimitPolicy(f, { eventRateLimits: { e: { maxPoints: 1, windowMs: -5 } } })).toThrow(RangeError);
    const p = new RateLimitPolicy(f);
    expect(() => p.setClientLimit('', { maxPoints: 1, windowMs: 1 })).toThrow(TypeError);
    expect(() => p.setEventLimit('e', null as never)).toThrow(TypeError);
    expect(() => p.configure({ customRateLimiter: {} as never })).toThrow(TypeError);
    // a failed configure left the policy usable
    expect(p.check('a')).toBe(true);
  });
});
