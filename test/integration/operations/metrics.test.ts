import * as http from 'node:http';
import { ServerKit, MODES, next, until } from '../../helpers/server-kit';
import { MetricsExporterFactory, StelarClient, StelarServer } from '../../../src';
import { rawWs } from '../../helpers/raw-clients';
import { promValue } from '../../helpers/prom-text';

// Prometheus metrics over real WebSocket and TCP traffic: the numbers move as clients connect,
// send, request and leave; the route honours its auth.

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
  });
}

/** The value of one series, e.g. value(text, 'stelar_connections', { protocol: 'ws' }). */
const value = promValue;

const basic = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

describe('Prometheus metrics', () => {
  const kit = new ServerKit();
  afterEach(() => kit.teardown());

  describe.each(MODES)('over %s', (mode) => {
    let server: StelarServer;
    beforeEach(async () => {
      server = await kit.server({ metrics: true });
      server.onAck('echo', (ctx) => ctx.data);
      server.onAck('boom', () => {
        throw new Error('no');
      });
      server.on('pub', (ctx) => server.to('r', 'msg', ctx.data));
    });

    it('counts connections, messages, bytes, acks, rooms and broadcasts', async () => {
      const before = (await get(server.getPort(), '/metrics')).body;
      // Every installed transport's series exists at 0 before its first connection.
      expect(value(before, 'stelar_connections_opened_total', { protocol: mode })).toBe(0);
      expect(value(before, 'stelar_connections', { protocol: mode === 'ws' ? 'tcp' : 'ws' })).toBe(0);
      const a = await kit.connect(server, mode);
      const b = await kit.connect(server, mode);
      await a.joinRoom('r');
      await b.joinRoom('r');
      expect(await a.request('echo', { x: 'hello' })).toEqual({ x: 'hello' });
      await expect(a.request('boom', 1)).rejects.toThrow('no');
      const got = next(b, 'msg');
      a.emit('pub', { n: 1 });
      await got;

      const res = await get(server.getPort(), '/metrics');
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
      const t = res.body;
      const labels = { namespace: '/', protocol: mode };
      expect(value(t, 'stelar_connections', labels)).toBe(2);
      expect(value(t, 'stelar_connections_opened_total', labels)).toBe(2);
      // 2 joins + 2 requests + 1 event
      expect(value(t, 'stelar_messages_received_total', labels)).toBe(5);
      expect(value(t, 'stelar_received_bytes_total', labels)).toBeGreaterThan(40);
      // Connect ×2, join answers ×2, ack answers ×2, room message ×2
      expect(value(t, 'stelar_messages_sent_total', labels)).toBeGreaterThanOrEqual(8);
      expect(value(t, 'stelar_sent_bytes_total', labels)).toBeGreaterThan(value(t, 'stelar_received_bytes_total', labels) / 2);
      expect(value(t, 'stelar_ack_requests_total')).toBe(2);
      expect(value(t, 'stelar_ack_responses_total', { outcome: 'answered' })).toBe(1);
      expect(value(t, 'stelar_ack_responses_total', { outcome: 'error' })).toBe(1);
      expect(value(t, 'stelar_ack_handler_duration_seconds_count')).toBe(2);
      expect(value(t, 'stelar_ack_handler_duration_seconds_bucket', { le: '+Inf' })).toBe(2);
      expect(value(t, 'stelar_rooms')).toBe(1);
      expect(value(t, 'stelar_room_members')).toBe(2);
      expect(value(t, 'stelar_broadcasts_total')).toBe(1);
      expect(value(t, 'stelar_broadcast_deliveries_total')).toBe(2);
      expect(value(t, 'stelar_send_buffer_bytes')).toBeGreaterThanOrEqual(0);
      // Stelar's own registry carries the process metrics too.
      expect(t).toContain('process_cpu_user_seconds_total');

      a.disconnect();
      await until(() => server.getStats().activeConnections === 1);
      const after = await server.metrics();
      expect(value(after, 'stelar_connections', labels)).toBe(1);
      expect(value(after, 'stelar_connections_closed_total', labels)).toBe(1);
      expect(value(after, 'stelar_room_members')).toBe(1);
    });

    it('counts rate-limited messages', async () => {
      const limited = await kit.server({ metrics: true, rateLimit: { maxPoints: 2, windowMs: 60_000 }, hooks: { onRateLimitExceeded: () => false } });
      const c = await kit.connect(limited, mode);
      for (let i = 0; i < 5; i++) c.emit('spam', i);
      await until(() => limited.getStats().totalMessagesReceived >= 5);
      const t = await limited.metrics();
      expect(value(t, 'stelar_rate_limited_messages_total')).toBe(3);
    });
  });

  it('counts invalid messages by code', async () => {
    const server = await kit.server({ metrics: true });
    const raw = await rawWs(`ws://127.0.0.1:${server.getPort()}/`);
    await until(() => raw.messages.length > 0, 3000, 'the Connect message');
    raw.ws.send('not json');
    raw.ws.send('{"also": "not a message"');
    await until(() => server.getStats().totalMessagesReceived >= 2);
    const t = await server.metrics();
    expect(value(t, 'stelar_invalid_messages_total', { code: 'STELAR_ERR_INVALID_JSON' })).toBe(2);
    raw.ws.close();
  });

  it('counts refusals by reason', async () => {
    const server = await kit.server({ metrics: true, maxConnections: 1 });
    await kit.connect(server, 'ws');
    await expect(kit.connect(server, 'tcp')).rejects.toBeDefined();
    const t = await server.metrics();
    expect(value(t, 'stelar_connections_refused_total', { reason: 'STELAR_ERR_SERVER_FULL' })).toBe(1);
  });

  it('protects the route with Basic auth or a function, and is 404 when off', async () => {
    const off = await kit.server();
    expect((await get(off.getPort(), '/metrics')).status).toBe(404);

    const basicAuth = await kit.server({ metrics: { path: '/m', auth: { username: 'prom', password: 's3cret' } } });
    const port = basicAuth.getPort();
    const refused = await get(port, '/m');
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain('stelar_');
    expect((await get(port, '/m', basic('prom', 'wrong'))).status).toBe(401);
    expect((await get(port, '/m', basic('other', 's3cret'))).status).toBe(401);
    const ok = await get(port, '/m', basic('prom', 's3cret'));
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('stelar_connections_opened_total');

    const fnAuth = await kit.server({ metrics: { auth: async (req) => req.headers['x-token'] === 't' } });
    expect((await get(fnAuth.getPort(), '/metrics')).status).toBe(401);
    expect((await get(fnAuth.getPort(), '/metrics', { 'x-token': 't' })).status).toBe(200);
  });

  it('adds its metrics to a user registry, one series per namespace, removed on stop', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const prom = require('prom-client') as typeof import('prom-client');
    const register = new prom.Registry();
    new prom.Counter({ name: 'app_things_total', help: 'x', registers: [register] });
    const chat = await kit.server({ metrics: { register }, namespace: '/chat', tcpPort: false });
    const game = await kit.server({ metrics: { register }, namespace: '/game', tcpPort: false });
    const client = new StelarClient(`ws://127.0.0.1:${chat.getPort()}/chat`, { reconnection: false, logger: 'silent' });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()).connect());
    await until(() => chat.getStats().activeConnections === 1);
    const text = await register.metrics();
    expect(text).toContain('app_things_total');
    expect(value(text, 'stelar_connections_opened_total', { namespace: '/chat', protocol: 'ws' })).toBe(1);
    expect(text).not.toContain('process_cpu_user_seconds_total');
    expect(text).toContain('namespace="/game"');
    client.disconnect();
    await chat.stop();
    await game.stop();
    expect(await register.metrics()).not.toContain('stelar_');
  });
});

describe('metrics across a restart', () => {
  const kit = new ServerKit();
  afterEach(() => kit.teardown());

  it('serves again after stop() and start(), counters kept', async () => {
    const server = await kit.server({ metrics: true, tcpPort: false });
    await kit.connect(server, 'ws');
    await server.stop();
    await server.start();
    const res = await get(server.getPort(), '/metrics');
    expect(res.status).toBe(200);
    expect(value(res.body, 'stelar_connections_opened_total', { protocol: 'ws' })).toBe(1);
    expect(value(res.body, 'stelar_connections', { protocol: 'ws' })).toBe(0);
  });
});

describe('a custom metrics exporter', () => {
  it('replaces prom-client when the MetricsExporterFactory port is bound', async () => {
    const closed: string[] = [];
    const factory: MetricsExporterFactory = (source) => ({
      contentType: 'text/plain; charset=utf-8',
      render: async () => `connections ${source.connections().reduce((n, c) => n + c.count, 0)}\n`,
      close: () => void closed.push(source.namespace),
    });
    const server = StelarServer.create(
      { port: 0, tcpPort: false, logger: false, gracefulShutdown: false, metrics: true },
      { configure: (c) => c.bind(MetricsExporterFactory).toConstantValue(factory) },
    );
    await server.start();
    const client = new StelarClient(`ws://127.0.0.1:${server.getPort()}/`, { reconnection: false, logger: 'silent' });
    try {
      await new Promise<void>((resolve) => client.once('connect', () => resolve()).connect());
      await until(() => server.getStats().activeConnections === 1);
      const res = await get(server.getPort(), '/metrics');
      expect(res).toMatchObject({ status: 200, body: 'connections 1\n' });
    } finally {
      client.disconnect();
      await server.stop();
    }
    expect(closed).toEqual(['/']);
  });
});
