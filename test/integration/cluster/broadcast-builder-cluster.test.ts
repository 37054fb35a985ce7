// The broadcast builder across two StelarServer nodes on one Redis (in this process): `.local`
// stays on the node that emits, everything else reaches every node's recipients once, with
// `except` and several-room unions applied on every node and onBeforeBroadcast run once, on the
// emitting node. Clients over WebSocket and TCP on both nodes.
import type { StelarClient } from '../../../src/client';
import type { StelarServer } from '../../../src';
import { acquireRedis, describeWithRedis, uniquePrefix, type TestRedis } from '../../helpers/redis';
import { ServerKit, collect, next, until } from '../../helpers/server-kit';

describeWithRedis('broadcast builder on two cluster nodes', () => {
  let redis: TestRedis;
  const kit = new ServerKit();
  beforeAll(async () => {
    redis = await acquireRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });
  afterEach(() => kit.teardown());

  async function nodes(hookCalls: Record<string, string[]>, recovery = false): Promise<[StelarServer, StelarServer]> {
    const prefix = uniquePrefix('builder');
    const make = (nodeId: string) =>
      kit.server({
        cluster: { redis: { host: '127.0.0.1', port: redis.port }, prefix, nodeId, queryTimeoutMs: 400 } as never,
        ...(recovery ? { recovery: { windowMs: 20000, historySize: 100 } } : {}),
        hooks: {
          onBeforeBroadcast: (i) => {
            (hookCalls[nodeId] ??= []).push(i.event);
          },
        },
      });
    return [await make('node-a'), await make('node-b')];
  }

  /** Sends a fence on `room`'s channel from `server` and waits for it on `clients` (one channel keeps order). */
  async function fence(server: StelarServer, room: string, clients: StelarClient[]): Promise<void> {
    const seen = clients.map((c) => next(c, `fence-${room}`, 5000));
    server.to(room, `fence-${room}`, 1);
    await Promise.all(seen);
  }

  it('local stays on the emitting node; cluster-wide sends reach both nodes once, except and unions applied everywhere', async () => {
    const hookCalls: Record<string, string[]> = {};
    const [a, b] = await nodes(hookCalls);
    const a1 = await kit.connect(a, 'ws');
    const b1 = await kit.connect(b, 'tcp');
    const b2 = await kit.connect(b, 'ws');
    await a1.joinRoom('r');
    await b1.joinRoom('r');
    await b1.joinRoom('r2');
    await b2.joinRoom('r');
    await b2.joinRoom('muted');
    const got = [a1, b1, b2].map((c) => collect(c, 'm'));

    a.to('r').local.emit('m', 'local');
    a.to('r').emit('m', 'cluster');
    a.to('r').except('muted').emit('m', 'no-muted');
    a.to('r').except(b1.getId()!).emit('m', 'no-b1');
    a.to(['r', 'r2']).emit('m', 'union');
    a.to('r2').to('r').volatile.emit('m', 'union-volatile');
    await fence(a, 'r', [a1, b1, b2]);
    await fence(a, 'r2', [b1]);

    expect(got[0]).toEqual(['local', 'cluster', 'no-muted', 'no-b1', 'union', 'union-volatile']);
    // b1 is in both r and r2: each union reaches it once (r2's delivery skips r's members, or the reverse)
    expect(got[1].filter((m) => m !== 'union-volatile' && m !== 'union')).toEqual(['cluster', 'no-muted']);
    expect(got[1].filter((m) => m === 'union').length).toBe(1);
    expect(got[1].filter((m) => m === 'union-volatile').length).toBe(1);
    expect(got[2]).toEqual(['cluster', 'no-b1', 'union', 'union-volatile']);
    // onBeforeBroadcast ran once per send, on node A only (the fences use the seed to(), not subject to it)
    expect(hookCalls['node-a']).toEqual(['m', 'm', 'm', 'm', 'm', 'm']);
    expect(hookCalls['node-b']).toBeUndefined();
  }, 30000);

  it('everyone: server.local reaches this node, server.except the whole cluster but the named', async () => {
    const [a, b] = await nodes({});
    const a1 = await kit.connect(a, 'tcp');
    const b1 = await kit.connect(b, 'ws');
    const b2 = await kit.connect(b, 'tcp');
    for (const c of [a1, b1, b2]) await c.joinRoom('all');
    const got = [a1, b1, b2].map((c) => collect(c, 'm'));
    a.local.emit('m', 'local');
    b.local.emit('m', 'local-b');
    a.except(b2.getId()!).emit('m', 'not-b2');
    // everyone-sends travel on the broadcast channel: fence them there with a seed broadcast
    const fences = [a1, b1, b2].map((c) => next(c, 'fence-all', 5000));
    a.broadcast('fence-all', 1);
    await Promise.all(fences);
    expect(got).toEqual([['local', 'not-b2'], ['local-b', 'not-b2'], ['local-b']]);
  }, 30000);

  it('with session recovery on (the distributing Redis stream store): the builder reaches both nodes once, local and except too', async () => {
    const [a, b] = await nodes({}, true);
    const a1 = await kit.connect(a, 'tcp');
    const b1 = await kit.connect(b, 'ws');
    const b2 = await kit.connect(b, 'tcp');
    for (const c of [a1, b1, b2]) await c.joinRoom('r');
    const got = [a1, b1, b2].map((c) => collect(c, 'm'));
    a.to('r').emit('m', 'stored');
    a.to('r').local.emit('m', 'local');
    a.to('r').except(b1.getId()!).emit('m', 'no-b1');
    b.to('r').emit('m', 'from-b');
    // The stored sends and the bus sends travel on different Redis links (no order between
    // them), so wait for the counts; once b2 has 'no-b1', node B handled that delivery for b1 too
    // (one delivery, all of node B's members at once), and 'local' is never published.
    await until(() => got[0].length === 4 && got[1].length === 2 && got[2].length === 3, 5000, 'every delivery');
    // Node B has handled 'no-b1' (b2 has it): anything it wrote to b1 is ahead of this local fence.
    const fenced = next(b1, 'fence-local', 5000);
    b.local.to('r').emit('fence-local', 1);
    await fenced;
    expect(got[0].sort()).toEqual(['from-b', 'local', 'no-b1', 'stored']);
    expect(got[1].sort()).toEqual(['from-b', 'stored']);
    expect(got[2].sort()).toEqual(['from-b', 'no-b1', 'stored']);
  }, 30000);
});
