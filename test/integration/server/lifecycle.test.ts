import * as http from 'node:http';
import * as net from 'node:net';
import { StelarServer, TOKENS, signalSubscriberCount, type IRateLimiter } from '../../../src';
import { ServerKit, MODES, until, next, sleep } from '../../helpers/server-kit';
import { testCert } from '../../helpers/tls-cert';

const kit = new ServerKit();
afterEach(() => kit.teardown());

describe('lifecycle', () => {
  it('start() resolves with the bound port once every listener is up; stop() closes everything', async () => {
    const server = new StelarServer({ port: 0, tcpPort: 0, logger: false, gracefulShutdown: false });
    let cbPort = -1;
    const port = await server.start((p) => (cbPort = p));
    expect(port).toBeGreaterThan(0);
    expect(cbPort).toBe(port);
    expect(server.getPort()).toBe(port);
    const tcpPort = server.getTcpPort()!;
    expect(tcpPort).toBeGreaterThan(0);
    const ws = kit.client(server, 'ws');
    const tcp = kit.client(server, 'tcp');
    const wsGone = next<{ code: number; reason: string }>(ws, 'disconnect', 5000);
    const tcpGone = next<{ code: number; reason: string }>(tcp, 'disconnect', 5000);
    await new Promise<void>((r) => ws.connect(() => r()));
    await new Promise<void>((r) => tcp.connect(() => r()));
    await server.stop();
    expect((await wsGone).code).toBe(1001);
    expect((await tcpGone).code).toBe(1001);
    expect(server.getStats().activeConnections).toBe(0);
    // Nothing listens any more.
    for (const p of [port, tcpPort]) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect(p, '127.0.0.1');
        s.on('error', () => resolve(true));
        s.on('connect', () => (s.destroy(), resolve(false)));
      });
      expect(refused).toBe(true);
    }
    await server.stop(); // idempotent
  });

  it('rejects start() when a port is taken, leaving nothing listening', async () => {
    const first = await kit.server();
    const clash = new StelarServer({ port: 0, tcpPort: first.getTcpPort()!, logger: false, gracefulShutdown: false });
    await expect(clash.start()).rejects.toThrow(/EADDRINUSE/);
    await clash.stop();
  });

  it('registers one pair of signal handlers however many servers run, and removes them on stop', async () => {
    const before = process.listenerCount('SIGTERM');
    const servers = Array.from({ length: 15 }, () => new StelarServer({ port: 0, logger: false }));
    await Promise.all(servers.map((s) => s.start()));
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBe(process.listenerCount('SIGINT'));
    expect(signalSubscriberCount()).toBe(15);
    await Promise.all(servers.map((s) => s.stop()));
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(signalSubscriberCount()).toBe(0);
  });

  it('on SIGTERM stops gracefully, then calls onShutdownComplete instead of exiting', async () => {
    let done: string | null = null;
    const server = new StelarServer({ port: 0, logger: false, onShutdownComplete: (sig) => (done = sig) });
    await server.start();
    const c = kit.client(server, 'ws');
    const gone = next<{ code: number }>(c, 'disconnect', 5000);
    await new Promise<void>((r) => c.connect(() => r()));
    process.emit('SIGTERM', 'SIGTERM');
    expect((await gone).code).toBe(1001);
    await until(() => done === 'SIGTERM');
    expect(server.getStats().activeConnections).toBe(0);
  });
});

describe('the server option (a user-supplied http.Server) and stop()', () => {
  const open = (srv: http.Server): Promise<number> =>
    new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port)));

  it('a server already listening at start() stays open after stop(): it is the user\'s', async () => {
    const app = http.createServer((_req, res) => res.end('app'));
    const port = await open(app);
    const stelar = new StelarServer({ server: app, logger: false, gracefulShutdown: false });
    try {
      expect(await stelar.start()).toBe(port);
      await stelar.stop();
      expect(app.listening).toBe(true);
      const body = await new Promise<string>((resolve, reject) =>
        http.get(`http://127.0.0.1:${port}/`, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject),
      );
      expect(body).toBe('app');
    } finally {
      await new Promise((r) => app.close(r));
    }
  });

  it('a server Stelar had to start listening (on `port`) is closed by stop(): Stelar releases what it bound', async () => {
    const app = http.createServer((_req, res) => res.end('app'));
    const stelar = new StelarServer({ server: app, port: 0, host: '127.0.0.1', logger: false, gracefulShutdown: false });
    const port = await stelar.start();
    expect(app.listening).toBe(true);
    expect((app.address() as net.AddressInfo).port).toBe(port);
    await stelar.stop();
    expect(app.listening).toBe(false);
    // The port is free again: something else can bind it.
    const again = http.createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((r) => again.close(r));
  });
});

describe('configuration', () => {
  it('throws a clear error at construction for invalid options', () => {
    expect(() => new StelarServer({ port: -1 })).toThrow(/"port"/);
    expect(() => new StelarServer({ maxConnections: 1.5 })).toThrow(/"maxConnections"/);
    expect(() => new StelarServer({ rateLimit: { maxPoints: 0 } })).toThrow(/rateLimit.maxPoints/);
    expect(() => new StelarServer({ logger: 'loud' as never })).toThrow(/"logger"/);
    expect(() => new StelarServer({ hooks: { onNothing: () => 1 } as never })).toThrow(/unknown hook "onNothing"/);
    expect(() => new StelarServer({ namespace: 'chat' })).toThrow(/"namespace"/);
    expect(() => new StelarServer({ customRateLimiter: {} as never })).toThrow(/customRateLimiter/);
  });

  it('getConfig() has the documented shape; updateConfig() changes limits and hooks live', async () => {
    const server = await kit.server({ maxConnections: 100, eventRateLimits: { chat: { maxPoints: 5, windowMs: 1000 } } });
    expect(server.getConfig()).toMatchObject({ maxConnections: 100, hasCustomRateLimiter: false, eventRateLimits: ['chat'], hooks: [] });
    const full: unknown[] = [];
    server.updateConfig({ maxConnections: 1, maxRooms: 5000, hooks: { onMaxConnectionsReached: (i) => void full.push(i) } });
    expect(server.getConfig()).toMatchObject({ maxConnections: 1, maxRooms: 5000, hooks: ['onMaxConnectionsReached'] });
    await kit.connect(server, 'ws');
    const refused = kit.client(server, 'tcp');
    refused.connect();
    await until(() => full.length === 1);
    expect(() => server.updateConfig({ maxRooms: -3 })).toThrow(/"maxRooms"/);
  });

  it('updateConfig({ heartbeatInterval }) reschedules heartbeats; a silent peer is dropped', async () => {
    const server = await kit.server({ heartbeatInterval: 60_000, heartbeatTimeout: 60_000 });
    const s = net.connect(server.getTcpPort()!, '127.0.0.1');
    s.on('error', () => undefined);
    s.resume(); // read (and discard) so that the server's FIN is seen
    const hello = Buffer.from([0, 0, 0, 10, 6, 0, 0, ...Buffer.from('{"v":1}')]);
    s.write(hello);
    await until(() => server.getStats().activeConnections === 1);
    // This raw peer never answers pings.
    server.updateConfig({ heartbeatInterval: 50, heartbeatTimeout: 150 });
    await new Promise((r) => s.on('close', r));
    await until(() => server.getStats().activeConnections === 0);
  });
});

describe('single-node cluster views', () => {
  it('answers cluster queries and getClusterStats() from local state', async () => {
    const server = await kit.server();
    const c = await kit.connect(server, 'ws');
    await c.joinRoom('r');
    expect(server.cluster.clustered).toBe(false);
    await expect(server.cluster.rooms()).resolves.toMatchObject({ value: ['r'], partial: false, nodes: 1 });
    await expect(server.cluster.roomMembers('r')).resolves.toMatchObject({ value: [c.getId()] });
    const s = await server.getClusterStats();
    expect(s).toMatchObject({ nodes: 1, partial: false, stats: { activeConnections: 1, totalRooms: 1 } });
  });

  it('exports the Redis bus and the client from the package root', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const root = require('../../../src') as Record<string, unknown>;
    expect(typeof root.RedisClusterBus).toBe('function');
    expect(typeof root.StelarClient).toBe('function');
  });
});

describe('composition root', () => {
  it('lets a user rebind a port (IRateLimiter) and the server uses it', async () => {
    const calls: string[] = [];
    const denyAll: IRateLimiter = {
      check: (id) => (calls.push(id), false),
      reset: () => undefined,
      cleanup: () => undefined,
      size: () => 42,
    };
    const server = StelarServer.create(
      { port: 0, logger: false, gracefulShutdown: false, hooks: { onRateLimitExceeded: () => false } },
      { configure: (c) => void c.bind<IRateLimiter>(TOKENS.IRateLimiter).toConstantValue(denyAll) },
    );
    let handled = 0;
    server.on('x', () => handled++);
    await server.start();
    try {
      const c = kit.client(server, 'ws');
      await new Promise<void>((r) => c.connect(() => r()));
      c.emit('x', 1);
      await until(() => calls.length === 1);
      await sleep(20);
      expect(handled).toBe(0);
      expect(calls).toEqual([c.getId()]);
      expect(server.getStats().rateLimiterEntries).toBe(42);
    } finally {
      await server.stop();
    }
  });
});

describe.each(MODES)('TLS over %s', (mode) => {
  it('serves wss:// and TCP+TLS with the same handlers; rejectUnauthorized is honoured', async () => {
    const { key, cert } = testCert();
    const server = await kit.server({ tls: { key, cert } });
    server.onAck('secure', (ctx) => ({ tls: true, echo: ctx.data, protocol: ctx.clientInfo.protocol }));
    const c = await kit.connect(server, mode, { tls: true, rejectUnauthorized: false });
    expect(await c.request('secure', 7, 'secure')).toEqual({ tls: true, echo: 7, protocol: mode });
    const strict = kit.client(server, mode, { tls: true, rejectUnauthorized: true });
    const err = next<Error>(strict, 'error');
    strict.connect();
    expect(String((await err).message)).toMatch(/self[- ]signed|certificate|unable to verify/i);
    expect(strict.isConnected()).toBe(false);
  });
});
