import fc from 'fast-check';
import { BaseStelarClient, type StelarClientDeps } from '../../../src/application/client/stelar-client';
import type { StelarClientOptions } from '../../../src/application/client/client-options';
import { anchoredJitterDelay, backoffCeiling, fullJitterDelay } from '../../../src/domain/client/reconnect-backoff.policy';
import { ClientFakeClock } from '../../fakes/client-fake-clock';
import { FakeClientTransportFactory } from '../../fakes/fake-client-transport';

// The anchored backoff (docs/API.md, "Reconnection"): attempt n is made in window n,
// [S(n-1), S(n)) after the first failure of the outage, S(n) = ceiling(1) + ... + ceiling(n).

/** Window ends S(n) for base 1 s, cap 30 s: 1, 3, 7, 15, 31, 61, ... s. */
function windowEnd(n: number, base = 1000, max = 30000): number {
  let s = 0;
  for (let k = 1; k <= n; k++) s += backoffCeiling(k, base, max);
  return s;
}

/** A client on a fake clock and fake transport whose jitter draws come from `draws` (then 0.5). */
function client(draws: readonly number[], options: StelarClientOptions = {}) {
  const clock = new ClientFakeClock(0);
  const ws = new FakeClientTransportFactory('ws');
  let i = 0;
  const deps: StelarClientDeps = { transports: { ws }, codecs: { ws: ws.codec }, clock, random: () => (i < draws.length ? draws[i++] : 0.5) };
  return { c: new BaseStelarClient(3000, { logger: 'silent', ...options }, deps), clock, ws };
}

/**
 * The server is down until `backAt` (ms after the connection was lost): every dial before it is
 * refused at once (ECONNREFUSED), the first one at or after it is accepted. Returns the dial
 * instants (ms after the loss) and when the session was up again.
 */
function outage(draws: readonly number[], backAt: number, options: StelarClientOptions = {}) {
  const { c, clock, ws } = client(draws, options);
  c.connect();
  ws.last.accept();
  const lostAt = clock.now();
  ws.last.drop(1006, 'killed');
  const dials: number[] = [];
  for (let guard = 0; guard < 50 && c.getState() === 'reconnecting'; guard++) {
    // After a failure the last timer asked for is the reconnect delay (the dial timer is cleared).
    clock.advance(clock.timeoutDelays.at(-1)!);
    const at = clock.now() - lostAt;
    dials.push(at);
    if (at >= backAt) ws.last.accept();
    else ws.last.drop(1006, 'ECONNREFUSED');
  }
  const state = c.getState();
  c.disconnect();
  return { dials, backAfter: state === 'connected' ? dials.at(-1)! : null, state };
}

/** The same outage under the previous schedule: full jitter drawn from each failure. */
function outageBefore(draws: readonly number[], backAt: number, base = 1000, max = 30000) {
  const dials: number[] = [];
  let t = 0;
  for (let n = 1, i = 0; n <= 10; n++) {
    const r = i < draws.length ? draws[i++] : 0.5;
    t += fullJitterDelay(n, base, max, () => r);
    dials.push(t);
    if (t >= backAt) return { dials, backAfter: t };
  }
  return { dials, backAfter: null };
}

describe('anchored backoff: the delays', () => {
  it('attempt n after instant failures lands in window n, whatever the earlier draws', () => {
    // elapsed 0: the first failure is now. Window 1 = [0, 1) s, window 5 = [15, 31) s.
    expect(anchoredJitterDelay(1, 0, 1000, 30000, () => 0)).toBe(0);
    expect(anchoredJitterDelay(1, 0, 1000, 30000, () => 0.999999)).toBe(999);
    expect(anchoredJitterDelay(2, 50, 1000, 30000, () => 0)).toBe(950); // at 1 s, not at 50 ms + [0, 2) s
    expect(anchoredJitterDelay(2, 50, 1000, 30000, () => 0.5)).toBe(1950); // at 2 s
    expect(anchoredJitterDelay(5, 750, 1000, 30000, () => 0.5)).toBe(23000 - 750); // at 23 s
    expect(anchoredJitterDelay(7, 0, 1000, 30000, () => 0.5)).toBe(61000 + 15000); // windows of 30 s past the cap
  });

  it('an attempt that failed slowly moves on: at least half a window of spread, never a burst at a window end', () => {
    // Attempt 2 after a 2.5 s failure: window 2 = [1, 3) s has less than half left, so window 3 = [3, 7) s.
    expect(anchoredJitterDelay(2, 2500, 1000, 30000, () => 0)).toBe(500);
    expect(anchoredJitterDelay(2, 2500, 1000, 30000, () => 0.999999)).toBe(4499);
    // Still half of window 2 left at 1.9 s: the rest of it, [1.9, 3) s.
    expect(anchoredJitterDelay(2, 1900, 1000, 30000, () => 0)).toBe(0);
    expect(anchoredJitterDelay(2, 1900, 1000, 30000, () => 0.999999)).toBe(1099);
    // A day into the outage (closed form past the cap): within a 30 s window that has >= 15 s left.
    const day = 86_400_000;
    const d = anchoredJitterDelay(10, day, 1000, 30000, () => 0.999999);
    expect(d).toBeGreaterThanOrEqual(15000 - 1);
    expect(d).toBeLessThan(45000);
  });

  it('a base or a cap of 0 retries at once; a cap below the base caps the first window too', () => {
    expect(anchoredJitterDelay(3, 10, 0, 30000, () => 0.5)).toBe(0);
    expect(anchoredJitterDelay(3, 10, 1000, 0, () => 0.5)).toBe(0);
    expect(anchoredJitterDelay(1, 0, 5000, 2000, () => 0.5)).toBe(1000);
    expect(anchoredJitterDelay(3, 4000, 5000, 2000, () => 0.5)).toBe(1000); // window 3 = [4, 6) s
  });

  it('property: the next attempt is an integer instant within window n or a later window with at least half of it left', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 400_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 100, max: 60_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, elapsed, base, max, r) => {
          const d = anchoredJitterDelay(n, elapsed, base, max, () => r);
          if (!Number.isInteger(d) || d < 0) return false;
          const at = elapsed + d;
          // Find the window holding `at`; it must be window n or later, and (past window n)
          // it must be one that had at least half of it left at `elapsed`.
          let start = 0;
          for (let k = 1; k < 10_000; k++) {
            const w = backoffCeiling(k, base, max);
            if (at < start + w) return k >= n && (k === n || elapsed <= start + w / 2) && at >= start;
            start += w;
          }
          return false;
        },
      ),
    );
  });
});

describe('anchored backoff: a client refused fast while the server restarts (fake clock)', () => {
  it('before, four quick refusals led to a 16 s window; anchored, the client is back 0.1 s after the server', () => {
    // The server is back 1 s after the loss; the first four draws are small (quick refusals).
    const draws = [0.05, 0.05, 0.05, 0.05, 0.5];
    const before = outageBefore(draws, 1000);
    expect(before.dials).toEqual([50, 150, 350, 750, 8750]); // attempt 5 drawn from [0, 16) s at 0.75 s
    expect(before.backAfter).toBe(8750);
    const after = outage(draws, 1000);
    expect(after.dials).toEqual([50, 1100]); // window 2 = [1, 3) s: 1 + 0.05 × 2 s
    expect(after.backAfter).toBe(1100);
  });

  it('refused fast N times: attempt N + 1 is in window N + 1 (instants anchored on the loss), not N windows past the last refusal', () => {
    const draws = new Array(8).fill(0.01);
    const after = outage(draws, 10_000_000, { reconnectionAttempts: 8 });
    // Window n starts at S(n-1): 0, 1, 3, 7, 15, 31, 61, 91 s; + 1 % of its width.
    expect(after.dials).toEqual([10, 1020, 3040, 7080, 15160, 31300, 61300, 91300]);
    expect(after.state).toBe('disconnected'); // reconnect_failed after the 8 attempts, as before
    expect(outageBefore(draws, 10_000_000).dials.slice(0, 8)).toEqual([10, 30, 70, 150, 310, 610, 910, 1210]);
  });

  it('property: back within two windows of the server restart, whatever the draws (the old schedule was not)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 10, maxLength: 10 }),
        fc.integer({ min: 0, max: 20_000 }),
        (draws, backAt) => {
          // m: the window holding backAt; attempt m or m + 1 gets through, by S(m + 1).
          let m = 1;
          while (windowEnd(m) <= backAt) m++;
          const after = outage(draws, backAt);
          return after.backAfter !== null && after.backAfter >= backAt && after.backAfter < windowEnd(m + 1);
        },
      ),
      { numRuns: 60 },
    );
    // The old schedule breaks that bound for the draws of the first case (8.75 s > S(3) = 7 s).
    expect(outageBefore([0.05, 0.05, 0.05, 0.05, 0.5], 1000).backAfter).toBeGreaterThan(windowEnd(3));
  });

  it('the anchor is the first failure of each outage: after a session, attempt 1 is in [0, base) again', () => {
    const { c, clock, ws } = client([]);
    c.connect();
    ws.last.accept();
    ws.last.drop();
    clock.advance(500);
    ws.last.drop();
    clock.advance(1500); // attempt 2 at 2 s
    ws.last.accept();
    clock.advance(60_000);
    ws.last.drop(); // a new outage, 62 s after the first one began
    expect(clock.timeoutDelays.at(-1)).toBe(500);
    c.disconnect();
    expect(clock.pending).toBe(0);
  });
});
