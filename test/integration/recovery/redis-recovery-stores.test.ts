// The Redis recovery stores against a real Redis (the shared 6379 under a private prefix, or a
// private redis-server): sessions with TTL and compare-and-set, shared streams appended and
// published in one order by two "nodes", direct streams written behind, epoch on flush/deletion,
// MAXLEN trimming → 'history', and 'unavailable' when Redis is gone (a private server stopped).
import Redis from 'ioredis';
import { RecoveryRedisLink } from '../../../src/adapters/redis/recovery-redis.link';
import { RedisSessionStore } from '../../../src/adapters/redis/redis-session-store.adapter';
import { RedisStreamStore } from '../../../src/adapters/redis/redis-stream-store.adapter';
import { decodeEnvelope } from '../../../src/adapters/redis/cluster-envelope.codec';
import { SystemClock } from '../../../src/adapters/memory/system-clock.adapter';
import { MessageType, type EventMessage } from '../../../src/domain/message';
import type { StoredSession } from '../../../src/ports/session-store.port';
import type { StreamRead } from '../../../src/ports/stream-store.port';
import { FakeLogger } from '../../fakes/fake-logger';
import { acquireRedis, describeWithRedis, startPrivateRedis, uniquePrefix, type TestRedis } from '../../helpers/redis';
import { waitFor } from '../cluster/cluster-kit';

const clock = new SystemClock();

function session(id: string, token: string): StoredSession {
  return {
    id,
    namespace: '/',
    token,
    streams: new Map([['#lobby', { offset: 3, epoch: 'abcdefgh' }]]),
    metadata: new Map<string, unknown>([['user', 'ann']]),
    suspendedAt: null,
    expiresAt: Infinity,
    processed: 0,
    answers: null,
  };
}

function entriesOf(r: StreamRead): unknown[] {
  if (!r.ok) throw new Error(`read failed: ${r.reason}`);
  return r.entries.map((e) => (e.message as EventMessage).data);
}

describeWithRedis('Redis recovery stores', () => {
  let redis: TestRedis;
  let prefix: string;
  let admin: Redis;
  const links: RecoveryRedisLink[] = [];

  async function link(port = redis.port, timeoutMs = 1000): Promise<RecoveryRedisLink> {
    const l = new RecoveryRedisLink({ redis: { host: '127.0.0.1', port, retryStrategy: () => 100 }, prefix, sharded: false, logger: new FakeLogger(), clock, timeoutMs });
    links.push(l);
    await l.start();
    return l;
  }

  beforeAll(async () => {
    redis = await acquireRedis();
    admin = new Redis(redis.port, '127.0.0.1');
  });
  beforeEach(() => {
    prefix = uniquePrefix('recstore');
  });
  afterEach(async () => {
    await Promise.all(links.splice(0).map((l) => l.stop()));
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });

  it('stores a session with a TTL of windowMs + refresh, and writes it only with the expected token', async () => {
    const store = new RedisSessionStore(await link(), { windowMs: 5000, refreshMs: 1000 }, clock);
    const s = session('s1', 'tok-1');
    expect(await store.set(s)).toBe(true);
    const ttl = await admin.pttl(`${prefix}:s:{s1}`);
    expect(ttl).toBeGreaterThan(5000);
    expect(ttl).toBeLessThanOrEqual(6000);
    const got = (await store.get('s1'))!;
    expect(got).toMatchObject({ id: 's1', namespace: '/', token: 'tok-1', suspendedAt: null });
    expect([...got.streams]).toEqual([['#lobby', { offset: 3, epoch: 'abcdefgh' }]]);
    expect(got.metadata!.get('user')).toBe('ann');
    expect(store.local('s1')).toBe(s);

    // Compare-and-set: the claim of node B wins; node A's stale write (old token) does not.
    const b = { ...got, token: 'tok-2' };
    expect(await store.set(b, 'tok-1')).toBe(true);
    expect(await store.set({ ...s, token: 'tok-1' }, 'tok-1')).toBe(false);
    expect(await store.set({ ...got, token: 'tok-3' }, 'tok-1')).toBe(false);
    expect((await store.get('s1'))!.token).toBe('tok-2');

    // Suspended: TTL counts from the drop.
    const suspended = { ...b, suspendedAt: Date.now(), expiresAt: Date.now() + 5000 };
    expect(await store.set(suspended, 'tok-2')).toBe(true);
    expect((await store.get('s1'))!.expiresAt).toBe(suspended.suspendedAt + 5000);
    store.delete('s1', 'wrong');
    await waitFor(async () => (await admin.exists(`${prefix}:s:{s1}`)) === 1, 'kept');
    store.delete('s1', 'tok-2');
    await waitFor(async () => (await admin.exists(`${prefix}:s:{s1}`)) === 0, 'deleted');
    expect(await store.get('s1')).toBeUndefined();
  });

  it('two nodes publishing into one room get one offset sequence, in channel order, and read it back', async () => {
    const l1 = await link();
    const l2 = await link();
    const a = new RedisStreamStore(l1, { historySize: 100, windowMs: 60_000 }, 'node-a\u0000h', clock);
    const b = new RedisStreamStore(l2, { historySize: 100, windowMs: 60_000 }, 'node-b\u0000h', clock);
    const sub = new Redis(redis.port, '127.0.0.1');
    const heard: { offset: number; epoch: string; data: unknown }[] = [];
    sub.on('messageBuffer', (_c: Buffer, m: Buffer) => {
      const env = decodeEnvelope(m);
      if (env.type === 1) heard.push({ ...env.delivery.pos!, data: env.delivery.data });
    });
    await sub.subscribe(`${prefix}:room:{lobby}`);
    try {
      const base = await a.position('#lobby', Date.now());
      expect(base.offset).toBe(0);
      const sends: Promise<boolean>[] = [];
      for (let i = 0; i < 20; i++) {
        const store = i % 2 === 0 ? a : b;
        sends.push(store.distribute({ target: { kind: 'room', room: 'lobby' }, event: 'm', data: i, excludeId: i === 3 ? 'x' : undefined }, Date.now()));
      }
      expect(await Promise.all(sends)).toEqual(Array(20).fill(true));
      await waitFor(() => heard.length === 20, 'all 20 heard');
      expect(heard.map((h) => h.offset)).toEqual([...Array(20).keys()].map((i) => i + 1));
      expect(new Set(heard.map((h) => h.epoch))).toEqual(new Set([base.epoch]));
      const r = await b.read('#lobby', { offset: 5, epoch: base.epoch }, Date.now());
      expect(r.ok && r.top).toBe(20);
      expect(r.ok && r.entries.map((e) => e.offset)).toEqual([...Array(15).keys()].map((i) => i + 6));
      // The history's order is the channel's order.
      expect(entriesOf(r)).toEqual(heard.slice(5).map((h) => h.data));
      const all = await a.read('#lobby', base, Date.now());
      expect(all.ok && all.entries.find((e) => (e.message as EventMessage).data === 3)!.exclude).toBe('x');
      expect(await a.read('#lobby', { offset: 21, epoch: base.epoch }, Date.now())).toEqual({ ok: false, reason: 'epoch' });
    } finally {
      sub.disconnect();
    }
  });

  it('broadcasts have their own stream, published on the broadcast channel with ctx.broadcast\'s second exclusion', async () => {
    const store = new RedisStreamStore(await link(), { historySize: 10, windowMs: 60_000 }, 'n\u0000h', clock);
    const sub = new Redis(redis.port, '127.0.0.1');
    const heard: { offset: number; exclude2?: string }[] = [];
    sub.on('messageBuffer', (_c: Buffer, m: Buffer) => {
      const env = decodeEnvelope(m);
      if (env.type === 1) heard.push({ offset: env.delivery.pos!.offset, exclude2: env.delivery.exclude2 });
    });
    await sub.subscribe(`${prefix}:all`);
    try {
      const p0 = await store.position('*', Date.now());
      await store.distribute({ target: { kind: 'all' }, event: 'b', data: 'x', excludeId: 'e1', exclude2: 'sender' }, Date.now());
      await waitFor(() => heard.length === 1, 'broadcast heard');
      expect(heard).toEqual([{ offset: 1, exclude2: 'sender' }]);
      const r = await store.read('*', p0, Date.now());
      expect(r.ok && r.entries.map((e) => [e.offset, e.exclude, e.exclude2])).toEqual([[1, 'e1', 'sender']]);
    } finally {
      sub.disconnect();
    }
  });

  it("a flushed or deleted stream gets a new epoch ('epoch'), a trimmed one answers 'history'", async () => {
    const store = new RedisStreamStore(await link(), { historySize: 5, windowMs: 60_000 }, 'n\u0000h', clock);
    const room = { kind: 'room', room: 'r' } as const;
    const p0 = await store.position('#r', Date.now());
    for (let i = 1; i <= 12; i++) await store.distribute({ target: room, event: 'm', data: i }, Date.now());
    // 12 sent, 5 kept: 7 missed from the start is more than the history holds.
    expect(await store.read('#r', p0, Date.now())).toEqual({ ok: false, reason: 'history' });
    const tail = await store.read('#r', { offset: 7, epoch: p0.epoch }, Date.now());
    expect(entriesOf(tail)).toEqual([8, 9, 10, 11, 12]);
    // MAXLEN ~ trimmed the stream itself too (approximately: whole macro nodes).
    await admin.xtrim(`${prefix}:h:{r}`, 'MAXLEN', 3);
    expect(await store.read('#r', { offset: 7, epoch: p0.epoch }, Date.now())).toEqual({ ok: false, reason: 'history' });

    // Lost keys (as after FLUSHDB or eviction): the next publish starts a new incarnation.
    await admin.del(`${prefix}:h:{r}`, `${prefix}:hm:{r}`);
    expect(await store.read('#r', { offset: 12, epoch: p0.epoch }, Date.now())).toEqual({ ok: false, reason: 'epoch' });
    await store.distribute({ target: room, event: 'm', data: 'new' }, Date.now());
    const p1 = await store.position('#r', Date.now());
    expect(p1.epoch).not.toBe(p0.epoch);
    expect(p1.offset).toBe(1);
    expect(await store.read('#r', { offset: 1, epoch: p0.epoch }, Date.now())).toEqual({ ok: false, reason: 'epoch' });
  });

  it('a direct stream is numbered by its writer, written behind, and continued by the node that resumes it', async () => {
    const a = new RedisStreamStore(await link(), { historySize: 50, windowMs: 60_000 }, 'a\u0000h', clock);
    const b = new RedisStreamStore(await link(), { historySize: 50, windowMs: 60_000 }, 'b\u0000h', clock);
    const p = a.position('@s1', Date.now()) as { offset: number; epoch: string };
    expect(p.offset).toBe(0);
    const msg = (d: unknown) => ({ type: MessageType.Event, event: 'd', data: d }) as EventMessage;
    expect(a.append('@s1', msg(1), undefined, undefined, Date.now()).offset).toBe(1);
    expect(a.append('@s1', msg(2), undefined, undefined, Date.now()).offset).toBe(2);
    expect(a.epochOf('@s1')).toBe(p.epoch);
    await waitFor(async () => (await admin.xlen(`${prefix}:hd:{s1}`)) === 2, 'written behind');
    const r = await b.read('@s1', p, Date.now());
    expect(entriesOf(r)).toEqual([1, 2]);
    expect(b.append('@s1', msg(3), undefined, undefined, Date.now()).offset).toBe(3);
    await waitFor(async () => (await admin.xlen(`${prefix}:hd:{s1}`)) === 3, 'continued');
    // The old writer's late append (a stale node) lands nowhere once the stream was reset.
    b.delete('@s1');
    await waitFor(async () => (await admin.exists(`${prefix}:hdm:{s1}`)) === 0, 'deleted');
    expect(await b.read('@s1', p, Date.now())).toEqual({ ok: false, reason: 'epoch' });
  });

  it('a direct message to an away session: one atomic decision between "forward to the holder" and "append at the next offset"', async () => {
    const l = await link();
    // Node x holds the session, node y sends to it.
    const xs = new RedisSessionStore(l, { windowMs: 5000 }, clock, 'node-x');
    const x = new RedisStreamStore(l, { historySize: 50, windowMs: 60_000 }, 'x\u0000h', clock, undefined, 'node-x');
    const y = new RedisStreamStore(await link(), { historySize: 50, windowMs: 60_000 }, 'y\u0000h', clock, undefined, 'node-y');
    const msg = (d: unknown) => ({ type: MessageType.Event, event: 'd', data: d }) as EventMessage;
    expect(await y.sendAway('s7', msg(0), Date.now())).toBe('none'); // no such session
    const p = x.position('@s7', Date.now()) as { offset: number; epoch: string };
    const s = session('s7', 't1');
    expect(await xs.set(s)).toBe(true);
    expect(await admin.hget(`${prefix}:s:{s7}`, 'h')).toBe('node-x');
    x.append('@s7', msg(1), undefined, undefined, Date.now());
    // Held by node x, whose channel nobody listens on (node gone): its field is cleared, the message appended.
    expect(await y.sendAway('s7', msg(2), Date.now())).toBe('recorded');
    expect(await admin.hget(`${prefix}:s:{s7}`, 'h')).toBeNull();
    // The stale writer's late append is refused: the record no longer names it.
    x.append('@s7', msg(99), undefined, undefined, Date.now());
    expect(await y.sendAway('s7', { type: MessageType.Binary, event: 'b', bytes: new Uint8Array([7, 8]) }, Date.now())).toBe('recorded');
    const r = await y.read('@s7', p, Date.now());
    expect(r.ok && r.entries.map((e) => e.offset)).toEqual([1, 2, 3]);
    expect(r.ok && r.entries[2].message).toEqual({ type: MessageType.Binary, event: 'b', bytes: new Uint8Array([7, 8]), meta: undefined });
    // Held again (a resume on node x): forwarded to its channel, not appended.
    const sub = new Redis(redis.port, '127.0.0.1');
    try {
      const got: Buffer[] = [];
      sub.on('messageBuffer', (_c: Buffer, m: Buffer) => got.push(m));
      await sub.subscribe(`${prefix}:n:{node-x}`);
      s.suspendedAt = null;
      expect(await xs.set(s, 't1')).toBe(true);
      expect(await y.sendAway('s7', msg(4), Date.now())).toBe('forwarded');
      await waitFor(() => got.length === 1, 'forwarded envelope');
      const env = decodeEnvelope(got[0]);
      expect(env.type === 1 && env.delivery.target).toEqual({ kind: 'client', clientId: 's7' });
      expect(await admin.xlen(`${prefix}:hd:{s7}`)).toBe(3);
    } finally {
      sub.disconnect();
      xs.stop();
    }
  });

  it("a room message delivered while Redis was unreachable (a gap) gives the stream a new epoch when Redis is back ('epoch', never a silent hole)", async () => {
    const l = await link();
    const store = new RedisStreamStore(l, { historySize: 50, windowMs: 60_000 }, 'n\u0000h', clock);
    const room = { kind: 'room', room: 'g' } as const;
    const other = { kind: 'room', room: 'quiet' } as const;
    await store.distribute({ target: room, event: 'm', data: 1 }, Date.now());
    await store.distribute({ target: other, event: 'm', data: 1 }, Date.now());
    const before = await store.position('#g', Date.now());
    const quietBefore = await store.position('#quiet', Date.now());
    expect(before.offset).toBe(1);

    // The connection drops (Redis itself keeps its data) and reconnects by itself.
    (l.client as unknown as { disconnect(reconnect: boolean): void }).disconnect(true);
    await waitFor(() => !l.ready, 'link down');
    expect(await store.distribute({ target: room, event: 'm', data: 'unrecorded' }, Date.now())).toBe(false);
    await waitFor(() => l.ready && store.counters.gapsClosed === 1, 'gap closed after the reconnect', 5000);

    // A client that saw message 1 and was away during the gap cannot resume as if nothing was lost.
    expect(await store.read('#g', { offset: 1, epoch: before.epoch }, Date.now())).toEqual({ ok: false, reason: 'epoch' });
    const after = await store.position('#g', Date.now());
    expect(after.epoch).not.toBe(before.epoch);
    await store.distribute({ target: room, event: 'm', data: 2 }, Date.now());
    expect(entriesOf(await store.read('#g', after, Date.now()))).toEqual([2]);
    // A stream with no delivery during the outage keeps its history and epoch.
    expect(entriesOf(await store.read('#quiet', { offset: 0, epoch: quietBefore.epoch }, Date.now()))).toEqual([1]);
    expect(store.counters.gapsUnmarked).toBe(0);
  });

  it("answers 'unavailable' (never hangs, never throws) when its Redis is gone", async () => {
    const own = await startPrivateRedis();
    try {
      const l = await link(own.port, 300);
      const streams = new RedisStreamStore(l, { historySize: 10, windowMs: 60_000 }, 'n\u0000h', clock);
      const sessions = new RedisSessionStore(l, { windowMs: 5000 }, clock);
      const p = await streams.position('#r', Date.now());
      expect(await sessions.set(session('s9', 't'))).toBe(true);
      await own.stop(true);
      await waitFor(() => !l.ready, 'link down');
      const t0 = Date.now();
      expect(await streams.read('#r', p, Date.now())).toEqual({ ok: false, reason: 'unavailable' });
      await expect(sessions.get('s9')).rejects.toThrow();
      expect(await streams.distribute({ target: { kind: 'room', room: 'r' }, event: 'm', data: 1 }, Date.now())).toBe(false);
      expect(streams.counters.notSent).toBe(1);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      await own.stop();
    }
  });
});
