import { MemoryStreamStore } from '../../../src/adapters/memory/memory-stream-store.adapter';
import { MemorySessionStore, RandomSessionTokenGenerator } from '../../../src/adapters/memory/memory-session-store.adapter';
import { MessageType, type EventMessage } from '../../../src/domain/message';
import { fakeEpochs } from '../../fakes/fake-recovery-stores';

const ev = (data: number): EventMessage => ({ type: MessageType.Event, event: 'm', data });

describe('MemoryStreamStore', () => {
  it('keeps the last historySize entries in order across many appends (compaction)', () => {
    const store = new MemoryStreamStore({ historySize: 7, windowMs: 1000 }, fakeEpochs());
    for (let i = 1; i <= 500; i++) store.append('s', ev(i), undefined, undefined, 0);
    expect(store.entryCount).toBe(7);
    const r = store.read('s', { offset: 493, epoch: 'e1' }, 0);
    expect(r.ok && r.entries.map((e) => (e.message as EventMessage).data)).toEqual([494, 495, 496, 497, 498, 499, 500]);
    expect(store.read('s', { offset: 492, epoch: 'e1' }, 0)).toEqual({ ok: false, reason: 'history' });
    expect(store.read('s', { offset: 500, epoch: 'e1' }, 0)).toEqual({ ok: true, epoch: 'e1', top: 500, entries: [] });
  });

  it('gives every stream its own random epoch and a store-wide send order', () => {
    const store = new MemoryStreamStore({ historySize: 5, windowMs: 1000 });
    const a = store.append('a', ev(1), undefined, undefined, 0);
    const b = store.append('b', ev(2), undefined, undefined, 0);
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(store.epochOf('a')).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(store.epochOf('a')).not.toBe(store.epochOf('b'));
    expect(store.read('missing', { offset: 0, epoch: 'x' }, 0)).toEqual({ ok: false, reason: 'epoch' });
  });

  it('drops aged entries and idle empty streams that nothing keeps', () => {
    const store = new MemoryStreamStore({ historySize: 5, windowMs: 100 }, fakeEpochs());
    store.append('a', ev(1), undefined, undefined, 0);
    store.append('b', ev(1), undefined, undefined, 0);
    store.sweep(150, (s) => s === 'b');
    expect(store.entryCount).toBe(0);
    expect(store.epochOf('a')).toBeUndefined();
    expect(store.epochOf('b')).toBe('e2');
  });
});

describe('MemorySessionStore and tokens', () => {
  it('tokens are 128 random bits (22 base64url characters), all different', () => {
    const gen = new RandomSessionTokenGenerator();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(gen.next());
    expect(seen.size).toBe(1000);
    for (const t of seen) expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('sweep removes and returns the expired sessions only', () => {
    const store = new MemorySessionStore();
    const base = { namespace: '/', token: 't', streams: new Map(), metadata: null, suspendedAt: 0, processed: 0, answers: null };
    store.set({ ...base, id: 'old', expiresAt: 10 });
    store.set({ ...base, id: 'new', expiresAt: 1000 });
    expect(store.sweep(100).map((s) => s.id)).toEqual(['old']);
    expect(store.size).toBe(1);
  });
});
