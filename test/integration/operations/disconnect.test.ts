import { ServerKit, MODES, next, until } from '../../helpers/server-kit';
import { acquireRedis, describeWithRedis, uniquePrefix, type TestRedis } from '../../helpers/redis';
import { rawWs } from '../../helpers/raw-clients';

// server.disconnect(id, code?, reason?) and ctx.disconnect(code?, reason?) over real sockets,
// and across a two-node cluster on Redis.

describe('admin disconnect', () => {
  const kit = new ServerKit();
  afterEach(() => kit.teardown());

  describe.each(MODES)('over %s', (mode) => {
    it('server.disconnect closes the client (once) and the server forgets it', async () => {
      const server = await kit.server();
      const left: string[] = [];
      server.onDisconnect((ctx) => void left.push(ctx.id));
      const c = await kit.connect(server, mode);
      const other = await kit.connect(server, mode);
      const id = c.getId() as string;
      const gone = next(c, 'disconnect');
      expect(server.disconnect(id, 4002, 'maintenance')).toBe(true);
      await gone;
      await until(() => server.getStats().activeConnections === 1);
      expect(left).toEqual([id]);
      expect(server.disconnect(id)).toBe(false); // already gone
      expect(server.disconnect('nobody')).toBe(false);
      expect(other.isConnected()).toBe(true);
      expect(() => server.disconnect(other.getId() as string, 1006)).toThrow(RangeError);
      expect(other.isConnected()).toBe(true);
    });

    it('server.removeFromRoom takes a client out of a room and tells it', async () => {
      const server = await kit.server();
      const c = await kit.connect(server, mode);
      const id = c.getId() as string;
      await c.joinRoom('lobby');
      expect(server.removeFromRoom(id, 'elsewhere')).toBe(false);
      expect(server.removeFromRoom('nobody', 'lobby')).toBe(false);
      const before = c.getMessagesReceived();
      expect(server.removeFromRoom(id, 'lobby')).toBe(true);
      expect(server.getRoomMembers('lobby')).toEqual([]);
      await until(() => c.getMessagesReceived() > before, 3000, 'the client to hear it left');
    });

    it('ctx.disconnect closes the calling client from a handler', async () => {
      const server = await kit.server();
      server.on('quit', (ctx) => ctx.disconnect(4100, 'asked to'));
      const c = await kit.connect(server, mode);
      const gone = next(c, 'disconnect');
      c.emit('quit', null);
      await gone;
      await until(() => server.getStats().activeConnections === 0);
    });
  });

  it('a WebSocket peer sees the code and reason', async () => {
    const server = await kit.server();
    const raw = await rawWs(`ws://127.0.0.1:${server.getPort()}/`);
    await until(() => raw.messages.length > 0, 3000, 'the Connect message');
    const id = String(raw.messages[0].clientId ?? (raw.messages[0] as { id?: string }).id);
    expect(server.disconnect(id, 4003, 'see you')).toBe(true);
    expect(await raw.closed).toEqual({ code: 4003, reason: 'see you' });
  });
});

describeWithRedis('admin disconnect across the cluster', () => {
  const kit = new ServerKit();
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await acquireRedis();
  });
  afterAll(() => redis.stop());
  afterEach(() => kit.teardown());

  it('server.disconnect on one node closes a client connected to another', async () => {
    const prefix = uniquePrefix('ops-dc');
    const a = await kit.server({ cluster: { redis: redis.url, prefix }, metrics: true });
    const b = await kit.server({ cluster: { redis: redis.url, prefix }, metrics: true });
    const c = await kit.connect(b, 'tcp');
    const id = c.getId() as string;
    await until(() => b.getStats().activeConnections === 1);
    const gone = next(c, 'disconnect', 5000);
    expect(a.disconnect(id, 4004, 'from node a')).toBe(false); // not local: asked the cluster
    await gone;
    await until(() => b.getStats().activeConnections === 0, 5000, 'node b to drop the client');
    a.broadcast('hello', 1);
    // `published` counts what Redis acknowledged: one round trip after the broadcast.
    await until(() => (a.cluster as unknown as { counters: { published: number } }).counters.published === 1, 3000, 'publish acknowledged');
    expect(await a.metrics()).toMatch(/^stelar_cluster_publishes_total\{namespace="\/"\} 1$/m);
    expect(await b.metrics()).toMatch(/^stelar_admin_disconnects_total\{namespace="\/"\} 1$/m);
  });
});
