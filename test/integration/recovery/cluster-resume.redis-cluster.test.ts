// Session recovery across nodes over a real Redis Cluster (3 masters, no replicas, on
// 127.0.0.1:7120-7122, started by scripts/redis-cluster-test.js and stopped after; not 7110-7115,
// which redis-cluster.test.ts uses in parallel) with sharded pub/sub: the room's stream, its meta
// hash and its channel share one slot, so the publish script (XADD + SPUBLISH) runs on the shard
// owning the room. Same scenario as cluster-resume.test.ts.
import Redis from 'ioredis';
import { StelarClient } from '../../../src';
import { DropProxy } from '../../helpers/drop-proxy';
import { describeWithRedis, uniquePrefix } from '../../helpers/redis';
import { ServerNode } from '../cluster/server-node-kit';
import { collect, until } from '../../helpers/server-kit';
import { RECOVERY_FIXTURE, closedWith4001, historyData, resumeOnAnotherNode, type ConnectInfo } from './cluster-resume.kit';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCluster } = require('../../../scripts/redis-cluster-test.js') as {
  startCluster(o: { basePort: number; masters: number; replicas: number }): Promise<{ nodes: { host: string; port: number }[]; stop(): Promise<void> }>;
};

function redisMajor(): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const r = require('node:child_process').spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  const m = /v=(\d+)\./.exec(r.stdout ?? '');
  return m ? Number(m[1]) : 0;
}
const tooOld = redisMajor() > 0 && redisMajor() < 7 && process.env.CI !== 'true';
const describeCluster = tooOld ? describe.skip : (name: string, fn: () => void) => describeWithRedis(name, fn, true);

describeCluster('session recovery across nodes over a Redis Cluster (sharded)', () => {
  jest.setTimeout(90000);
  let rc: Awaited<ReturnType<typeof startCluster>>;
  let nodes: ServerNode[] = [];
  const proxies: DropProxy[] = [];
  const clients: StelarClient[] = [];

  beforeAll(async () => {
    rc = await startCluster({ basePort: 7120, masters: 3, replicas: 0 });
  });
  afterAll(async () => {
    await rc?.stop();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const p of proxies.splice(0)) await p.close();
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
  });

  it('node A SIGKILLed: the client resumes on node B with every missed message once, in the room shard\'s order', async () => {
    const prefix = uniquePrefix('rc-resume');
    const startup = rc.nodes.slice(0, 3);
    nodes = await Promise.all(['a', 'b', 'c'].map((n) => ServerNode.spawn(startup, prefix, `node-${n}`, true, RECOVERY_FIXTURE)));
    const history = async () => {
      const admin = new Redis.Cluster(startup);
      try {
        return historyData(await admin.xrangeBuffer(`${prefix}:h:{lobby}`, '-', '+'));
      } finally {
        admin.disconnect();
      }
    };
    await resumeOnAnotherNode(nodes, 'ws', history, { proxies, clients });
  });

  it('a half-open old connection is closed with 4001 through the cluster; direct messages while away are recorded and replayed (sharded)', async () => {
    const prefix = uniquePrefix('rc-away');
    const startup = rc.nodes.slice(0, 3);
    nodes = await Promise.all(['a', 'b', 'c'].map((n) => ServerNode.spawn(startup, prefix, `node-${n}`, true, RECOVERY_FIXTURE)));
    const [a, b, c] = nodes;
    const proxy = await DropProxy.start(a.port);
    proxies.push(proxy);
    const client = new StelarClient(`ws://127.0.0.1:${proxy.port}/`, { logger: 'silent', reconnection: true, reconnectionDelay: 50, maxReconnectionDelay: 100 } as never);
    clients.push(client);
    const connects: ConnectInfo[] = [];
    client.on('connect', (info: ConnectInfo) => connects.push(info));
    const got = collect<number>(client, 'd');
    const bins = collect<Uint8Array>(client, 'bin');
    client.connect();
    await until(() => connects.length === 1, 10000, 'first connect');
    const id = client.getId()!;
    // Half-open on node A, resumed on node B: A is told (SPUBLISH on its node channel's shard).
    proxy.retarget(b.port);
    const [old] = proxy.halfOpen();
    await until(() => connects.length === 2, 15000, 'resume on node B');
    expect(connects[1]).toEqual({ recovered: true });
    await until(() => closedWith4001(old.bytes(), 'ws'), 5000, 'node A to close the old connection with 4001');
    // Node B SIGKILLed: node C sends while the client is away (the record still names B: deaf, cleared, appended).
    proxy.hold();
    b.proc.kill('SIGKILL');
    await b.exited;
    proxy.cut();
    for (let i = 1; i <= 5; i++) await c.ask('toId', JSON.stringify([id, 'd', i]));
    await c.ask('toIdBinary', JSON.stringify([id, 'bin', [9, 8, 7]]));
    proxy.retarget(a.port);
    proxy.release();
    await until(() => connects.length === 3, 15000, 'resume on node A');
    expect(connects[2]).toEqual({ recovered: true });
    await c.ask('toId', JSON.stringify([id, 'd', 6])); // forwarded to node A, the holder now
    await until(() => got.length >= 6 && bins.length === 1, 10000, 'the direct messages');
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...bins[0]]).toEqual([9, 8, 7]);
  });
});
