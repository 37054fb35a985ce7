// Direct messages to an away session in a cluster (docs/CLUSTER.md, "Direct messages to an away
// session"): three StelarServer processes over the machine's Redis (private key prefix). A
// client on node A is dropped (or node A is SIGKILLed); other nodes send it direct messages
// (`server.toId`, JSON and binary) while no node holds it, and during its resume; it resumes on
// node C and gets every one exactly once, in send order, binary as binary — over WS and TCP.
import { describeWithRedis, uniquePrefix } from '../../helpers/redis';
import { collect, until } from '../../helpers/server-kit';
import { waitFor } from '../cluster/cluster-kit';
import type { ServerNode } from '../cluster/server-node-kit';
import { ClusterRecoveryRig, dialThroughProxy, portOf } from './cluster-resume.kit';

describeWithRedis('direct messages to an away session across cluster nodes', () => {
  const rig = new ClusterRecoveryRig().install();

  it.each([
    ['ws', 'drop'],
    ['tcp', 'drop'],
    ['ws', 'kill'],
    ['tcp', 'kill'],
  ] as const)(
    'over %s (%s): toId while away is recorded and replayed on another node; sends racing the resume arrive exactly once, in order',
    async (mode, how) => {
      const prefix = uniquePrefix(`away-${mode}`);
      const [a, b, c] = await rig.spawn(prefix, ['a', 'b', 'c']);
      const { client, proxy, connects } = await dialThroughProxy(a, mode, rig);
      const got = collect<number>(client, 'd');
      const fromC = collect<number>(client, 'dc');
      const bins = collect<Uint8Array>(client, 'bin');
      client.connect();
      await until(() => connects.length === 1, 10000, 'first connect');
      const id = client.getId()!;
      const toId = (n: ServerNode, data: number) => n.ask('toId', JSON.stringify([id, 'd', data]));
      // Live, forwarded to the holder (node A).
      await toId(b, 1);
      await until(() => got.length === 1, 5000, 'live 1');

      proxy.hold();
      if (how === 'kill') {
        // The record still names node A its holder: the senders find its channel deaf and append.
        a.proc.kill('SIGKILL');
        await a.exited;
      }
      proxy.cut();
      const admin = rig.admin();
      // Dropped: node A clears the holder field (sends that cross the drop itself are exactly once
      // but may land in the history after later ones: docs/CLUSTER.md).
      if (how === 'drop') await waitFor(async () => (await admin.hget(`${prefix}:s:{${id}}`, 'h')) === null, 'node A to see the drop');
      // While away (no node holds it; or its holder just dropped it: it is re-routed into the history).
      // (One sender keeps its order; two senders' messages have no order between them.)
      for (let i = 2; i <= 11; i++) await toId(b, i);
      for (let i = 1; i <= 3; i++) await c.ask('toId', JSON.stringify([id, 'dc', i]));
      await b.ask('toIdBinary', JSON.stringify([id, 'bin', [1, 2, 3, 250]]));
      // Recorded in the session's direct stream (live 1 was written there by node A too).
      await waitFor(async () => (await admin.xlen(`${prefix}:hd:{${id}}`)) === 15, 'the away messages in the direct stream');
      expect(await admin.hget(`${prefix}:s:{${id}}`, 'h')).toBeNull();
      // Sends racing the resume: one per ms from node B while the client resumes on node C.
      proxy.retarget(portOf(c, mode));
      const burst = b.ask('toIdBurst', JSON.stringify([id, 'd', 12, 211]));
      proxy.release();
      await until(() => connects.length === 2, 15000, 'reconnect to node C');
      expect(connects[1]).toEqual({ recovered: true });
      expect(client.getId()).toBe(id);
      await burst;
      await toId(b, 212);
      await until(() => got.length >= 212, 10000, 'all 212 direct messages');
      // Exactly once, in send order: the recorded ones replayed, the forwarded ones after them.
      expect(got).toEqual([...Array(212).keys()].map((i) => i + 1));
      expect([...fromC].sort()).toEqual([1, 2, 3]);
      expect(bins.length).toBe(1);
      expect(Buffer.isBuffer(bins[0]) || bins[0] instanceof Uint8Array).toBe(true);
      expect([...bins[0]]).toEqual([1, 2, 3, 250]);
    },
    60000,
  );
});
