// The network between one node and Redis stalls (a proxy freezes all traffic without closing
// anything): the node does not crash, detects the stall, holds a bounded queue, drops the oldest
// with a count, reconnects when the network is back, and every delivery it was asked to send is
// accounted for: acknowledged by Redis (and then received by the other node), or counted lost.
import { describeWithRedis, startPrivateRedis, uniquePrefix, type PrivateRedis } from '../../helpers/redis';
import { FreezeProxy } from './freeze-proxy';
import { type TestNode, sleep, startNode, waitFor } from './cluster-kit';

describeWithRedis(
  'RedisClusterBus: the network to Redis stalls',
  () => {
    jest.setTimeout(40000);
    let redis: PrivateRedis;
    let proxy: FreezeProxy;
    let a: TestNode, b: TestNode;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      proxy = new FreezeProxy(redis.port);
      await proxy.listen();
      const prefix = uniquePrefix('stall');
      const limits = { stallTimeoutMs: 600, maxInFlight: 50, outboundQueueMax: 100 };
      a = await startNode({ host: '127.0.0.1', port: proxy.port, retryStrategy: () => 100, connectTimeout: 500 }, prefix, 'node-a', {}, limits);
      b = await startNode(redis.url, prefix, 'node-b', {});
    });
    afterAll(async () => {
      await Promise.all([a?.bus.stop(), b?.bus.stop()]);
      await proxy?.close();
      await redis?.stop();
    });

    it('holds a bounded queue, counts every loss, and recovers', async () => {
      let sent = 0;
      let peakQueued = 0;
      const send = () => {
        a.bus.publish({ target: { kind: 'all' }, event: 'tick', data: sent++ });
        peakQueued = Math.max(peakQueued, a.bus.counters.queued);
      };
      for (let i = 0; i < 20; i++) send();
      await waitFor(() => b.received.length === 20, 'traffic before the stall');

      proxy.freeze();
      const end = Date.now() + 2500;
      while (Date.now() < end) {
        for (let i = 0; i < 20; i++) send();
        await sleep(20);
      }
      // Bounded: at most outboundQueueMax held, at most maxInFlight written to the frozen socket.
      expect(peakQueued).toBeLessThanOrEqual(100);
      const k = a.bus.counters;
      expect(k.inFlight).toBeLessThanOrEqual(50);
      expect(k.droppedQueueFull).toBeGreaterThan(0);
      expect(k.stalls + k.subscriberStalls).toBeGreaterThan(0); // detected, reconnect attempted
      expect(a.logger.has('warn', /stalled/)).toBe(true);

      proxy.thaw();
      await waitFor(() => a.bus.counters.queued + a.bus.counters.inFlight === 0, 'outbound drained', 15000);
      let probe = 0;
      await waitFor(
        () => {
          a.bus.publish({ target: { kind: 'all' }, event: 'after', data: probe++ });
          return b.received.some((d) => d.event === 'after');
        },
        'deliveries after the network came back',
        15000,
      );
      await waitFor(() => a.bus.counters.queued + a.bus.counters.inFlight === 0, 'drained again');
      const c = a.bus.counters;
      const total = sent + probe;
      // Every delivery is accounted for on the publisher...
      expect(c.published + c.dropped).toBe(total);
      expect(c.dropped).toBe(c.droppedQueueFull + c.droppedStale + c.unconfirmed);
      // ...and the other node received every acknowledged one (never twice), plus perhaps some
      // of the unconfirmed ones (at-most-once: sent once, fate unknown when the link broke).
      await sleep(200);
      const ticks = b.received.filter((d) => d.event === 'tick').map((d) => d.data as number);
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(b.received.length).toBeGreaterThanOrEqual(c.published);
      expect(b.received.length).toBeLessThanOrEqual(c.published + c.unconfirmed);
      // ...and the receiver counted exactly what it never got of what was sent (sequence gaps).
      expect(b.received.length + b.bus.counters.missed).toBe(c.published + c.unconfirmed);
      expect(total - b.received.length).toBe(b.bus.counters.missed + c.droppedQueueFull + c.droppedStale);
    });
  },
  true,
);
