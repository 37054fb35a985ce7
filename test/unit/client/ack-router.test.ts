import { AckRouter, type AckSettler } from '../../../src/domain/ack-router';
import { StelarError, StelarErrorCode } from '../../../src/domain/errors';
import { ClientFakeClock } from '../../fakes/client-fake-clock';

/** A settler that records how it was settled, and counts settlements. */
function recorder(): AckSettler & { calls: { kind: 'ok' | 'err'; value: unknown }[] } {
  const calls: { kind: 'ok' | 'err'; value: unknown }[] = [];
  return {
    calls,
    resolve: (value) => calls.push({ kind: 'ok', value }),
    reject: (value) => calls.push({ kind: 'err', value }),
  };
}

describe('AckRouter', () => {
  let clock: ClientFakeClock;
  let router: AckRouter;
  beforeEach(() => {
    clock = new ClientFakeClock();
    router = new AckRouter(clock, 1000);
  });

  it('gives distinct increasing ids and resolves each with its own answer (concurrency)', async () => {
    const reqs = Array.from({ length: 50 }, () => router.request<number>());
    const ids = reqs.map((r) => r.id);
    expect(new Set(ids).size).toBe(50);
    // answer in reverse order: correlation is by id, not by arrival
    for (const r of [...reqs].reverse()) expect(router.resolve(r.id, r.id * 10)).toBe(true);
    await expect(Promise.all(reqs.map((r) => r.promise))).resolves.toEqual(ids.map((i) => i * 10));
    expect(router.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('times out through the Clock with STELAR_ERR_ACK_TIMEOUT and releases the entry', async () => {
    const { id, promise } = router.request(500, 'request "x"');
    clock.advance(499);
    expect(router.has(id)).toBe(true);
    clock.advance(1);
    await expect(promise).rejects.toMatchObject({ code: StelarErrorCode.AckTimeout, message: 'request "x" timed out after 500 ms' });
    expect(router.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('uses the default timeout, and setDefaultTimeout affects only later requests', () => {
    const a = recorder();
    router.register(a);
    router.setDefaultTimeout(3000);
    const b = recorder();
    router.register(b);
    clock.advance(1000);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    clock.advance(2000);
    expect(b.calls).toHaveLength(1);
  });

  it('ignores a late answer after the timeout (settled exactly once)', () => {
    const s = recorder();
    const id = router.register(s, 100);
    clock.advance(100);
    expect(router.resolve(id, 'late')).toBe(false);
    expect(router.reject(id, new Error('late'))).toBe(false);
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0].kind).toBe('err');
  });

  it('an answer clears the timer: no timeout afterwards', () => {
    const s = recorder();
    const id = router.register(s, 100);
    router.resolve(id, 1);
    clock.advance(1000);
    expect(s.calls).toEqual([{ kind: 'ok', value: 1 }]);
  });

  it('an error answer rejects only that request', () => {
    const a = recorder();
    const b = recorder();
    const ia = router.register(a);
    router.register(b);
    router.reject(ia, new Error('server says no'));
    expect(a.calls).toEqual([{ kind: 'err', value: new Error('server says no') }]);
    expect(b.calls).toEqual([]);
    expect(router.size).toBe(1);
  });

  it('rejectAll settles every pending request once (disconnect), and can keep some', () => {
    const ss = [recorder(), recorder(), recorder()];
    const ids = ss.map((s) => router.register(s));
    const err = new StelarError(StelarErrorCode.Disconnected, 'gone');
    expect(router.rejectAll(err, (id) => id === ids[1])).toBe(2);
    expect(ss.map((s) => s.calls.length)).toEqual([1, 0, 1]);
    expect(router.rejectAll(err)).toBe(1);
    expect(router.rejectAll(err)).toBe(0);
    expect(ss.map((s) => s.calls.length)).toEqual([1, 1, 1]);
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(ss.map((s) => s.calls.length)).toEqual([1, 1, 1]);
  });

  it('unknown ids are ignored, never thrown', () => {
    expect(router.resolve(12345, 'x')).toBe(false);
    expect(router.reject(-1, new Error('x'))).toBe(false);
  });

  it('ids stay below 2^31 and skip ids still pending after wrapping', () => {
    const r = new AckRouter(clock, 1000);
    const first = r.register(recorder()); // id 1 stays pending
    expect(first).toBe(1);
    (r as unknown as { lastId: number }).lastId = 0x7fffffff - 1;
    expect(r.register(recorder())).toBe(0x7fffffff);
    expect(r.register(recorder())).toBe(2); // wrapped, skipped the pending 1
  });

  it('rejects a non-positive timeout as a caller mistake', () => {
    expect(() => router.register(recorder(), 0)).toThrow(RangeError);
    expect(() => new AckRouter(clock, NaN)).toThrow(RangeError);
  });

  it('a settler that registers during rejectAll is not rejected by that pass', () => {
    const later = recorder();
    router.register({ resolve: () => {}, reject: () => void router.register(later) });
    router.rejectAll(new Error('x'));
    expect(router.size).toBe(1);
    expect(later.calls).toEqual([]);
  });
});
