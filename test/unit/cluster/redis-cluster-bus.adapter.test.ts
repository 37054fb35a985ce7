// RedisClusterBus against an in-memory fake Redis and a manual clock: heartbeats, TTL drop-out,
// query timeouts and outages are stepped deterministically (the real-Redis behaviour is covered
// by test/integration/cluster).
import { RedisClusterBus } from '../../../src/adapters/redis';
import type { ClusterDelivery } from '../../../src/ports/cluster-bus.port';
import { FakeClusterStateProvider } from '../../fakes/fake-cluster-state.provider';
import { RecordingLogger } from '../../integration/cluster/cluster-kit';
import { FakeRedis, FakeRedisBroker, settle } from './fake-redis';
import { encodeBatch } from '../../../src/adapters/redis/cluster-batch.codec';
import { encodeDelivery, writeDeliverySeq } from '../../../src/adapters/redis/cluster-envelope.codec';
import { ManualClock } from './manual-clock';

interface Node {
  bus: RedisClusterBus;
  state: FakeClusterStateProvider;
  received: ClusterDelivery[];
  logger: RecordingLogger;
}

describe('RedisClusterBus (fake Redis, manual clock)', () => {
  let clock: ManualClock;
  let broker: FakeRedisBroker;
  let nodes: Node[];

  async function node(
    id: string,
    clients: Record<string, string[]> = {},
    extra: Partial<ConstructorParameters<typeof RedisClusterBus>[0]> = {},
  ): Promise<Node> {
    const logger = new RecordingLogger();
    const bus = new RedisClusterBus({
      redis: 'redis://fake:6379',
      prefix: 'p',
      nodeId: id,
      heartbeatMs: 1000,
      nodeTtlMs: 3000,
      queryTimeoutMs: 500,
      logger,
      clock,
      requireFn: broker.requireFn,
      ...extra,
    });
    const state = new FakeClusterStateProvider(clients);
    const received: ClusterDelivery[] = [];
    await bus.start((d) => received.push(d), state);
    const n = { bus, state, received, logger };
    nodes.push(n);
    return n;
  }

  beforeEach(() => {
    clock = new ManualClock();
    broker = new FakeRedisBroker(clock);
    nodes = [];
  });
  afterEach(async () => {
    for (const n of nodes) await n.bus.stop();
    expect(clock.pending).toBe(0);
    expect(broker.clients.size).toBe(0);
  });

  it('configures the publisher for at-most-once and the subscriber to resubscribe', async () => {
    await node('a');
    const [pub, sub] = [...broker.clients] as FakeRedis[];
    expect(pub.options).toMatchObject({
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    });
    expect(sub.options).toMatchObject({ lazyConnect: true, autoResubscribe: true });
    expect([...sub.channels].sort()).toEqual(['p:all', 'p:n:{a}']);
  });

  it('lets user connection options through but not over the guarantees', async () => {
    const retryStrategy = () => 7;
    const bus = new RedisClusterBus({
      redis: { host: 'h', port: 1, retryStrategy, enableOfflineQueue: true },
      nodeId: 'x',
      clock,
      requireFn: broker.requireFn,
    });
    await bus.start(() => {}, new FakeClusterStateProvider());
    const [pub] = [...broker.clients] as FakeRedis[];
    expect(pub.options).toMatchObject({ host: 'h', port: 1, retryStrategy, enableOfflineQueue: false });
    await bus.stop();
  });

  it('delivers to the other nodes only', async () => {
    const a = await node('a');
    const b = await node('b');
    a.bus.publish({ target: { kind: 'all' }, event: 'e', data: 1 });
    await settle();
    expect(b.received).toEqual([{ target: { kind: 'all' }, event: 'e', data: 1 }]);
    expect(a.received).toEqual([]);
  });

  it("packs one turn's deliveries to a room into one publish; the receiver delivers each, in order, gap-checked", async () => {
    const a = await node('a');
    const b = await node('b');
    b.bus.interest.roomOpened('r');
    await b.bus.interest.roomReady('r');
    for (let i = 0; i < 70; i++) a.bus.publish({ target: { kind: 'room', room: 'r' }, event: 'e', data: i });
    a.bus.publish({ target: { kind: 'all' }, event: 'after' });
    await settle();
    expect(b.received.map((d) => d.data ?? d.event)).toEqual([...Array.from({ length: 70 }, (_, i) => i), 'after']);
    // 64 + 6 to the room (publishBatchMax 64), then the broadcast alone.
    expect(a.bus.counters).toMatchObject({ published: 71, redisPublishes: 3, inFlight: 0, batchPending: 0 });
    expect(b.bus.counters).toMatchObject({ received: 71, missed: 0, invalid: 0 });
  });

  it('a malformed batch delivers nothing and counts once; a lost batch counts its deliveries as missed', async () => {
    const a = await node('a');
    const b = await node('b');
    const pub = [...broker.clients][0] as FakeRedis; // a's publisher
    const entry = (seq: number) => {
      const e = encodeDelivery('x', { target: { kind: 'all' }, event: 'e', data: seq });
      writeDeliverySeq(e, seq);
      return e;
    };
    const broken = encodeBatch([entry(1), entry(2)]);
    broken[broken.byteLength - 1] = 0x7b; // the last entry's JSON no longer parses
    await pub.publish('p:all', broken);
    await settle();
    expect(b.received).toEqual([]);
    expect(b.bus.counters).toMatchObject({ invalid: 1, received: 0 });
    expect(b.logger.has('warn', /not valid JSON/)).toBe(true);
    await pub.publish('p:all', encodeBatch([entry(1), entry(2)]));
    await pub.publish('p:all', entry(6)); // 3, 4, 5 (a lost batch) never arrived
    await settle();
    expect(b.received.map((d) => d.data)).toEqual([1, 2, 6]);
    expect(b.bus.counters).toMatchObject({ received: 3, missed: 3, invalid: 1 });
    expect(a.received.map((d) => d.data)).toEqual([1, 2, 6]); // origin 'x' is neither node: both receive
  });

  it('refreshes its presence on every heartbeat, so a live node never expires', async () => {
    const a = await node('a');
    await node('b');
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await settle();
    }
    expect((await a.bus.liveNodes()).sort()).toEqual(['a', 'b']);
  });

  it('drops a silent node after its TTL and reports partial until then', async () => {
    const a = await node('a', { a1: ['r'] });
    // A node that announced itself once and then died (no heartbeat, no answers).
    broker.set('{p}:nodes').add('ghost');
    broker.strings.set('{p}:node:ghost', { value: '{}', expiresAt: clock.now() + 3000 });

    const pending = a.bus.rooms();
    await settle();
    clock.advance(499);
    await settle();
    let done = false;
    void pending.then(() => (done = true));
    await settle();
    expect(done).toBe(false); // still waiting for the ghost
    clock.advance(1);
    expect(await pending).toEqual({ value: ['r'], partial: true, nodes: 1, nodeIds: ['a'] });

    clock.advance(2500); // past the ghost's TTL
    expect(await a.bus.liveNodes()).toEqual(['a']);
    expect(broker.set('{p}:nodes').has('ghost')).toBe(false); // pruned
    expect(await a.bus.rooms()).toMatchObject({ partial: false, nodes: 1 });
  });

  it('settles hasRemoteClient on the first yes, without waiting for silent nodes', async () => {
    const a = await node('a');
    await node('b', { x: [] });
    broker.set('{p}:nodes').add('ghost');
    broker.strings.set('{p}:node:ghost', { value: '{}', expiresAt: clock.now() + 3000 });
    const yes = a.bus.hasRemoteClient('x');
    await settle();
    expect(await yes).toBe(true); // no clock advance needed
    const no = a.bus.hasRemoteClient('y');
    await settle();
    clock.advance(500);
    expect(await no).toBe(false);
  });

  it('treats a malformed answer as missing (partial) with a warning', async () => {
    const a = await node('a', { a1: ['r'] });
    const b = await node('b', { b1: ['s'] });
    b.state.localRooms = () => [42 as unknown as string];
    const r = await a.bus.rooms();
    expect(r).toEqual({ value: ['r'], partial: true, nodes: 1, nodeIds: ['a'] });
    expect(a.logger.has('warn', /malformed answer from node b/)).toBe(true);
  });

  it('survives an outage: holds a bounded queue (oldest dropped, counted), answers locally, then re-announces', async () => {
    const a = await node('a', { a1: ['r'] }, { outboundQueueMax: 40 });
    const b = await node('b', { b1: ['r'] });
    await a.bus.liveNodes(); // learn about b
    broker.goDown();
    expect(a.logger.has('warn', /Redis connection lost \(read ECONNRESET\)/)).toBe(true);
    // One structured line per outage: the Error itself as `err` (pino keeps its stack).
    const lost = a.logger.lines.find((l) => l.level === 'warn' && l.fields?.connection === 'pub');
    expect(lost?.fields).toMatchObject({ component: 'cluster', nodeId: 'a' });
    expect((lost?.fields?.err as Error).message).toBe('read ECONNRESET');
    const before = broker.published;
    for (let i = 0; i < 100; i++) a.bus.publish({ target: { kind: 'all' }, event: 'held', data: i });
    expect(broker.published).toBe(before);
    expect(a.bus.counters).toMatchObject({ queued: 40, queuedPeak: 40, droppedQueueFull: 60, dropped: 60 });
    expect(a.logger.lines.filter((l) => l.level === 'warn').length).toBe(3); // lost, sub lost, losing
    expect(await a.bus.roomMembers('r')).toEqual({ value: ['a1'], partial: true, nodes: 1, nodeIds: ['a'] });
    clock.advance(5000); // heartbeats during the outage do nothing and throw nothing
    await settle();

    broker.comeBack(true); // restarted empty
    await settle();
    expect(a.logger.has('info', /reconnected; 60 cluster deliveries were lost/)).toBe(true);
    expect(a.logger.lines.find((l) => l.level === 'info' && l.fields?.connection === 'pub')?.fields).toMatchObject({ droppedDeliveries: 60 });
    expect(a.bus.counters.reconnects).toBeGreaterThanOrEqual(1);
    expect((await a.bus.liveNodes()).sort()).toEqual(['a', 'b']); // re-announced at once
    a.bus.publish({ target: { kind: 'all' }, event: 'back' });
    await settle();
    // The 40 most recent held deliveries went out first, in order, then the new one.
    expect(b.received.map((d) => d.data ?? d.event)).toEqual([...Array.from({ length: 40 }, (_, i) => 60 + i), 'back']);
    expect(a.bus.counters).toMatchObject({ queued: 0, published: 41, dropped: 60 });
    expect((await b.bus.roomMembers('r')).value.sort()).toEqual(['a1', 'b1']);
  });

  it('drops a held delivery older than outboundMaxAgeMs instead of sending it late', async () => {
    const a = await node('a', {}, { outboundMaxAgeMs: 2000 });
    const b = await node('b');
    broker.goDown();
    a.bus.publish({ target: { kind: 'all' }, event: 'old' });
    clock.advance(1500);
    a.bus.publish({ target: { kind: 'all' }, event: 'young' });
    clock.advance(1000);
    broker.comeBack(false);
    await settle();
    expect(b.received.map((d) => d.event)).toEqual(['young']);
    expect(a.bus.counters).toMatchObject({ droppedStale: 1, dropped: 1, published: 1 });
  });

  it('a failed presence lookup degrades to a local answer', async () => {
    const a = await node('a', { a1: [] });
    const pub = [...broker.clients][0] as FakeRedis;
    pub.smembers = async () => {
      throw new Error('LOADING Redis is loading the dataset in memory');
    };
    expect(await a.bus.clients()).toMatchObject({ value: [{ id: 'a1', rooms: [] }], nodes: 1 });
    expect(a.logger.has('warn', /presence lookup failed: LOADING/)).toBe(true);
  });

  it('stop() settles queries in flight with what arrived', async () => {
    const a = await node('a', { a1: ['r'] });
    broker.set('{p}:nodes').add('ghost');
    broker.strings.set('{p}:node:ghost', { value: '{}', expiresAt: clock.now() + 3000 });
    const q = a.bus.rooms();
    await settle();
    await a.bus.stop();
    expect(await q).toMatchObject({ value: ['r'], partial: true });
    expect(broker.set('{p}:nodes').has('a')).toBe(false); // withdrawn
    // Stopped: answers empty and complete, like the in-memory bus (peers are forgotten).
    expect(await a.bus.rooms()).toEqual({ value: [], partial: false, nodes: 1, nodeIds: ['a'] });
    expect(await a.bus.hasRemoteClient('x')).toBe(false);
  });
});
