import { IncomingMessage } from 'node:http';
import { ServerKit, DOMAIN_MODES, until, next, sleep } from '../../helpers/server-kit';
import { rawWs } from '../../helpers/raw-clients';
import type { IIPTracker } from '../../../src';

const kit = new ServerKit();
afterEach(() => kit.teardown());

describe.each(DOMAIN_MODES)('middleware and admission over %s', (mode) => {
  it('admits only after every (sync or async) middleware called next(), in order', async () => {
    const server = await kit.server();
    const order: string[] = [];
    server.use((ctx, next) => {
      order.push('auth');
      ctx.setMetadata('userId', 'u1');
      next();
    });
    server.use(async (_ctx, next) => {
      await sleep(20);
      order.push('async');
      next();
    });
    server.onConnection((ctx) => order.push(`connected:${ctx.getMetadata('userId')}`));
    await kit.connect(server, mode);
    await until(() => order.length === 3);
    expect(order).toEqual(['auth', 'async', 'connected:u1']);
  });

  it('rejects a connection whose middleware never calls next(), with the reason it sent', async () => {
    const connected: string[] = [];
    const server = await kit.server();
    server.use((ctx, next) => {
      if (ctx.getMetadata('never') === undefined) return ctx.ack('error', { message: 'Token required' });
      next();
    });
    server.onConnection((ctx) => connected.push(ctx.id));
    const c = kit.client(server, mode);
    const pushed: unknown[] = [];
    c.onAck('error', (d) => pushed.push(d));
    const disconnected = next<{ code: number; reason: string }>(c, 'disconnect').catch(() => null);
    const errored = next<Error>(c, 'error').catch(() => null);
    c.connect();
    await Promise.race([disconnected, errored]);
    await until(() => c.getState() === 'disconnected');
    expect(c.isConnected()).toBe(false);
    expect(connected).toEqual([]);
    expect(server.getStats().activeConnections).toBe(0);
  });

  it('enforces maxConnections and fires onMaxConnectionsReached', async () => {
    const full: unknown[] = [];
    const server = await kit.server({ maxConnections: 1, hooks: { onMaxConnectionsReached: (i) => void full.push(i) } });
    await kit.connect(server, mode);
    const second = kit.client(server, mode);
    second.connect();
    await until(() => full.length === 1);
    expect(full[0]).toEqual({ activeConnections: 1, max: 1, ip: '127.0.0.1' });
    await until(() => second.getState() === 'disconnected');
    expect(server.getStats().activeConnections).toBe(1);
  });

  it('enforces maxConnectionsPerIP and releases the slot on disconnect', async () => {
    const server = await kit.server({ maxConnectionsPerIP: 2 });
    const a = await kit.connect(server, mode);
    await kit.connect(server, mode);
    const third = kit.client(server, mode);
    third.connect();
    await until(() => third.getState() === 'disconnected');
    a.disconnect();
    await until(() => server.getStats().activeConnections === 1);
    await kit.connect(server, mode);
    expect(server.getStats().activeConnections).toBe(2);
  });

  it('consults an async custom IP tracker and keeps its counts', async () => {
    const counts = new Map<string, number>();
    const tracker: IIPTracker = {
      check: async (ip) => (counts.get(ip) ?? 0) < 1,
      add: async (ip) => void counts.set(ip, (counts.get(ip) ?? 0) + 1),
      remove: (ip) => void counts.set(ip, (counts.get(ip) ?? 1) - 1),
      getCount: (ip) => counts.get(ip) ?? 0,
      cleanup: () => undefined,
    };
    const server = await kit.server({ customIPTracker: tracker });
    const a = await kit.connect(server, mode);
    await until(() => counts.get('127.0.0.1') === 1);
    const b = kit.client(server, mode);
    b.connect();
    await until(() => b.getState() === 'disconnected');
    a.disconnect();
    await until(() => counts.get('127.0.0.1') === 0);
  });

  it('gives middleware the handshake headers as ctx.headers (WS upgrade or TCP hello)', async () => {
    const server = await kit.server();
    server.use((ctx, next) => {
      if (ctx.headers.authorization === 'Bearer ok') next();
      else ctx.ack('error', { message: 'Token required' });
    });
    const ok = await kit.connect(server, mode, { headers: { authorization: 'Bearer ok' } });
    expect(ok.isConnected()).toBe(true);
    const denied = kit.client(server, mode, { headers: { authorization: 'Bearer wrong' } });
    denied.connect();
    await until(() => denied.getState() === 'disconnected');
    expect(server.getStats().activeConnections).toBe(1);
  });

  it('reports remoteAddress without the IPv4-mapped prefix', async () => {
    const server = await kit.server();
    const addrs: string[] = [];
    server.onConnection((ctx) => addrs.push(ctx.clientInfo.remoteAddress, ctx.remoteAddress));
    await kit.connect(server, mode);
    await until(() => addrs.length === 2);
    expect(addrs).toEqual(['127.0.0.1', '127.0.0.1']);
  });
});

describe('WebSocket-only admission', () => {
  it('answers 403 for a disallowed Origin and admits an allowed one', async () => {
    const server = await kit.server({ allowedOrigins: ['https://app.example'] });
    const bad = await rawWs(`ws://127.0.0.1:${server.getPort()}/`, { origin: 'https://evil.example' });
    expect(bad.opened).toBe(false);
    expect(bad.status()).toBe(403);
    const good = await rawWs(`ws://127.0.0.1:${server.getPort()}/`, { origin: 'https://app.example' });
    expect(good.opened).toBe(true);
    await until(() => good.messages.length === 1);
    expect(good.messages[0]).toMatchObject({ t: 6 });
    good.ws.close();
  });

  it('answers 503 when full', async () => {
    const server = await kit.server({ maxConnections: 1 });
    const first = await rawWs(`ws://127.0.0.1:${server.getPort()}/`);
    expect(first.opened).toBe(true);
    const second = await rawWs(`ws://127.0.0.1:${server.getPort()}/`);
    expect(second.opened).toBe(false);
    expect(second.status()).toBe(503);
    first.ws.close();
  });

  it('ignores X-Forwarded-For unless trustProxy is set', async () => {
    const plain = await kit.server();
    const trusting = await kit.server({ trustProxy: true });
    const seen: string[] = [];
    plain.onConnection((ctx) => seen.push(`plain:${ctx.remoteAddress}`));
    trusting.onConnection((ctx) => seen.push(`trusting:${ctx.remoteAddress}`));
    const headers = { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' };
    const a = await rawWs(`ws://127.0.0.1:${plain.getPort()}/`, { headers });
    const b = await rawWs(`ws://127.0.0.1:${trusting.getPort()}/`, { headers });
    await until(() => seen.length === 2);
    expect(seen.sort()).toEqual(['plain:127.0.0.1', 'trusting:203.0.113.9']);
    a.ws.close();
    b.ws.close();
  });

  it('gives middleware the upgrade request headers (ctx.req)', async () => {
    const server = await kit.server();
    server.use((ctx, next) => {
      if (ctx.req?.headers.authorization === 'Bearer ok') next();
      else ctx.ack('error', { message: 'Token required' });
    });
    const ok = await kit.connect(server, 'ws', { headers: { authorization: 'Bearer ok' } });
    expect(ok.isConnected()).toBe(true);
    const denied = await rawWs(`ws://127.0.0.1:${server.getPort()}/`);
    const closed = await denied.closed;
    expect(closed.code).toBe(1008);
    expect(denied.messages).toEqual(expect.arrayContaining([expect.objectContaining({ t: 5, a: 'error', d: { message: 'Token required' } })]));
  });

  it('keeps one ctx.req per connection: what a middleware attaches is seen by later handlers', async () => {
    const server = await kit.server();
    const seen: unknown[] = [];
    server.use((ctx, next) => {
      (ctx.req as unknown as { user?: string }).user = String(ctx.req?.headers['x-user']);
      next();
    });
    server.on('who', (ctx) => {
      const req = ctx.req!;
      seen.push({
        user: (req as unknown as { user?: string }).user,
        same: req === ctx.req,
        isMessage: req instanceof IncomingMessage,
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        socket: req.socket === ctx.socket,
        raw: req.rawHeaders.includes('X-User'),
        headers: ctx.headers['x-user'],
      });
    });
    const raw = await rawWs(`ws://127.0.0.1:${server.getPort()}/?room=a`, { headers: { 'X-User': 'ada' } });
    await until(() => raw.messages.some((m) => (m as { t?: number }).t === 6));
    raw.ws.send(JSON.stringify({ t: 0, e: 'who' }));
    await until(() => seen.length === 1);
    expect(seen[0]).toEqual({
      user: 'ada', same: true, isMessage: true, method: 'GET', url: '/?room=a', httpVersion: '1.1',
      socket: true, raw: true, headers: 'ada',
    });
    raw.ws.close();
  });
});
