// Session recovery across a cluster (docs/CLUSTER.md, "Session recovery in a cluster"): three
// StelarServer processes over the machine's Redis (private key prefix). A client on node A is
// in a room; node A is SIGKILLed (by PID); nodes B and C keep publishing into the room; the
// client's reconnection lands on node B (the test's proxy is the load balancer) and resumes:
// same id, room restored by the server, metadata kept, every missed message in order, exactly
// once, before new ones — over WebSocket and TCP.
import Redis from 'ioredis';
import { StelarClient } from '../../../src';
import { DropProxy } from '../../helpers/drop-proxy';
import { acquireRedis, describeWithRedis, startPrivateRedis, uniquePrefix, type PrivateRedis, type TestRedis } from '../../helpers/redis';
import { collect, until } from '../../helpers/server-kit';
import { waitFor } from '../cluster/cluster-kit';
import { ServerNode } from '../cluster/server-node-kit';
import { RECOVERY_FIXTURE, historyData, resumeOnAnotherNode, type ConnectInfo } from './cluster-resume.kit';

const FIXTURE = RECOVERY_FIXTURE;

describeWithRedis('session recovery across cluster nodes', () => {
  let redis: TestRedis;
  let nodes: ServerNode[] = [];
  const proxies: DropProxy[] = [];
  const clients: StelarClient[] = [];

  beforeAll(async () => {
    redis = await acquireRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const p of proxies.splice(0)) await p.close();
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
  });

  async function cluster(prefix: string): Promise<ServerNode[]> {
    const target = { host: '127.0.0.1', port: redis.port };
    nodes = await Promise.all(['a', 'b', 'c'].map((n) => ServerNode.spawn(target, prefix, `node-${n}`, false, FIXTURE)));
    return nodes;
  }

  /** The room's order for the whole cluster: its Redis history, by offset. */
  async function historyOrder(prefix: string): Promise<unknown[]> {
    const admin = new Redis(redis.port, '127.0.0.1');
    try {
      return historyData(await admin.xrangeBuffer(`${prefix}:h:{lobby}`, '-', '+'));
    } finally {
      admin.disconnect();
    }
  }

  it.each(['ws', 'tcp'] as const)(
    'over %s: node A SIGKILLed, the client resumes on node B with every missed message in order, exactly once',
    async (mode) => {
      const prefix = uniquePrefix(`resume-${mode}`);
      const ns = await cluster(prefix);
      await resumeOnAnotherNode(ns, mode, () => historyOrder(prefix), { proxies, clients });
    },
    60000,
  );
});

describeWithRedis(
  "session recovery across cluster nodes: Redis unreachable → 'unavailable'",
  () => {
    let redis: PrivateRedis;
    let nodes: ServerNode[] = [];
    const proxies: DropProxy[] = [];
    const clients: StelarClient[] = [];
    afterEach(async () => {
      for (const c of clients.splice(0)) c.disconnect();
      for (const p of proxies.splice(0)) await p.close();
      await Promise.all(nodes.map((n) => n.stop()));
      nodes = [];
      await redis.stop();
    });

    it("a client dropped while Redis is down reconnects to another node with reason 'unavailable'; delivery goes on; nothing crashes", async () => {
      redis = await startPrivateRedis();
      const target = { host: '127.0.0.1', port: redis.port, retryStrategy: () => 100 };
      const prefix = uniquePrefix('unavail');
      nodes = await Promise.all(['a', 'b'].map((n) => ServerNode.spawn(target, prefix, `node-${n}`, false, FIXTURE)));
      const [a, b] = nodes;
      const proxy = await DropProxy.start(a.port);
      proxies.push(proxy);
      const client = new StelarClient(`ws://127.0.0.1:${proxy.port}/`, { logger: 'silent', reconnection: true, reconnectionDelay: 50, maxReconnectionDelay: 100 } as never);
      clients.push(client);
      const connects: ConnectInfo[] = [];
      client.on('connect', (info: ConnectInfo) => connects.push(info));
      const got = collect<number>(client, 'n');
      client.connect();
      await until(() => connects.length === 1, 10000, 'first connect');
      const id = client.getId()!;
      expect(await client.joinRoom('lobby')).toBe(true);
      await a.ask('to', JSON.stringify(['lobby', 'n', 1]));
      await until(() => got.length === 1, 5000, 'message 1 (through Redis)');

      await redis.stop(true);
      // Redis is gone: node A still delivers to its own members (without a position).
      await a.ask('to', JSON.stringify(['lobby', 'n', 2]));
      await until(() => got.length === 2, 5000, 'message 2 (local, Redis down)');

      proxy.hold();
      proxy.cut();
      proxy.retarget(b.port);
      proxy.release();
      await until(() => connects.length === 2, 15000, 'reconnect to node B');
      expect(connects[1]).toEqual({ recovered: false, reason: 'unavailable' });
      expect(client.getId()).not.toBe(id);
      // A new session: the client rejoined its room on node B, which delivers locally.
      await waitFor(async () => (await b.ask<string[]>('members', 'lobby')).length === 1, 'member on B');
      await b.ask('to', JSON.stringify(['lobby', 'n', 3]));
      await until(() => got.length === 3, 5000, 'message 3 from node B');
      expect(got).toEqual([1, 2, 3]);
      expect(a.alive && b.alive).toBe(true);
    }, 60000);
  },
  true,
);
