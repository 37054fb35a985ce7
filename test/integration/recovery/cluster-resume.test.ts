// Session recovery across a cluster (docs/CLUSTER.md, "Session recovery in a cluster"): three
// StelarServer processes over the machine's Redis (private key prefix). A client on node A is
// in a room; node A is SIGKILLed (by PID); nodes B and C keep publishing into the room; the
// client's reconnection lands on node B (the test's proxy is the load balancer) and resumes:
// same id, room restored by the server, metadata kept, every missed message in order, exactly
// once, before new ones — over WebSocket and TCP.
import * as path from 'node:path';
import Redis from 'ioredis';
import { decodeEnvelope } from '../../../src/adapters/redis/cluster-envelope.codec';
import { StelarClient } from '../../../src';
import { DropProxy } from '../../helpers/drop-proxy';
import { acquireRedis, describeWithRedis, startPrivateRedis, uniquePrefix, type PrivateRedis, type TestRedis } from '../../helpers/redis';
import { collect, until } from '../../helpers/server-kit';
import { waitFor } from '../cluster/cluster-kit';
import { ServerNode } from '../cluster/server-node-kit';

const FIXTURE = path.join(__dirname, 'fixtures/recovery-node.fixture.ts');

interface ConnectInfo {
  recovered: boolean;
  reason?: string;
}

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

  const to = (node: ServerNode, data: unknown) => node.ask('to', JSON.stringify(['lobby', 'n', data]));

  /** The room's order for the whole cluster: its Redis history, by offset. */
  async function historyOrder(prefix: string): Promise<unknown[]> {
    const admin = new Redis(redis.port, '127.0.0.1');
    try {
      const rows = await admin.xrangeBuffer(`${prefix}:h:{lobby}`, '-', '+');
      return rows.map(([, fields]) => {
        const env = decodeEnvelope(fields[1]);
        return env.type === 1 ? env.delivery.data : undefined;
      });
    } finally {
      admin.disconnect();
    }
  }

  it.each(['ws', 'tcp'] as const)(
    'over %s: node A SIGKILLed, the client resumes on node B with every missed message in order, exactly once',
    async (mode) => {
      const prefix = uniquePrefix(`resume-${mode}`);
      const [a, b, c] = await cluster(prefix);
      const portOf = (n: ServerNode) => (mode === 'ws' ? n.port : n.tcpPort);
      const proxy = await DropProxy.start(portOf(a));
      proxies.push(proxy);
      const target = mode === 'ws' ? `ws://127.0.0.1:${proxy.port}/` : `127.0.0.1:${proxy.port}`;
      const client = new StelarClient(target, { mode, logger: 'silent', reconnection: true, reconnectionDelay: 50, maxReconnectionDelay: 100 } as never);
      clients.push(client);
      const connects: ConnectInfo[] = [];
      client.on('connect', (info: ConnectInfo) => connects.push(info));
      const got = collect<number>(client, 'n');
      const me = collect<{ user: string; node: string }>(client, 'me');
      const metaOk = collect<boolean>(client, 'meta-ok');
      client.connect();
      await until(() => connects.length === 1, 10000, 'first connect');
      const id = client.getId()!;
      expect(await client.joinRoom('lobby')).toBe(true);
      client.emit('meta', 'ann');
      await until(() => metaOk.length === 1, 5000, 'metadata set');
      // Live, from the two other nodes, alternating: one order for the room across the cluster.
      for (let i = 1; i <= 6; i++) await to(i % 2 === 0 ? b : c, i);
      await until(() => got.length === 6, 5000, 'live 1..6');

      proxy.hold(); // the reconnection waits until the "while away" sends are done
      a.proc.kill('SIGKILL');
      await a.exited;
      // Published while the client is away (its node is dead): only B and C are left.
      for (let i = 7; i <= 26; i++) await to(i % 2 === 0 ? b : c, i);
      proxy.retarget(portOf(b));
      proxy.release();
      await until(() => connects.length === 2, 15000, 'reconnect to node B');
      expect(connects[1]).toEqual({ recovered: true });
      expect(client.isRecovered()).toBe(true);
      expect(client.getId()).toBe(id);
      // The room was restored by node B (no rejoin round trip) and new messages follow the missed ones.
      for (let i = 27; i <= 30; i++) await to(i % 2 === 0 ? b : c, i);
      await until(() => got.length >= 30, 10000, 'messages 27..30').catch((e) => { throw new Error(e.message + ' got=' + JSON.stringify(got)); });
      // Exactly once each, in the one order the cluster gave the room (B and C race each other).
      const order = await historyOrder(prefix);
      expect([...got].sort((x, y) => x - y)).toEqual([...Array(30).keys()].map((i) => i + 1));
      expect(got).toEqual(order);
      expect(await b.ask('members', 'lobby')).toEqual([id]);
      client.emit('whoami');
      await until(() => me.length === 1, 5000, 'whoami');
      expect(me[0]).toEqual({ user: 'ann', node: 'node-b' });
      // The client's own sends keep flowing through the room's single order.
      client.emit('say', 31);
      await until(() => got.length >= 31, 5000, 'own say');
      expect(got.slice(30)).toEqual([31]);
      expect((await historyOrder(prefix)).slice(30)).toEqual([31]);
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
