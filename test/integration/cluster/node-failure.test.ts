// A node in a child process is SIGKILLed: queries report partial=true until its presence key
// expires (TTL), after which it is dropped and queries are complete again.
import { acquireRedis, describeWithRedis, uniquePrefix, type TestRedis } from '../../helpers/redis';
import { type ChildNode, type TestNode, spawnChildNode, startNode, waitFor } from './cluster-kit';

describeWithRedis('RedisClusterBus: a node killed mid-run', () => {
  let redis: TestRedis;
  let prefix: string;
  let a: TestNode, b: TestNode;
  let child: ChildNode | undefined;

  beforeAll(async () => (redis = await acquireRedis()));
  afterAll(() => redis.stop());
  beforeEach(async () => {
    prefix = uniquePrefix('kill');
    a = await startNode(redis.url, prefix, 'node-a', { a1: ['lobby'] });
    b = await startNode(redis.url, prefix, 'node-b', { b1: ['lobby'] });
    // The child heartbeats every 100 ms with a 2 s TTL: long enough that a query right after
    // the kill still sees it as present (even on a loaded machine), short enough to wait out.
    child = await spawnChildNode(redis.url, prefix, 'node-child', { k1: ['lobby', 'child-room'] }, {
      STELAR_FIXTURE_TTL_MS: '2000',
    });
  });
  afterEach(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    await Promise.all([a.bus.stop(), b.bus.stop()]);
  });

  it('reaches the child process and includes it in queries while alive', async () => {
    a.bus.publish({ target: { kind: 'room', room: 'lobby' }, event: 'hello', data: { n: 1 }, excludeId: 'a1' });
    a.bus.publish({ target: { kind: 'all' }, event: 'bin', bytes: Buffer.from([0, 255, 7]) });
    await waitFor(() => child!.deliveries.length >= 2, 'child deliveries');
    expect(child!.deliveries).toEqual([
      { target: { kind: 'room', room: 'lobby' }, event: 'hello', data: { n: 1 }, excludeId: 'a1' },
      { target: { kind: 'all' }, event: 'bin', bytes: '00ff07' },
    ]);
    const members = await b.bus.roomMembers('lobby');
    expect(members.partial).toBe(false);
    expect(members.nodes).toBe(3);
    expect([...members.value].sort()).toEqual(['a1', 'b1', 'k1']);
  });

  it('reports partial=true right after SIGKILL, then drops the node after the TTL', async () => {
    expect((await a.bus.liveNodes()).sort()).toEqual(['node-a', 'node-b', 'node-child']);
    child!.proc.kill('SIGKILL');
    await child!.exited;

    // Its presence key is still alive (TTL 2 s) but nobody answers for it: partial, bounded by
    // the 400 ms query timeout.
    const t0 = Date.now();
    const during = await a.bus.rooms();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(during.partial).toBe(true);
    expect(during.nodes).toBe(2);
    expect(during.nodeIds).toEqual(['node-a', 'node-b']);
    expect(during.value).toEqual(['lobby']);
    // A direct send to its client now reaches nobody: counted, not silently lost.
    const before = a.bus.counters.undeliverable;
    a.bus.publish({ target: { kind: 'client', clientId: 'k1' }, event: 'to-the-dead' });
    await waitFor(() => a.bus.counters.undeliverable === before + 1, 'undeliverable counted');

    await waitFor(async () => !(await a.bus.liveNodes()).includes('node-child'), 'TTL drop-out', 6000);
    // The directory entries of the dead node are purged by whoever saw it die.
    await waitFor(async () => !(await a.bus.hasRemoteClient('k1')), 'directory purged');
    const after = await a.bus.rooms();
    expect(after).toMatchObject({ partial: false, nodes: 2 });
    expect(after.value).toEqual(['lobby']);

    // Deliveries keep flowing between the survivors.
    a.bus.publish({ target: { kind: 'all' }, event: 'survivors' });
    await waitFor(() => b.received.some((d) => d.event === 'survivors'), 'delivery to b');
  });
});
