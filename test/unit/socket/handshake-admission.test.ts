import { PassThrough } from 'node:stream';
import { HandshakeAdmission, ShedSockets, isShed, peerGone } from '../../../src/adapters/socket/handshake-admission';
import { FakeLag } from '../../fakes/fake-lag-source';
import { PROCESS_LAG } from '../../../src/adapters/socket/event-loop-lag.monitor';
import type { AttemptEnded, ConnectionAcceptor } from '../../../src/ports/transport.port';
import { FakeClock } from '../../fakes/fake-clock';

function recorder(): ConnectionAcceptor & { ended: AttemptEnded[] } {
  const ended: AttemptEnded[] = [];
  return { ended, screen: () => null, accept: () => undefined, attemptEnded: (e) => void ended.push(e) };
}

describe('HandshakeAdmission', () => {
  it('admits below maxPendingHandshakes and sheds at it', () => {
    const a = new HandshakeAdmission({ maxPendingHandshakes: 3, shedLagMs: 0 });
    expect(a.check(0)).toBeNull();
    expect(a.check(2)).toBeNull();
    expect(a.check(3)).toBe('pending');
    expect(a.check(10)).toBe('pending');
  });

  it('sheds while the (fake) lag is above shedLagMs with a crowd in progress, and only while started', () => {
    const lag = new FakeLag();
    const a = new HandshakeAdmission({ maxPendingHandshakes: 100, shedLagMs: 50, lag, lagCrowd: 4 });
    lag.lag = 80;
    expect(a.check(10)).toBeNull(); // not started: no lag reading
    a.start();
    expect(lag.users).toBe(1);
    expect(a.check(10)).toBe('lag');
    expect(a.check(3)).toBeNull(); // below the crowd: a lone connection is never shed for lag
    lag.lag = 50;
    expect(a.check(10)).toBeNull(); // at the threshold is not above it
    lag.lag = 51;
    expect(a.check(10)).toBe('lag');
    a.stop();
    a.stop();
    expect(lag.users).toBe(0);
    expect(a.check(10)).toBeNull();
  });

  it('shedLagMs 0 never reads the lag (no monitor acquired)', () => {
    const lag = new FakeLag();
    const a = new HandshakeAdmission({ shedLagMs: 0, lag, lagCrowd: 0 });
    a.start();
    lag.lag = 10_000;
    expect(lag.users).toBe(0);
    expect(a.check(0)).toBeNull();
    a.stop();
  });

  it('defaults: 1024 in progress, 200 ms lag, 1000 ms hint (Retry-After 1), crowd 32', () => {
    const a = new HandshakeAdmission();
    expect([a.maxPending, a.shedLagMs, a.retryAfterMs, a.retryAfterSeconds, a.lagCrowd]).toEqual([1024, 200, 1000, 1, 32]);
    expect(new HandshakeAdmission({ shedRetryAfter: 2500 }).retryAfterSeconds).toBe(3);
  });

  it.each([
    [{ maxPendingHandshakes: 0 }, /maxPendingHandshakes/],
    [{ maxPendingHandshakes: 1.5 }, /maxPendingHandshakes/],
    [{ shedLagMs: -1 }, /shedLagMs/],
    [{ shedRetryAfter: 0 }, /shedRetryAfter/],
    [{ lagCrowd: -2 }, /lagCrowd/],
  ])('refuses %p', (options, message) => {
    expect(() => new HandshakeAdmission(options)).toThrow(message);
  });

  it('reports sheds as STELAR_ERR_SERVER_BUSY and gone peers as STELAR_ERR_PEER_GONE, with the reason', () => {
    const acc = recorder();
    const a = new HandshakeAdmission({ maxPendingHandshakes: 7, shedLagMs: 300 });
    a.reportShed(acc, 'ws', '127.0.0.9', 'pending');
    a.reportShed(acc, 'tcp', '127.0.0.9', 'lag');
    a.reportPeerGone(acc, 'tcp', '127.0.0.9');
    expect(acc.ended.map((e) => [e.protocol, e.code])).toEqual([
      ['ws', 'STELAR_ERR_SERVER_BUSY'],
      ['tcp', 'STELAR_ERR_SERVER_BUSY'],
      ['tcp', 'STELAR_ERR_PEER_GONE'],
    ]);
    expect(acc.ended[0].reason).toMatch(/7 handshakes in progress \(maxPendingHandshakes\), retry in 1000 ms/);
    expect(acc.ended[1].reason).toMatch(/event-loop lag above 300 ms \(shedLagMs\)/);
  });
});

describe('peerGone', () => {
  it('is false for a live duplex and true once it is destroyed or its peer ended', async () => {
    const live = new PassThrough();
    expect(peerGone(live)).toBe(false);
    const destroyed = new PassThrough();
    destroyed.destroy();
    expect(peerGone(destroyed)).toBe(true);
    const ended = new PassThrough();
    ended.end();
    expect(peerGone(ended)).toBe(true);
    live.destroy();
  });
});

describe('ShedSockets', () => {
  it('writes the refusal, ends the socket, and destroys it at the linger deadline unless it closed first', () => {
    const clock = new FakeClock();
    const shed = new ShedSockets(500, clock);
    const a = new PassThrough();
    const b = new PassThrough();
    const written: Buffer[] = [];
    a.on('data', (d: Buffer) => written.push(d));
    shed.shed(a, Buffer.from('NO'));
    shed.shed(b, Buffer.from('NO'));
    expect(isShed(a)).toBe(true);
    expect(Buffer.concat(written).toString()).toBe('NO');
    expect(a.writableEnded).toBe(true);
    expect(shed.size).toBe(2);
    b.emit('close');
    expect(shed.size).toBe(1);
    clock.advance(500);
    expect(a.destroyed).toBe(true);
    expect(b.destroyed).toBe(false);
    expect(shed.size).toBe(0);
    b.destroy();
  });

  it('clear() destroys every lingering socket', () => {
    const shed = new ShedSockets(10_000, new FakeClock());
    const a = new PassThrough();
    shed.shed(a, Buffer.from('x'));
    shed.clear();
    expect(a.destroyed).toBe(true);
    expect(shed.size).toBe(0);
  });
});

describe('PROCESS_LAG', () => {
  it('reads 0 while nobody acquired it or the loop idles, and the lateness of a busy loop', async () => {
    expect(PROCESS_LAG.lagMs()).toBe(0);
    PROCESS_LAG.acquire();
    try {
      // An idle loop: the ticks are on time, or late for want of a core, not of our work.
      await new Promise((r) => setTimeout(r, 120));
      expect(PROCESS_LAG.lagMs()).toBeLessThan(40);
      const until = Date.now() + 150;
      while (Date.now() < until) {
        // busy: the 50 ms tick cannot run
      }
      await new Promise((r) => setTimeout(r, 1)); // the overdue tick runs first (it was due earlier)
      expect(PROCESS_LAG.lagMs()).toBeGreaterThan(40);
    } finally {
      PROCESS_LAG.release();
    }
    expect(PROCESS_LAG.lagMs()).toBe(0);
  });
});
