// The cross-node resume scenario, shared by the single-Redis and Redis Cluster suites: a client
// on node A in a room (with metadata); node A SIGKILLed; nodes B and C keep publishing into the
// room; the client's reconnection (the proxy is the load balancer) lands on node B and resumes.
import * as path from 'node:path';
import Redis from 'ioredis';
import { StelarClient } from '../../../src';
import { decodeEnvelope } from '../../../src/adapters/redis/cluster-envelope.codec';
import { DropProxy } from '../../helpers/drop-proxy';
import { collect, until } from '../../helpers/server-kit';
import { acquireRedis, type TestRedis } from '../../helpers/redis';
import { ServerNode } from '../cluster/server-node-kit';
import type { ConnectInfo } from './recovery-e2e.kit';

export const RECOVERY_FIXTURE = path.join(__dirname, 'fixtures/recovery-node.fixture.ts');

export type { ConnectInfo };

/** What a test must tear down. */
export interface Owned {
  readonly proxies: DropProxy[];
  readonly clients: StelarClient[];
}

/**
 * The rig of the cross-node recovery suites: the machine's Redis (a private key prefix per
 * test), node processes, proxies, clients and admin connections, all torn down after each test.
 */
export class ClusterRecoveryRig implements Owned {
  redis!: TestRedis;
  nodes: ServerNode[] = [];
  readonly proxies: DropProxy[] = [];
  readonly clients: StelarClient[] = [];
  readonly admins: Redis[] = [];

  /** Registers the rig's beforeAll/afterAll/afterEach in the calling describe. */
  install(): this {
    beforeAll(async () => {
      this.redis = await acquireRedis();
    });
    afterAll(async () => {
      await this.redis.stop();
    });
    afterEach(async () => {
      for (const c of this.clients.splice(0)) c.disconnect();
      for (const r of this.admins.splice(0)) r.disconnect();
      for (const p of this.proxies.splice(0)) await p.close();
      await Promise.all(this.nodes.map((n) => n.stop()));
      this.nodes = [];
    });
    return this;
  }

  /** One recovery fixture node process per name (`node-<name>`), sharing `prefix`. */
  async spawn(prefix: string, names: readonly string[]): Promise<ServerNode[]> {
    const target = { host: '127.0.0.1', port: this.redis.port };
    this.nodes = await Promise.all(names.map((n) => ServerNode.spawn(target, prefix, `node-${n}`, false, RECOVERY_FIXTURE)));
    return this.nodes;
  }

  /** A plain connection to the rig's Redis (closed after the test). */
  admin(): Redis {
    const r = new Redis(this.redis.port, '127.0.0.1');
    this.admins.push(r);
    return r;
  }
}

/** Decodes XRANGE rows of a room's history into the data of each entry, by offset. */
export function historyData(rows: [Buffer, Buffer[]][]): unknown[] {
  return rows.map(([, fields]) => {
    const env = decodeEnvelope(fields[1]);
    return env.type === 1 ? env.delivery.data : undefined;
  });
}

/** True when `bytes` (what the server wrote) hold a close with code 4001: a WebSocket close frame, or a TCP Disconnect. */
export function closedWith4001(bytes: Buffer, mode: 'ws' | 'tcp'): boolean {
  if (mode === 'tcp') return /"c(ode)?":4001/.test(bytes.toString('latin1'));
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 0x88 && bytes[i + 1] < 126 && bytes[i + 2] === 0x0f && bytes[i + 3] === 0xa1) return true;
  }
  return false;
}

const to = (node: ServerNode, data: unknown) => node.ask('to', JSON.stringify(['lobby', 'n', data]));

/** The port of `node` a client of `mode` dials. */
export function portOf(node: ServerNode, mode: 'ws' | 'tcp'): number {
  return mode === 'ws' ? node.port : node.tcpPort;
}

/**
 * A reconnecting client (50-100 ms backoff) that dials `node` through a new proxy (the tests'
 * load balancer: `proxy.retarget` sends its next dial elsewhere), listening but not connected yet;
 * `connects` collects its `connect` infos. Both are torn down with `owned`.
 */
export async function dialThroughProxy(
  node: ServerNode,
  mode: 'ws' | 'tcp',
  owned: Owned,
): Promise<{ client: StelarClient; proxy: DropProxy; connects: ConnectInfo[] }> {
  const proxy = await DropProxy.start(portOf(node, mode));
  owned.proxies.push(proxy);
  const url = mode === 'ws' ? `ws://127.0.0.1:${proxy.port}/` : `127.0.0.1:${proxy.port}`;
  const client = new StelarClient(url, { mode, logger: 'silent', reconnection: true, reconnectionDelay: 50, maxReconnectionDelay: 100 } as never);
  owned.clients.push(client);
  const connects: ConnectInfo[] = [];
  client.on('connect', (info: ConnectInfo) => connects.push(info));
  return { client, proxy, connects };
}

/** Runs the scenario; `history()` reads the room's order for the whole cluster from Redis. */
export async function resumeOnAnotherNode(
  [a, b, c]: readonly ServerNode[],
  mode: 'ws' | 'tcp',
  history: () => Promise<unknown[]>,
  owned: Owned,
): Promise<void> {
  const { client, proxy, connects } = await dialThroughProxy(a, mode, owned);
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
  proxy.retarget(portOf(b, mode));
  proxy.release();
  await until(() => connects.length === 2, 15000, 'reconnect to node B');
  expect(connects[1]).toEqual({ recovered: true });
  expect(client.isRecovered()).toBe(true);
  expect(client.getId()).toBe(id);
  // The room was restored by node B (no rejoin round trip) and new messages follow the missed ones.
  for (let i = 27; i <= 30; i++) await to(i % 2 === 0 ? b : c, i);
  await until(() => got.length >= 30, 10000, 'messages 27..30');
  // Exactly once each, in the one order the cluster gave the room (B and C race each other).
  expect([...got].sort((x, y) => x - y)).toEqual([...Array(30).keys()].map((i) => i + 1));
  expect(got).toEqual(await history());
  expect(await b.ask('members', 'lobby')).toEqual([id]);
  client.emit('whoami');
  await until(() => me.length === 1, 5000, 'whoami');
  expect(me[0]).toEqual({ user: 'ann', node: 'node-b' });
  // The client's own sends keep flowing through the room's single order.
  client.emit('say', 31);
  await until(() => got.length >= 31, 5000, 'own say');
  expect(got.slice(30)).toEqual([31]);
  expect((await history()).slice(30)).toEqual([31]);
}
