// The recovery rules over a networked (asynchronous) session store and stream store, with
// hand-written fakes: claims are compare-and-set (a second node presenting the same token
// loses), an unreachable store is 'unavailable' (never a throw), a join position the store
// never answered is 'unavailable' rather than a guess, and the memory path stays synchronous.
import { MemoryStreamStore } from '../../../../src/adapters/memory/memory-stream-store.adapter';
import { MessageType, type EventMessage } from '../../../../src/domain/message';
import { resolveRecovery } from '../../../../src/domain/recovery/recovery-config';
import { PENDING_POSITION, RecoveryService } from '../../../../src/domain/recovery/recovery.service';
import type { StreamPosition, StreamRead, StreamStore } from '../../../../src/ports/stream-store.port';
import { FakeClock } from '../../../fakes/fake-clock';
import { FakeAsyncSessionStore, FakeSessionStore, FakeTokenGenerator, fakeEpochs } from '../../../fakes/fake-recovery-stores';

const ev = (data: unknown): EventMessage => ({ type: MessageType.Event, event: 'm', data });

/** The memory stream store answering reads and shared positions asynchronously, as Redis does. */
class AsyncStreams implements StreamStore {
  down = false;
  positions: (() => void)[] = [];
  manualPositions = false;
  readonly inner: MemoryStreamStore;
  constructor(limits: { historySize: number; windowMs: number }, epochs: () => string) {
    this.inner = new MemoryStreamStore(limits, epochs);
  }
  append(stream: string, m: EventMessage, a: string | undefined, b: string | undefined, now: number) {
    return this.inner.append(stream, m, a, b, now);
  }
  position(stream: string, now: number): StreamPosition | Promise<StreamPosition> {
    const p = this.inner.position(stream, now);
    if (stream.startsWith('@')) return p;
    if (this.manualPositions) return new Promise((resolve) => this.positions.push(() => resolve(p)));
    return Promise.resolve(p);
  }
  epochOf(stream: string) {
    return this.inner.epochOf(stream);
  }
  read(stream: string, after: StreamPosition, now: number): Promise<StreamRead> {
    if (this.down) return Promise.reject(new Error('down'));
    return Promise.resolve(this.inner.read(stream, after, now));
  }
  delete(stream: string) {
    this.inner.delete(stream);
  }
  sweep(now: number, keep: (s: string) => boolean) {
    this.inner.sweep(now, keep);
  }
  get streamCount() {
    return this.inner.streamCount;
  }
  get entryCount() {
    return this.inner.entryCount;
  }
}

function setup() {
  const clock = new FakeClock(1_000_000);
  const config = resolveRecovery({ windowMs: 1000, historySize: 10 });
  const sessions = new FakeAsyncSessionStore();
  const streams = new AsyncStreams(config, fakeEpochs());
  const tokens = new FakeTokenGenerator();
  const svc = new RecoveryService(config, sessions, streams, tokens, '/', () => true);
  return { clock, svc, sessions, streams };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('RecoveryService over a networked store', () => {
  it('a claimed session numbers no direct message until its resume read the stream (takeOver → resumeSettled)', async () => {
    const { clock, svc } = setup();
    const s = svc.open('a', clock.now());
    await flush();
    expect(svc.recordDirect('a', ev(1), clock.now())).not.toBeNull();
    svc.suspend(s, null, null, clock.now());
    await flush();
    const claim = await svc.claim({ id: 'a', token: s.token, positions: new Map() }, clock.now());
    expect(claim.ok).toBe(true);
    const session = (claim as { session: typeof s }).session;
    svc.takeOver(session); // holds it (the record names this node) before the read
    expect(svc.recordsDirect('a')).toBe(false);
    expect(svc.recordDirect('a', ev(2), clock.now())).toBeNull(); // sent live, unpositioned (held)
    svc.resumeSettled(session);
    expect(svc.recordsDirect('a')).toBe(true);
    expect(svc.recordDirect('a', ev(3), clock.now())).not.toBeNull();
    // A failed claim leaves no guard behind.
    const again = await svc.claim({ id: 'a', token: 'wrong-token-xxxxxxxxxxxxxx', positions: new Map() }, clock.now());
    expect(again).toEqual({ ok: false, reason: 'unknown' });
    expect(svc.recordsDirect('a')).toBe(true);
  });

  it('sendAway hands a direct message for a session held elsewhere to the stream store; none without one', async () => {
    const { clock, svc, streams } = setup();
    expect(await svc.sendAway('x', ev(1), clock.now())).toBe('none'); // the store has no sendAway
    const calls: unknown[] = [];
    (streams as unknown as { sendAway: unknown }).sendAway = (id: string, m: EventMessage, _now: number, notHere?: boolean) => {
      calls.push([id, m.data, notHere === true]);
      return Promise.resolve('recorded');
    };
    expect(await svc.sendAway('x', ev(2), clock.now())).toBe('recorded');
    expect(await svc.sendAway('x', ev(3), clock.now(), true)).toBe('recorded');
    expect(await svc.sendAway('x', { type: MessageType.Connect } as never, clock.now())).toBe('none'); // not recordable
    expect(calls).toEqual([['x', 2, false], ['x', 3, true]]);
  });

  it('claims with a compare-and-set: a second node presenting the same token gets unknown', async () => {
    const { clock, svc } = setup();
    const s = svc.open('a', clock.now());
    await flush();
    const token = s.token;
    svc.suspend(s, null, null, clock.now());
    await flush();
    const offer = { id: 'a', token, positions: new Map() };
    const [one, two] = await Promise.all([svc.claim(offer, clock.now()), svc.claim(offer, clock.now())]);
    expect([one.ok, two.ok].sort()).toEqual([false, true]);
    expect((one.ok ? two : one)).toEqual({ ok: false, reason: 'unknown' });
  });

  it("answers 'unavailable' when the session store or the history cannot be read", async () => {
    const { clock, svc, sessions, streams } = setup();
    const s = svc.open('a', clock.now());
    await flush();
    svc.joined(s, 'r', clock.now());
    await flush();
    const token = s.token;
    svc.suspend(s, new Set(['r']), null, clock.now());
    await flush();
    sessions.down = true;
    expect(await svc.claim({ id: 'a', token, positions: new Map() }, clock.now())).toEqual({ ok: false, reason: 'unavailable' });
    sessions.down = false;
    const c = await svc.claim({ id: 'a', token, positions: new Map() }, clock.now());
    expect(c.ok).toBe(true);
    streams.down = true;
    expect(await svc.replay(s, { id: 'a', token, positions: new Map() }, clock.now())).toEqual({ ok: false, reason: 'unavailable' });
  });

  it("a join position the store has not answered yet is 'unavailable' (never a guess); its answer fills it in later", async () => {
    const { clock, svc, streams } = setup();
    const s = svc.open('a', clock.now());
    await flush();
    streams.manualPositions = true;
    svc.joined(s, 'r', clock.now());
    expect(s.streams.get('#r')).toBe(PENDING_POSITION);
    expect(await svc.replay(s, { id: 'a', token: '', positions: new Map() }, clock.now())).toEqual({ ok: false, reason: 'unavailable' });
    streams.append('#r', ev(1), undefined, undefined, clock.now());
    streams.positions.shift()!();
    await flush();
    expect(s.streams.get('#r')).not.toBe(PENDING_POSITION);
  });

  it('the memory stores answer synchronously (no Promise on the single-node path)', () => {
    const clock = new FakeClock(0);
    const config = resolveRecovery(true);
    const svc = new RecoveryService(config, new FakeSessionStore(), new MemoryStreamStore(config), new FakeTokenGenerator(), '/', () => true);
    const s = svc.open('a', 0);
    const claim = svc.claim({ id: 'a', token: s.token, positions: new Map() }, clock.now());
    expect(claim).not.toBeInstanceOf(Promise);
    expect(svc.replay(s, { id: 'a', token: '', positions: new Map() }, 0)).not.toBeInstanceOf(Promise);
    expect(svc.recordRoom('r', ev(1), undefined, undefined, 0)).not.toBeNull();
  });
});
