// Client → server at most once across nodes (docs/CLUSTER.md, "Session recovery in a cluster"):
// a client sends emits and a request to node A; node A runs them (each run counted in Redis,
// cluster-wide) and answers, but nothing it writes reaches the client (confirmations and the
// answer are held back by the proxy); node A is SIGKILLed; the client resumes on node B,
// re-sends what was unconfirmed, and node B runs none of it again (the processed mark was
// written through before each run); the request resolves with the answer node A produced
// (replayed from the session's direct stream) — over WS and TCP.
import { describeWithRedis, uniquePrefix } from '../../helpers/redis';
import { until } from '../../helpers/server-kit';
import { waitFor } from '../cluster/cluster-kit';
import { ClusterRecoveryRig, dialThroughProxy, portOf } from './cluster-resume.kit';

describeWithRedis('client → server at most once across cluster nodes', () => {
  const rig = new ClusterRecoveryRig().install();

  it.each(['ws', 'tcp'] as const)(
    'over %s: emits and an in-flight request across a SIGKILL of the client node run exactly once cluster-wide; the request gets its answer',
    async (mode) => {
      const prefix = uniquePrefix(`sends-${mode}`);
      const [a, b] = await rig.spawn(prefix, ['a', 'b']);
      const admin = rig.admin();
      const runs = async (what: string) => Number((await admin.get(`${prefix}:runs:${what}`)) ?? 0);
      const { client, proxy, connects } = await dialThroughProxy(a, mode, rig);
      client.connect();
      await until(() => connects.length === 1, 10000, 'first connect');
      const id = client.getId()!;

      proxy.muteDownstream(); // node A's confirmations and answer never reach the client
      client.emit('work', 'e1');
      client.emit('work', 'e2');
      const answer = client.request('job', 'r1');
      client.emit('work', 'e3');
      // Node A ran each once and recorded its answer in the session's direct stream.
      await waitFor(async () => (await runs('e3')) === 1 && (await runs('job-r1')) === 1, 'node A to run the messages');
      await waitFor(async () => (await admin.xlen(`${prefix}:hd:{${id}}`)) >= 1, 'the answer in the direct stream');
      expect(client.getUnconfirmedCount()).toBe(4);

      proxy.hold();
      a.proc.kill('SIGKILL');
      await a.exited;
      proxy.cut();
      proxy.retarget(portOf(b, mode));
      proxy.release();
      await until(() => connects.length === 2, 15000, 'resume on node B');
      expect(connects[1]).toEqual({ recovered: true });
      expect(client.getId()).toBe(id);
      // The request is answered with node A's answer (replayed), not run again on node B.
      await expect(answer).resolves.toEqual({ done: 'r1', node: 'node-a' });
      // Node B confirms the re-sent messages as duplicates without running them.
      await until(() => client.getUnconfirmedCount() === 0, 5000, 'the re-sends confirmed');
      // New messages run on node B, once, after whatever it ran of the re-sends (one order).
      client.emit('work', 'e4');
      await expect(client.request('job', 'r2')).resolves.toEqual({ done: 'r2', node: 'node-b' });
      await waitFor(async () => (await runs('e4')) === 1, 'e4 on node B');
      for (const what of ['e1', 'e2', 'e3', 'job-r1', 'job-r2']) expect([what, await runs(what)]).toEqual([what, 1]);
      expect(await admin.hget(`${prefix}:s:{${id}}`, 'p')).toBe('6');
    },
    60000,
  );
});
