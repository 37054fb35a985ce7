import { AdmissionService, Refusals } from '../../../src/domain/admission.service';
import { ClientRegistry } from '../../../src/domain/client-registry.service';
import { HookRunner } from '../../../src/domain/hook-runner.service';
import type { HandshakeInfo } from '../../../src/ports/transport.port';
import { FakeIPTracker } from '../../fakes/fake-ip-tracker';
import { FakeLogger } from '../../fakes/fake-logger';
import { record } from './helpers';

function setup(opts: { max?: number; origins?: string[]; tracker?: FakeIPTracker } = {}) {
  const clients = new ClientRegistry();
  const log = new FakeLogger();
  const hooks = new HookRunner(log);
  const tracker = opts.tracker ?? new FakeIPTracker(2);
  const adm = new AdmissionService(clients, tracker, hooks, log, {
    maxConnections: opts.max ?? 10,
    allowedOrigins: opts.origins,
  });
  return { clients, hooks, tracker, adm, log };
}

const ws = (origin?: string, ip = '1.1.1.1'): HandshakeInfo => ({ protocol: 'ws', remoteAddress: ip, originApplies: true, origin, headers: {} });
const tcp = (ip = '1.1.1.1'): HandshakeInfo => ({ protocol: 'tcp', remoteAddress: ip, originApplies: false, headers: {} });

describe('AdmissionService', () => {
  it('checks the Origin of WebSocket attempts exactly, never TCP', () => {
    const { adm } = setup({ origins: ['https://a.example'] });
    expect(adm.screen(ws('https://a.example'))).toBeNull();
    expect(adm.screen(ws('https://a.example.evil'))).toBe(Refusals.originNotAllowed);
    expect(adm.screen(ws(undefined))).toBe(Refusals.originNotAllowed);
    expect(adm.screen(tcp())).toBeNull();
    expect(Refusals.originNotAllowed).toMatchObject({ status: 403, code: 'STELAR_ERR_ORIGIN_NOT_ALLOWED' });
  });

  it('an empty whitelist allows every origin', () => {
    const { adm } = setup({ origins: [] });
    expect(adm.screen(ws('https://anything'))).toBeNull();
  });

  it('refuses at maxConnections with 503/1013 and fires onMaxConnectionsReached', () => {
    const { adm, clients, hooks } = setup({ max: 2 });
    const fired: unknown[] = [];
    hooks.update({ onMaxConnectionsReached: (i) => void fired.push(i) });
    clients.add(record('a'));
    adm.beginAdmission(); // one more in middleware
    const r = adm.screen(ws(undefined, '9.9.9.9'));
    expect(r).toEqual({ status: 503, closeCode: 1013, code: 'STELAR_ERR_SERVER_FULL', reason: 'Server is full' });
    expect(fired).toEqual([{ activeConnections: 2, max: 2, ip: '9.9.9.9' }]);
    adm.endAdmission();
    expect(adm.screen(ws())).toBeNull();
  });

  it('refuses an IP over its tracker limit with 429/1008', () => {
    const { adm } = setup();
    adm.admitted('1.1.1.1');
    adm.admitted('1.1.1.1');
    expect(adm.screen(tcp())).toEqual({
      status: 429,
      closeCode: 1008,
      code: 'STELAR_ERR_TOO_MANY_FROM_IP',
      reason: 'Too many connections from this IP',
    });
    adm.released('1.1.1.1');
    expect(adm.screen(tcp())).toBeNull();
  });

  it('holds a slot while an async tracker answers, so concurrent attempts cannot overshoot', async () => {
    const { adm } = setup({ max: 1, tracker: new FakeIPTracker(5, true) });
    const first = adm.screen(tcp('1.0.0.1'));
    expect(first).toBeInstanceOf(Promise);
    expect(adm.pending).toBe(1);
    expect(adm.screen(tcp('1.0.0.2'))).toBe(Refusals.serverFull);
    await expect(first).resolves.toBeNull();
    // Admitted: the attempt keeps its slot until the transport accepts or abandons it.
    expect(adm.pending).toBe(1);
  });

  it('a failing tracker is logged and does not block admission', async () => {
    const tracker = new FakeIPTracker();
    tracker.check = () => {
      throw new Error('down');
    };
    const { adm, log } = setup({ tracker });
    const a = tcp();
    expect(adm.screen(a)).toBeNull();
    tracker.check = () => Promise.reject(new Error('down'));
    const b = tcp();
    await expect(adm.screen(b)).resolves.toBeNull();
    expect(adm.pending).toBe(2);
    adm.abandon(a);
    adm.abandon(b);
    expect(adm.pending).toBe(0);
    expect(log.at('warn')).toHaveLength(2);
  });

  it('an attempt counts from its arrival: per-IP and global caps see screened attempts', () => {
    const { adm, tracker } = setup({ max: 3, tracker: new FakeIPTracker(2) });
    const a = tcp('7.7.7.7');
    const b = ws(undefined, '7.7.7.7');
    expect(adm.screen(a)).toBeNull();
    expect(adm.screen(b)).toBeNull();
    expect(tracker.counts.get('7.7.7.7')).toBe(2);
    // A third attempt from the same address is refused before any of them finished its hello.
    expect(adm.screen(tcp('7.7.7.7'))).toBe(Refusals.tooManyFromIp);
    expect(adm.pending).toBe(2);
    const c = tcp('8.8.8.8');
    expect(adm.screen(c)).toBeNull();
    expect(adm.screen(tcp('9.9.9.9'))).toBe(Refusals.serverFull);
    // abandon frees both the slot and the tracker entry, once; claim hands them over.
    adm.abandon(a);
    adm.abandon(a);
    expect(tracker.counts.get('7.7.7.7')).toBe(1);
    expect(adm.pending).toBe(2);
    expect(adm.claim(b)).toBe(true);
    expect(adm.claim(b)).toBe(false);
    expect(adm.claim(undefined)).toBe(false);
    adm.abandon(b); // claimed: no longer the transport's to abandon
    expect(adm.pending).toBe(2);
    expect(tracker.counts.get('7.7.7.7')).toBe(1);
  });

  it('an async tracker is asked one attempt at a time per address (check, add, next check)', async () => {
    const tracker = new FakeIPTracker(2, true);
    const { adm } = setup({ max: 100, tracker });
    const verdicts = await Promise.all(Array.from({ length: 5 }, () => adm.screen(tcp('6.6.6.6'))));
    expect(verdicts.filter((v) => v === null)).toHaveLength(2);
    expect(verdicts.filter((v) => v === Refusals.tooManyFromIp)).toHaveLength(3);
    expect(tracker.counts.get('6.6.6.6')).toBe(2);
    expect(adm.pending).toBe(2);
    // Other addresses are not held up by this one's queue.
    await expect(adm.screen(tcp('5.5.5.5'))).resolves.toBeNull();
  });

  it('admitted/released/cleanup reach the tracker; configure is live', () => {
    const { adm, tracker } = setup({ max: 1 });
    adm.admitted('a');
    adm.released('a');
    adm.cleanup();
    expect(tracker.calls).toEqual(['add a', 'remove a']);
    expect(tracker.cleanups).toBe(1);
    adm.configure({ maxConnections: 0 });
    expect(adm.screen(tcp())).toBe(Refusals.serverFull);
    adm.configure({ maxConnections: 5, allowedOrigins: ['x'] });
    expect(adm.screen(ws('y'))).toBe(Refusals.originNotAllowed);
    expect(() => adm.configure({ maxConnections: -1 })).toThrow(RangeError);
    adm.endAdmission(); // never below zero
    expect(adm.pending).toBe(0);
  });
});
