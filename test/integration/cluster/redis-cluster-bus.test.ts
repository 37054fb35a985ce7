// Three RedisClusterBus nodes in one process against a real Redis: deliveries, queries, stop.
import { randomBytes } from 'node:crypto';
import { RedisClusterBus } from '../../../src/adapters/redis';
import type { ClusterDelivery } from '../../../src/ports/cluster-bus.port';
import { FakeClusterStateProvider } from '../../fakes/fake-cluster-state.provider';
import { acquireRedis, describeWithRedis, uniquePrefix, type TestRedis } from '../../helpers/redis';
import { ManualClock } from '../../unit/cluster/manual-clock';
import { type TestNode, startNode, waitFor } from './cluster-kit';

// The same suite over plain pub/sub and over sharded pub/sub (SPUBLISH/SSUBSCRIBE) on one Redis:
// one code path above the links (redis-links.ts).
for (const sharded of [false, true]) describeWithRedis(`RedisClusterBus: three nodes on one Redis (${sharded ? 'sharded' : 'plain'} pub/sub)`, () => {
  let redis: TestRedis;
  let prefix: string;
  let a: TestNode, b: TestNode, c: TestNode;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(async () => {
    redis = await acquireRedis();
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await redis.stop();
  });

  beforeEach(async () => {
    prefix = uniquePrefix('bus');
    a = await startNode(redis.url, prefix, 'node-a', { a1: ['lobby', 'a-only'], a2: [] }, { sharded });
    b = await startNode(redis.url, prefix, 'node-b', { b1: ['lobby'] }, { sharded });
    c = await startNode(redis.url, prefix, 'node-c', { c1: ['lobby', 'c-room'], c2: ['c-room'] }, { sharded });
  });
  afterEach(async () => {
    await Promise.all([a, b, c].map((n) => n.bus.stop()));
    expect(unhandled).toEqual([]);
  });

  /** Publishes a sentinel from `from` and waits until every other node saw it: per-publisher
   * ordering then guarantees everything published before it has arrived too. */
  async function flush(from: TestNode, others: TestNode[]): Promise<void> {
    const tag = `flush-${randomBytes(4).toString('hex')}`;
    from.bus.publish({ target: { kind: 'all' }, event: tag });
    await waitFor(() => others.every((n) => n.received.some((d) => d.event === tag)), tag);
    for (const n of [from, ...others]) {
      const i = n.received.findIndex((d) => d.event === tag);
      if (i >= 0) n.received.splice(i, 1);
    }
  }

  it('delivers to every other node exactly once, in publish order, never echoing', async () => {
    const sent: ClusterDelivery[] = [];
    for (let i = 0; i < 30; i++) {
      const d: ClusterDelivery =
        i % 3 === 0
          ? { target: { kind: 'all' }, event: 'tick', data: { i } }
          : i % 3 === 1
            ? { target: { kind: 'room', room: 'lobby' }, event: 'room-tick', data: { i } }
            : { target: { kind: 'client', clientId: 'c1' }, event: 'dm', data: { i } };
      sent.push(d);
      a.bus.publish(d);
    }
    await flush(a, [b, c]);
    // Interest routing: the direct sends to c1 go to node-c only; b is in the lobby, so it gets
    // the room deliveries and the broadcasts. Order is kept across the three channels.
    expect(b.received).toEqual(sent.filter((d) => d.target.kind !== 'client'));
    expect(c.received).toEqual(sent);
    expect(a.received).toEqual([]);
    expect(b.bus.counters.received).toBe(21);
    expect(c.bus.counters.received).toBe(31);
    expect(a.bus.counters.published).toBe(31);
    expect(a.bus.counters.undeliverable).toBe(0);
  });

  it('three publishers at once: each node gets every other node\'s stream once, in order', async () => {
    const N = 500;
    const all = [a, b, c];
    for (let i = 0; i < N; i++) {
      for (const n of all) {
        n.bus.publish(
          i % 2
            ? { target: { kind: 'all' }, event: n.bus.nodeId, data: i }
            : { target: { kind: 'all' }, event: n.bus.nodeId, bytes: Uint8Array.of(i & 0xff, i >> 8) },
        );
      }
    }
    await waitFor(() => all.every((n) => n.received.length >= 2 * N), 'all streams', 15000);
    await flush(a, [b, c]);
    await flush(b, [a, c]);
    await flush(c, [a, b]);
    for (const n of all) {
      expect(n.received).toHaveLength(2 * N);
      for (const from of all) {
        const seq = n.received
          .filter((d) => d.event === from.bus.nodeId)
          .map((d) => (d.bytes ? d.bytes[0] | (d.bytes[1] << 8) : (d.data as number)));
        expect(seq).toEqual(from === n ? [] : Array.from({ length: N }, (_, i) => i));
      }
    }
  });

  it('carries excludeId, and every node can publish', async () => {
    b.bus.publish({ target: { kind: 'room', room: 'lobby' }, event: 'msg', data: 'hi', excludeId: 'b1' });
    c.bus.publish({ target: { kind: 'all' }, event: 'from-c', data: null });
    await flush(b, [a, c]);
    await flush(c, [a, b]);
    const expected = { target: { kind: 'room', room: 'lobby' }, event: 'msg', data: 'hi', excludeId: 'b1' };
    // Two publishers: no order between them, so compare as a set.
    expect(a.received).toHaveLength(2);
    expect(a.received).toEqual(
      expect.arrayContaining([expected, { target: { kind: 'all' }, event: 'from-c', data: null }]),
    );
    expect(c.received).toEqual([expected]);
    expect(b.received).toEqual([{ target: { kind: 'all' }, event: 'from-c', data: null }]);
  });

  it('keeps binary payloads intact (all 256 byte values, 256 KiB)', async () => {
    const bytes = randomBytes(256 * 1024);
    for (let i = 0; i < 256; i++) bytes[i] = i;
    const meta = { name: 'blob.bin', type: 'application/octet-stream' };
    a.bus.publish({ target: { kind: 'room', room: 'lobby' }, event: 'blob', bytes, meta, excludeId: 'a1' });
    await flush(a, [b, c]);
    for (const n of [b, c]) {
      expect(n.received).toHaveLength(1);
      expect(n.received[0].data).toBeUndefined();
      expect(n.received[0].excludeId).toBe('a1');
      expect(n.received[0].meta).toEqual(meta);
      expect(Buffer.from(n.received[0].bytes!).equals(bytes)).toBe(true);
    }
  });

  it('merges cluster-wide queries from every node', async () => {
    const rooms = await a.bus.rooms();
    expect(rooms.partial).toBe(false);
    expect(rooms.nodes).toBe(3);
    expect(rooms.nodeIds![0]).toBe('node-a');
    expect([...rooms.nodeIds!].sort()).toEqual(['node-a', 'node-b', 'node-c']);
    expect([...rooms.value].sort()).toEqual(['a-only', 'c-room', 'lobby']);

    const lobby = await b.bus.roomMembers('lobby');
    expect(lobby).toMatchObject({ partial: false, nodes: 3 });
    expect([...lobby.value].sort()).toEqual(['a1', 'b1', 'c1']);
    expect((await b.bus.roomMembers('nobody-here')).value).toEqual([]);

    const all = await c.bus.clients();
    expect(all.value.map((x) => x.id).sort()).toEqual(['a1', 'a2', 'b1', 'c1', 'c2']);
    expect(all.value.find((x) => x.id === 'a1')!.rooms.sort()).toEqual(['a-only', 'lobby']);
    const inCRoom = await a.bus.clients('c-room');
    expect(inCRoom.value.map((x) => x.id).sort()).toEqual(['c1', 'c2']);

    const stats = await a.bus.stats();
    expect(stats.partial).toBe(false);
    const byNode = Object.fromEntries(stats.nodeIds!.map((id, i) => [id, stats.value[i]]));
    expect(byNode).toEqual({
      'node-a': { connections: 2 },
      'node-b': { connections: 1 },
      'node-c': { connections: 2 },
    });
  });

  it('sees state changes on other nodes at query time', async () => {
    c.state.add('c3', ['late-room']);
    c.bus.interest.clientAdded('c3');
    expect((await a.bus.rooms()).value).toContain('late-room');
    expect(await a.bus.hasRemoteClient('c3')).toBe(true);
    expect(await a.bus.hasRemoteClient('a1')).toBe(false); // local, not remote
    expect(await a.bus.hasRemoteClient('ghost')).toBe(false);
  });

  it('answers concurrent queries independently', async () => {
    const [r1, r2, r3] = await Promise.all([a.bus.rooms(), b.bus.roomMembers('c-room'), c.bus.stats()]);
    expect(r1.nodes).toBe(3);
    expect([...r2.value].sort()).toEqual(['c1', 'c2']);
    expect(r3.value).toHaveLength(3);
  });

  it('reports partial=true when a node cannot answer, within the timeout', async () => {
    c.state.failWith = new Error('boom');
    const t0 = Date.now();
    const r = await a.bus.roomMembers('lobby');
    expect(Date.now() - t0).toBeLessThan(3000); // never hangs (timeout is 400 ms)
    expect(r.partial).toBe(true);
    expect(r.nodes).toBe(2);
    expect([...r.value].sort()).toEqual(['a1', 'b1']);
    expect(c.logger.has('error', /state provider failed/)).toBe(true);
  });

  it('a cleanly stopped node leaves presence at once and queries stay complete', async () => {
    await c.bus.stop();
    expect((await a.bus.liveNodes()).sort()).toEqual(['node-a', 'node-b']);
    const r = await a.bus.rooms();
    expect(r).toMatchObject({ partial: false, nodes: 2 });
    expect(r.value).not.toContain('c-room');
    a.bus.publish({ target: { kind: 'all' }, event: 'after-stop' });
    await flush(a, [b]);
    expect(c.received).toEqual([]);
    await c.bus.stop(); // idempotent
  });

  it('ignores malformed envelopes on its channels and keeps working', async () => {
    // Raw garbage published by someone else on the delivery channel.
    const Redis = require('ioredis');
    const raw = new Redis(redis.url);
    try {
      const pub = (ch: string, m: string | Buffer) => (sharded ? raw.spublish(ch, m) : raw.publish(ch, m));
      await pub(`${prefix}:all`, Buffer.from([2, 1, 200, 0]));
      await pub(`${prefix}:n:{node-b}`, 'not an envelope');
      await waitFor(() => b.bus.counters.invalid >= 2, 'invalid envelopes counted');
    } finally {
      await raw.quit();
    }
    expect(b.logger.has('warn', /Invalid cluster envelope/)).toBe(true);
    a.bus.publish({ target: { kind: 'all' }, event: 'still-fine' });
    await flush(a, [b, c]);
    expect(b.received.map((d) => d.event)).toEqual(['still-fine']);
  });

  it('a throwing delivery handler is logged, not fatal', async () => {
    const bad = new RedisClusterBus({ redis: redis.url, prefix, nodeId: 'node-bad', logger: b.logger, sharded });
    await bad.start(() => {
      throw new Error('handler exploded');
    }, new FakeClusterStateProvider());
    try {
      a.bus.publish({ target: { kind: 'all' }, event: 'x' });
      await flush(a, [b, c]);
      await waitFor(() => b.logger.has('error', /handler exploded/), 'handler error logged');
    } finally {
      await bad.stop();
    }
  });
});

describeWithRedis('RedisClusterBus: lifecycle', () => {
  let redis: TestRedis;
  beforeAll(async () => (redis = await acquireRedis()));
  afterAll(() => redis.stop());

  it('stop() clears every timer and closes both connections', async () => {
    const clock = new ManualClock();
    const bus = new RedisClusterBus({ redis: redis.url, prefix: uniquePrefix('life'), nodeId: 'n', clock });
    await bus.start(() => {}, new FakeClusterStateProvider());
    expect(bus.running).toBe(true);
    expect(clock.pending).toBeGreaterThan(0); // the heartbeat
    const clients = [(bus as any).links.pub, (bus as any).links.sub];
    await bus.stop();
    expect(bus.running).toBe(false);
    expect(clock.pending).toBe(0);
    for (const cl of clients) {
      expect(cl.status).toBe('end');
      expect(cl.listenerCount('messageBuffer')).toBe(0);
      expect(cl.listenerCount('ready')).toBe(0);
    }
    // After stop, publish is a no-op and queries answer empty, like the in-memory bus.
    expect(() => bus.publish({ target: { kind: 'all' }, event: 'e' })).not.toThrow();
    expect(await bus.rooms()).toEqual({ value: [], partial: false, nodes: 1, nodeIds: ['n'] });
  });

  it('start() twice is a caller mistake', async () => {
    const bus = new RedisClusterBus({ redis: redis.url, prefix: uniquePrefix('life'), nodeId: 'n' });
    await bus.start(() => {}, new FakeClusterStateProvider());
    try {
      await expect(bus.start(() => {}, new FakeClusterStateProvider())).rejects.toThrow(/twice/);
    } finally {
      await bus.stop();
    }
  });

  it('stop() while start() is in flight waits for it and then stops', async () => {
    const bus = new RedisClusterBus({ redis: redis.url, prefix: uniquePrefix('life'), nodeId: 'n' });
    const started = bus.start(() => {}, new FakeClusterStateProvider());
    await bus.stop();
    await started;
    expect(bus.running).toBe(false);
    expect((bus as any).links).toBeUndefined();
  });

  it('start() rejects clearly and leaves nothing running when Redis is unreachable', async () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    const bus = new RedisClusterBus({ redis: 'redis://127.0.0.1:1', nodeId: 'n', logger });
    await expect(bus.start(() => {}, new FakeClusterStateProvider())).rejects.toThrow(
      /cannot use Redis at redis:\/\/127\.0\.0\.1:1/,
    );
    expect(bus.running).toBe(false);
    expect((bus as any).links).toBeUndefined();
  });

  it('a single node answers queries alone, complete', async () => {
    const bus = new RedisClusterBus({ redis: redis.url, prefix: uniquePrefix('solo'), nodeId: 'solo' });
    await bus.start(() => {}, new FakeClusterStateProvider({ x: ['r'] }));
    try {
      expect(await bus.rooms()).toEqual({ value: ['r'], partial: false, nodes: 1, nodeIds: ['solo'] });
    } finally {
      await bus.stop();
    }
  });
});
