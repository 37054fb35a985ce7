import fc from 'fast-check';
import { MAX_RETRY_HINT_MS, resolveReconnectDelay, retryHintDelay } from '../../../src/domain/client/reconnect-backoff.policy';
import { retryAfterMs } from '../../../src/adapters/websocket/ws-client-handshake';
import { MessageType } from '../../../src/domain/message';
import { harness } from './client-harness';

describe('retry hint policy', () => {
  it('waits within [hint, 2 × hint): never before the hint, spread over one window', () => {
    expect(retryHintDelay(1000, () => 0)).toBe(1000);
    expect(retryHintDelay(1000, () => 0.5)).toBe(1500);
    expect(retryHintDelay(1000, () => 0.999999)).toBe(1999);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (hint, r) => {
        const d = retryHintDelay(hint, () => r);
        return Number.isInteger(d) && d >= hint && d < 2 * hint;
      }),
    );
  });

  it('a hint replaces the backoff and customReconnectDelay; the hook still has the last word', () => {
    // elapsed 15 s: attempt 5 at the start of its anchored window [15, 31) s (a 16 s window).
    const base = { attempt: 5, baseDelay: 1000, maxDelay: 30000, elapsed: 15000, random: () => 0.5 };
    const custom = jest.fn(() => 7);
    expect(resolveReconnectDelay({ ...base, custom, retryAfter: 2000 })).toBe(3000);
    expect(custom).not.toHaveBeenCalled();
    expect(resolveReconnectDelay({ ...base, retryAfter: 2000, hook: ({ defaultDelay }) => defaultDelay + 1 })).toBe(3001);
    // No hint, or an unusable one: the usual backoff.
    expect(resolveReconnectDelay({ ...base })).toBe(8000);
    expect(resolveReconnectDelay({ ...base, retryAfter: 0 })).toBe(8000);
    expect(resolveReconnectDelay({ ...base, retryAfter: Number.NaN })).toBe(8000);
    // A huge hint is capped.
    expect(resolveReconnectDelay({ ...base, retryAfter: 10 * MAX_RETRY_HINT_MS, random: () => 0 })).toBe(MAX_RETRY_HINT_MS);
  });

  it('reads Retry-After as delay-seconds or an HTTP-date', () => {
    const now = Date.parse('Fri, 04 Dec 2026 18:00:00 GMT');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(' 1 ', now)).toBe(1000);
    expect(retryAfterMs('Fri, 04 Dec 2026 18:00:03 GMT', now)).toBe(3000);
    expect(retryAfterMs('Fri, 04 Dec 2026 17:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('-1', now)).toBeUndefined();
  });
});

describe('the client honours the retry hint (fake clock, random() = 0.5)', () => {
  it('after a 503 + Retry-After (transport onClose hint) it dials again within [hint, 2 × hint), not earlier', () => {
    const { client, clock, ws, events } = harness({ reconnectionDelay: 100 });
    client.connect();
    ws.last.handler.onClose(1013, 'Server busy', 2000);
    expect(client.getState()).toBe('reconnecting');
    clock.advance(2999); // the backoff alone would have dialed after 50 ms
    expect(ws.dials).toHaveLength(1);
    clock.advance(1);
    expect(ws.dials).toHaveLength(2);
    ws.last.accept();
    expect(client.getState()).toBe('connected');
    expect(events.filter((e) => e[0] === 'reconnecting')).toEqual([['reconnecting', 1]]);
    client.disconnect();
  });

  it("after the TCP refusal frame (Error with retryAfter, then close) it waits within the frame's hint", () => {
    const h = harness({ reconnectionDelay: 100 });
    h.client.connect();
    h.ws.last.open().push({ type: MessageType.Error, code: 'STELAR_ERR_SERVER_BUSY', message: 'Server busy, retry later', retryAfter: 1000 });
    h.ws.last.drop(1013, 'Server busy, retry later');
    h.clock.advance(1499);
    expect(h.ws.dials).toHaveLength(1);
    h.clock.advance(1);
    expect(h.ws.dials).toHaveLength(2);
    // The next failure carries no hint: the usual backoff again, the hinted wait not counted in
    // the outage's time (attempt 2: window [100, 300) ms, 0.5 → 200 ms).
    h.ws.last.drop(1006, 'gone');
    h.clock.advance(199);
    expect(h.ws.dials).toHaveLength(2);
    h.clock.advance(1);
    expect(h.ws.dials).toHaveLength(3);
    h.client.disconnect();
  });

  it('hinted refusals do not use up reconnectionAttempts: the server paces the crowd', () => {
    const { client, clock, ws, events } = harness({ reconnectionAttempts: 1, reconnectionDelay: 100 });
    client.connect();
    for (let i = 0; i < 5; i++) {
      ws.last.handler.onClose(1013, 'Server busy', 1000);
      clock.advance(1500);
    }
    expect(ws.dials).toHaveLength(6);
    expect(events.some((e) => e[0] === 'reconnect_failed')).toBe(false);
    ws.last.accept();
    expect(client.getState()).toBe('connected');
    client.disconnect();
  });
});
