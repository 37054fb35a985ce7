import { MemoryStreamStore } from '../../../../src/adapters/memory/memory-stream-store.adapter';
import { MessageType, type EventMessage, type StelarMessage } from '../../../../src/domain/message';
import { resolveRecovery } from '../../../../src/domain/recovery/recovery-config';
import { RecoveryService } from '../../../../src/domain/recovery/recovery.service';
import type { ResumeOffer } from '../../../../src/domain/recovery/resume-offer';
import type { StreamPosition } from '../../../../src/ports/stream-store.port';
import { FakeClock } from '../../../fakes/fake-clock';
import { FakeSessionStore, FakeTokenGenerator, fakeEpochs } from '../../../fakes/fake-recovery-stores';

const ev = (data: unknown): EventMessage => ({ type: MessageType.Event, event: 'm', data });
const dataOf = (ms: readonly StelarMessage[]): unknown[] => ms.map((m) => (m as EventMessage).data);

function setup(opts: { windowMs?: number; historySize?: number } = {}, namespace = '/') {
  const clock = new FakeClock(1_000_000);
  const config = resolveRecovery({ windowMs: opts.windowMs ?? 1000, historySize: opts.historySize ?? 10 });
  const sessions = new FakeSessionStore();
  const streams = new MemoryStreamStore(config, fakeEpochs());
  const tokens = new FakeTokenGenerator();
  const rooms = new Set<string>();
  const svc = new RecoveryService(config, sessions, streams, tokens, namespace, (r) => rooms.has(r));
  return { clock, svc, sessions, streams, tokens, rooms };
}

/** What a client would report: the position of the last message it got per stream. */
function offerOf(id: string, token: string, seen: readonly StelarMessage[]): ResumeOffer {
  const positions = new Map<string, StreamPosition>();
  for (const m of seen) {
    const pos = (m as EventMessage).pos!;
    positions.set(pos.stream, { offset: pos.offset, epoch: pos.epoch });
  }
  return { id, token, positions };
}

describe('RecoveryService', () => {
  it('replays a room\'s missed messages in order, exactly once, after the last seen position', () => {
    const { clock, svc } = setup();
    const s = svc.open('a', clock.now());
    svc.joined(s, 'r', clock.now());
    const m1 = svc.recordRoom('r', ev(1), undefined, undefined, clock.now())!;
    const token = s.token;
    svc.suspend(s, new Set(['r']), null, clock.now());
    svc.recordRoom('r', ev(2), undefined, undefined, clock.now());
    svc.recordRoom('r', ev(3), undefined, undefined, clock.now());
    clock.advance(500);
    const offer = offerOf('a', token, [m1]);
    const claim = svc.claim(offer, clock.now());
    expect(claim.ok).toBe(true);
    const r = svc.replay(s, offer, clock.now());
    expect(r.ok && dataOf(r.missed)).toEqual([2, 3]);
    expect(r.ok && r.missed.map((m) => (m as EventMessage).pos!.offset)).toEqual([2, 3]);
  });

  it('merges streams in send order and skips messages the session was excluded from', () => {
    const { clock, svc } = setup();
    const s = svc.open('a', clock.now());
    svc.joined(s, 'r', clock.now());
    const token = s.token;
    svc.suspend(s, new Set(['r']), null, clock.now());
    svc.recordRoom('r', ev('room-1'), undefined, undefined, clock.now());
    svc.recordDirect('a', ev('direct-1'), clock.now());
    svc.recordAll(ev('all-1'), undefined, undefined, clock.now());
    svc.recordRoom('r', ev('from-a'), 'a', undefined, clock.now());
    svc.recordAll(ev('not-for-a'), 'x', 'a', clock.now());
    svc.recordRoom('other', ev('other-room'), undefined, undefined, clock.now());
    svc.recordDirect('b', ev('for-b'), clock.now());
    svc.recordRoom('r', ev('room-2'), undefined, undefined, clock.now());
    const offer = offerOf('a', token, []);
    expect(svc.claim(offer, clock.now()).ok).toBe(true);
    const r = svc.replay(s, offer, clock.now());
    expect(r.ok && dataOf(r.missed)).toEqual(['room-1', 'direct-1', 'all-1', 'room-2']);
    expect(r.ok && r.missed.map((m) => (m as EventMessage).pos!.stream)).toEqual(['#r', '@', '*', '#r']);
  });

  it('replays nothing the client already has (exactly once) and nothing sent before it joined', () => {
    const { clock, svc } = setup();
    svc.recordRoom('r', ev('before-join'), undefined, undefined, clock.now());
    const s = svc.open('a', clock.now());
    svc.joined(s, 'r', clock.now());
    const seen = [svc.recordRoom('r', ev(1), undefined, undefined, clock.now())!, svc.recordRoom('r', ev(2), undefined, undefined, clock.now())!];
    const token = s.token;
    svc.suspend(s, new Set(['r']), null, clock.now());
    const offer = offerOf('a', token, seen);
    svc.claim(offer, clock.now());
    const r = svc.replay(s, offer, clock.now());
    expect(r.ok && r.missed).toEqual([]);
    // Without any reported position the join position is the baseline: 'before-join' is never replayed.
    const r2 = svc.replay(s, offerOf('a', '', []), clock.now());
    expect(r2.ok && dataOf(r2.missed)).toEqual([1, 2]);
  });

  it("reason 'expired': the window passed before the sweep removed the session", () => {
    const { clock, svc, sessions } = setup({ windowMs: 1000 });
    const s = svc.open('a', clock.now());
    const token = s.token;
    svc.suspend(s, null, null, clock.now());
    clock.advance(1001);
    expect(svc.claim(offerOf('a', token, []), clock.now())).toEqual({ ok: false, reason: 'expired' });
    expect(sessions.size).toBe(0);
  });

  it("reason 'unknown': swept, never existed, wrong token, used token, other namespace", () => {
    const { clock, svc, streams } = setup({ windowMs: 1000 });
    const s = svc.open('a', clock.now());
    const token = s.token;
    svc.recordDirect('a', ev(1), clock.now());
    svc.suspend(s, null, null, clock.now());
    expect(svc.claim(offerOf('nobody', token, []), clock.now())).toEqual({ ok: false, reason: 'unknown' });
    expect(svc.claim(offerOf('a', 'forged-token-forged-tok', []), clock.now())).toEqual({ ok: false, reason: 'unknown' });
    expect(svc.claim(offerOf('a', '', []), clock.now())).toEqual({ ok: false, reason: 'unknown' });
    // Single use: the first claim replaces the token, a second connection with it is refused.
    expect(svc.claim(offerOf('a', token, []), clock.now()).ok).toBe(true);
    expect(svc.claim(offerOf('a', token, []), clock.now())).toEqual({ ok: false, reason: 'unknown' });
    const fresh = s.token;
    clock.advance(1001);
    svc.sweep(clock.now());
    expect(svc.claim(offerOf('a', fresh, []), clock.now())).toEqual({ ok: false, reason: 'unknown' });
    expect(svc.sessionCount).toBe(0);
    expect(streams.streamCount).toBe(1); // '*' only: the direct stream went with the session
    // Another namespace's service over the same stores never resumes it.
    const t = setup({}, '/chat');
    const other = new RecoveryService(t.svc.config, t.sessions, t.streams, t.tokens, '/admin', () => false);
    const s2 = t.svc.open('b', t.clock.now());
    t.svc.suspend(s2, null, null, t.clock.now());
    expect(other.claim(offerOf('b', s2.token, []), t.clock.now())).toEqual({ ok: false, reason: 'unknown' });
    expect(t.svc.claim(offerOf('b', s2.token, []), t.clock.now()).ok).toBe(true);
  });

  it("reason 'history': messages after the client's position were overwritten (never a partial replay)", () => {
    const { clock, svc } = setup({ historySize: 3 });
    const s = svc.open('a', clock.now());
    svc.joined(s, 'r', clock.now());
    const m1 = svc.recordRoom('r', ev(1), undefined, undefined, clock.now())!;
    const token = s.token;
    svc.suspend(s, new Set(['r']), null, clock.now());
    for (let i = 2; i <= 5; i++) svc.recordRoom('r', ev(i), undefined, undefined, clock.now());
    const offer = offerOf('a', token, [m1]);
    expect(svc.claim(offer, clock.now()).ok).toBe(true);
    expect(svc.replay(s, offer, clock.now())).toEqual({ ok: false, reason: 'history' });
    // Exactly at the bound it still works: 3 retained (3,4,5), client saw up to 2.
    const r = svc.replay(s, { ...offer, positions: new Map([['#r', { offset: 2, epoch: m1 && (m1 as EventMessage).pos!.epoch }]]) }, clock.now());
    expect(r.ok && dataOf(r.missed)).toEqual([3, 4, 5]);
  });

  it("reason 'history': messages aged out of the window", () => {
    const { clock, svc } = setup({ windowMs: 1000 });
    const s = svc.open('a', clock.now());
    svc.joined(s, 'r', clock.now());
    const m1 = svc.recordRoom('r', ev(1), undefined, undefined, clock.now())!;
    svc.suspend(s, new Set(['r']), null, clock.now());
    clock.advance(10);
    svc.recordRoom('r', ev(2), undefined, undefined, clock.now());
    clock.advance(995); // message 2 is 995 ms old, the session 1005 ms: expired anyway
    expect(svc.claim(offerOf('a', s.token, [m1]), clock.now())).toEqual({ ok: false, reason: 'expired' });
    const t = setup({ windowMs: 1000 });
    const s2 = t.svc.open('b', t.clock.now());
    t.svc.joined(s2, 'r', t.clock.now());
    const seen = t.svc.recordRoom('r', ev(1), undefined, undefined, t.clock.now())!;
    t.svc.recordRoom('r', ev(2), undefined, undefined, t.clock.now());
    t.clock.advance(1001); // still connected, message 2 aged out before the drop
    t.svc.suspend(s2, new Set(['r']), null, t.clock.now());
    const offer = offerOf('b', s2.token, [seen]);
    expect(t.svc.claim(offer, t.clock.now()).ok).toBe(true);
    expect(t.svc.replay(s2, offer, t.clock.now())).toEqual({ ok: false, reason: 'history' });
  });

  it("reason 'epoch': the stream's history was lost (positions of another incarnation)", () => {
    const { clock, svc, streams } = setup({ windowMs: 1000 });
    const s = svc.open('a', clock.now());
    svc.joined(s, 'r', clock.now());
    const m1 = svc.recordRoom('r', ev(1), undefined, undefined, clock.now())!;
    svc.suspend(s, new Set(['r']), null, clock.now());
    // The store lost the stream (as a restarted or flushed store would) and it was recreated.
    streams.delete('#r');
    svc.recordRoom('r', ev('new-1'), undefined, undefined, clock.now());
    const offer = offerOf('a', s.token, [m1]);
    expect(svc.claim(offer, clock.now()).ok).toBe(true);
    expect(svc.replay(s, offer, clock.now())).toEqual({ ok: false, reason: 'epoch' });
    // An offset the current incarnation never gave out is 'epoch' too.
    const ahead = new Map([['#r', { offset: 99, epoch: streams.epochOf('#r')! }]]);
    expect(svc.replay(s, { id: 'a', token: '', positions: ahead }, clock.now())).toEqual({ ok: false, reason: 'epoch' });
  });

  it("reason 'disabled': recovery off", () => {
    const config = resolveRecovery(false);
    const svc = new RecoveryService(config, new FakeSessionStore(), new MemoryStreamStore({ windowMs: 1, historySize: 1 }), new FakeTokenGenerator(), '/', () => false);
    expect(svc.claim({ id: 'a', token: 't', positions: new Map() }, 0)).toEqual({ ok: false, reason: 'disabled' });
  });

  it('keeps the rooms and metadata of a suspended session and restores them on attach', () => {
    const { clock, svc, streams, rooms } = setup({ windowMs: 1000 });
    const s = svc.open('a', clock.now());
    const meta = new Map<string, unknown>([['user', 'ann']]);
    svc.joined(s, 'r', clock.now());
    svc.joined(s, 'gone', clock.now());
    svc.suspend(s, new Set(['r', 'late']), meta, clock.now());
    expect([...s.streams.keys()].sort()).toEqual(['#late', '#r', '*', '@']);
    expect(s.metadata).toBe(meta);
    // The room has no live member (rooms is empty) but the suspended session keeps its stream.
    clock.advance(999);
    svc.sweep(clock.now());
    expect(streams.epochOf('#r')).toBeDefined();
    expect(svc.claim(offerOf('a', s.token, []), clock.now()).ok).toBe(true);
    svc.attach(s);
    expect(s.expiresAt).toBe(Infinity);
    // Attached and with no live room either: an idle empty stream is swept after the window.
    clock.advance(1001);
    svc.sweep(clock.now());
    expect(streams.epochOf('#r')).toBeUndefined();
    rooms.add('x');
    svc.recordRoom('x', ev(1), undefined, undefined, clock.now());
    clock.advance(5000);
    svc.sweep(clock.now());
    expect(streams.epochOf('#x')).toBeDefined(); // a live room keeps its (now empty) stream
    expect(streams.entryCount).toBe(0);
  });

  it('bounds: histories by historySize, sessions dropped after the window', () => {
    const { clock, svc, streams } = setup({ windowMs: 1000, historySize: 5 });
    for (let i = 0; i < 100; i++) svc.recordRoom('r', ev(i), undefined, undefined, clock.now());
    expect(streams.entryCount).toBe(5);
    for (let i = 0; i < 50; i++) svc.suspend(svc.open(`c${i}`, clock.now()), null, null, clock.now());
    expect(svc.sessionCount).toBe(50);
    clock.advance(1001);
    svc.sweep(clock.now());
    expect(svc.sessionCount).toBe(0);
    expect(streams.entryCount).toBe(0);
  });

  it('records binary messages and answers with their position; not room answers nor Connect', () => {
    const { clock, svc } = setup();
    const s = svc.open('a', clock.now());
    const bin = svc.recordRoom('r', { type: MessageType.Binary, event: 'b', bytes: Uint8Array.of(7), meta: { name: 'x' } }, undefined, undefined, 0);
    expect(bin).toMatchObject({ type: MessageType.Binary, event: 'b', meta: { name: 'x' }, pos: { stream: '#r', offset: 1 } });
    const answer = svc.recordAnswer(s, 3, { type: MessageType.AckResponse, ack: 'x', id: 1, data: 1 }, clock.now());
    expect(answer).toMatchObject({ type: MessageType.AckResponse, id: 1, data: 1, pos: { stream: '@', offset: 1 } });
    expect(s.answers!.get(3)).toBe(answer); // cached under the request's sequence number
    expect(svc.recordDirect('a', { type: MessageType.AckResponse, ack: 'x', data: 1 }, clock.now())).not.toBeNull();
    expect(svc.recordRoom('r', { type: MessageType.JoinRoom, room: 'r', ok: true }, undefined, undefined, 0)).toBeNull();
    expect(svc.recordDirect('nobody', ev(1), clock.now())).toBeNull();
    svc.end(s);
    expect(svc.recordAnswer(s, 4, { type: MessageType.AckResponse, ack: 'x', id: 2 }, clock.now())).toBeNull();
  });
});
