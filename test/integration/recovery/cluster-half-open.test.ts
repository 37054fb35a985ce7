// A half-open old connection on another node (docs/CLUSTER.md, "Session recovery in a
// cluster"): a client's connection to node A is cut on the client's side only — node A keeps a
// socket that looks alive and gets no byte — and the client resumes on node B. Node B tells
// node A through the cluster (a control message on A's node channel), and A closes the old
// connection at once with 4001, long before its heartbeat would (60 s here) — over WS and TCP.
import { describeWithRedis, uniquePrefix } from '../../helpers/redis';
import { collect, until } from '../../helpers/server-kit';
import { ClusterRecoveryRig, dialThroughProxy, portOf, closedWith4001 } from './cluster-resume.kit';

describeWithRedis('a half-open old connection when its session resumes on another node', () => {
  const rig = new ClusterRecoveryRig().install();

  it.each(['ws', 'tcp'] as const)(
    'over %s: the old node closes its stale connection with 4001 as soon as the session resumes elsewhere',
    async (mode) => {
      const prefix = uniquePrefix(`half-${mode}`);
      const [a, b] = await rig.spawn(prefix, ['a', 'b']);
      const { client, proxy, connects } = await dialThroughProxy(a, mode, rig);
      const got = collect<number>(client, 'd');
      client.connect();
      await until(() => connects.length === 1, 10000, 'first connect');
      const id = client.getId()!;
      expect(await client.joinRoom('lobby')).toBe(true);

      proxy.retarget(portOf(b, mode));
      const [old] = proxy.halfOpen();
      await until(() => connects.length === 2, 15000, 'resume on node B');
      const resumedAt = Date.now();
      expect(connects[1]).toEqual({ recovered: true });
      expect(client.getId()).toBe(id);
      // Node A closes the connection it still held, told through the cluster (heartbeat timeout: 60 s).
      await until(() => closedWith4001(old.bytes(), mode), 5000, 'node A to close the old connection with 4001');
      expect(Date.now() - resumedAt).toBeLessThan(5000);
      // Only node B holds the client now; messages reach it once.
      expect(await a.ask('members', 'lobby')).toEqual([]);
      expect(await b.ask('members', 'lobby')).toEqual([id]);
      await a.ask('toId', JSON.stringify([id, 'd', 1]));
      await a.ask('to', JSON.stringify(['lobby', 'd', 2]));
      await until(() => got.length === 2, 5000, 'messages after the takeover');
      expect([...got].sort()).toEqual([1, 2]);
    },
    60000,
  );
});
