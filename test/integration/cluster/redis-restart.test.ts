// Redis restarted mid-run (ALWAYS a private redis-server on a free port, never the shared one):
// nodes survive the outage without throwing, keep answering locally, drop (not queue) deliveries
// meanwhile, then reconnect, resubscribe and re-announce so deliveries and queries work again.
import { describeWithRedis, startPrivateRedis, uniquePrefix, type PrivateRedis } from '../../helpers/redis';
import { type TestNode, sleep, startNode, waitFor } from './cluster-kit';

describeWithRedis(
  'RedisClusterBus: Redis restarted mid-run',
  () => {
    let redis: PrivateRedis;
    let nodes: TestNode[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);

    beforeEach(async () => {
      process.on('unhandledRejection', onUnhandled);
      redis = await startPrivateRedis();
      const prefix = uniquePrefix('restart');
      // Fast reconnects so the test does not wait on the default back-off.
      const opts = { host: '127.0.0.1', port: redis.port, retryStrategy: () => 100 };
      nodes = [
        await startNode(opts, prefix, 'node-a', { a1: ['lobby'] }),
        await startNode(opts, prefix, 'node-b', { b1: ['lobby'] }),
        await startNode(opts, prefix, 'node-c', { c1: ['lobby'] }),
      ];
    });
    afterEach(async () => {
      await Promise.all(nodes.map((n) => n.bus.stop()));
      await redis.stop();
      process.off('unhandledRejection', onUnhandled);
      expect(unhandled).toEqual([]);
    });

    it('survives the restart; publish after it reaches the others again', async () => {
      const [a, b, c] = nodes;
      await waitFor(async () => (await a.bus.liveNodes()).length === 3, 'all nodes present');
      a.bus.publish({ target: { kind: 'all' }, event: 'before' });
      await waitFor(() => b.received.length === 1 && c.received.length === 1, 'delivery before');

      await redis.stop(true);
      // Publishing while Redis is down neither throws nor grows without bound: it is held in
      // the bounded outbound queue (default 10000), every delivery accounted for.
      for (let i = 0; i < 5; i++) a.bus.publish({ target: { kind: 'all' }, event: 'during', data: i });
      await waitFor(() => a.bus.counters.queued > 0 || a.bus.counters.unconfirmed > 0, 'deliveries held');
      expect(a.logger.has('warn', /connection lost/)).toBe(true);
      // Queries still answer (locally, flagged partial because peers were known), never hang.
      const t0 = Date.now();
      const down = await a.bus.roomMembers('lobby');
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(down).toMatchObject({ value: ['a1'], partial: true, nodes: 1 });

      await sleep(200);
      await redis.restart();

      // Reconnect + resubscribe: keep probing until every other node hears from node-a.
      let probe = 0;
      await waitFor(
        () => {
          a.bus.publish({ target: { kind: 'all' }, event: 'probe', data: probe++ });
          return [b, c].every((n) => n.received.some((d) => d.event === 'probe'));
        },
        'deliveries to flow again after the restart',
        15000,
      );
      // What was held went out once after the reconnect (or was counted lost): never twice.
      for (const n of [b, c]) expect(n.received.filter((d) => d.event === 'during').length).toBeLessThanOrEqual(5);
      await waitFor(() => a.bus.counters.queued + a.bus.counters.inFlight === 0, 'outbound drained');
      const k = a.bus.counters;
      expect(k.published + k.dropped).toBe(k.published + k.droppedQueueFull + k.droppedStale + k.unconfirmed);
      // Then every delivery arrives exactly once again, from every node.
      for (const n of nodes) n.received.length = 0;
      b.bus.publish({ target: { kind: 'room', room: 'lobby' }, event: 'after', data: 'b', excludeId: 'b1' });
      await waitFor(
        () => [a, c].every((n) => n.received.some((d) => d.event === 'after')),
        'delivery after the restart',
      );
      await sleep(100);
      const after = (n: TestNode) => n.received.filter((d) => d.event === 'after');
      expect(after(a)).toHaveLength(1);
      expect(after(c)).toHaveLength(1);
      expect(after(b)).toHaveLength(0);
      expect(after(a)[0]).toEqual({ target: { kind: 'room', room: 'lobby' }, event: 'after', data: 'b', excludeId: 'b1' });
      // The empty Redis learned about every node again (re-announce), so queries are complete.
      await waitFor(async () => (await a.bus.liveNodes()).length === 3, 'nodes re-announced');
      const members = await a.bus.roomMembers('lobby');
      expect(members.partial).toBe(false);
      expect([...members.value].sort()).toEqual(['a1', 'b1', 'c1']);
      expect(a.logger.has('info', /reconnected/)).toBe(true);
      for (const n of nodes) expect(n.bus.running).toBe(true);
    });

    it('stop() during an outage finishes promptly and nothing reconnects afterwards', async () => {
      const [a] = nodes;
      const clients = [(a.bus as any).links.pub, (a.bus as any).links.sub];
      await redis.stop(true);
      await waitFor(() => clients.every((cl) => cl.status !== 'ready'), 'outage noticed');
      const t0 = Date.now();
      await a.bus.stop();
      expect(Date.now() - t0).toBeLessThan(2500);
      expect(a.bus.running).toBe(false);
      await redis.restart();
      await sleep(500); // several retry periods (100 ms): a leaked reconnect timer would fire
      for (const cl of clients) expect(cl.status).not.toBe('ready');
      // The other nodes come back without it.
      await waitFor(async () => (await nodes[1].bus.liveNodes()).length === 2, 'b and c re-announced', 10000);
      expect((await nodes[1].bus.liveNodes()).sort()).toEqual(['node-b', 'node-c']);
    });
  },
  true,
);
