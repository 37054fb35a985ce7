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
import { RECOVERY_FIXTURE, historyData, resumeOnAnotherNode } from './cluster-resume.kit';

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
});
