import * as http from 'node:http';
import { StelarServer } from '../../../src';
import { ServerKit, until } from '../../helpers/server-kit';
import { rawWs } from '../../helpers/raw-clients';

const kit = new ServerKit();
afterEach(() => kit.teardown());

async function get(port: number, path: string, init: RequestInit = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('health endpoint and plain HTTP', () => {
  it('serves the documented JSON on /health', async () => {
    const server = await kit.server();
    await kit.connect(server, 'ws');
    const r = await get(server.getPort(), '/health');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const body = JSON.parse(r.text);
    for (const k of ['status', 'totalConnections', 'activeConnections', 'totalMessagesReceived', 'totalMessagesSent', 'totalRooms', 'uptime', 'uptimeSeconds', 'wsConnections', 'tcpConnections', 'memoryMB', 'memoryUsage', 'rateLimiterEntries']) {
      expect(body).toHaveProperty(k);
    }
    expect(body).toMatchObject({ status: 'ok', activeConnections: 1, wsConnections: 1 });
  });

  it('adds CORS headers for allowed origins and answers OPTIONS preflight with 204', async () => {
    const server = await kit.server({ allowedOrigins: ['https://app.example'] });
    const ok = await get(server.getPort(), '/health', { headers: { Origin: 'https://app.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const other = await get(server.getPort(), '/health', { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const pre = await get(server.getPort(), '/health', { method: 'OPTIONS', headers: { Origin: 'https://app.example' } });
    expect(pre.status).toBe(204);
  });

  it('lets customHealthHandler take over the response', async () => {
    const server = await kit.server({
      healthEndpoint: '/healthz',
      customHealthHandler: (_req, res, stats) => {
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ status: 'degraded', active: stats.activeConnections }));
      },
    });
    const r = await get(server.getPort(), '/healthz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.text)).toEqual({ status: 'degraded', active: 0 });
    expect((await get(server.getPort(), '/health')).status).toBe(404);
  });

  it('answers every other request promptly with 404 when Stelar owns the HTTP server', async () => {
    const server = await kit.server();
    expect((await get(server.getPort(), '/anything')).status).toBe(404);
    const off = await kit.server({ healthEndpoint: false });
    expect((await get(off.getPort(), '/health')).status).toBe(404);
  });

  it('leaves other paths to the user\'s app when attached to its server; namespaces share it', async () => {
    const app = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`app:${req.url}`);
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const port = (app.address() as { port: number }).port;
    const chat = StelarServer.of('/chat', { server: app, logger: false, gracefulShutdown: false });
    const game = StelarServer.of('/game', { server: app, logger: false, gracefulShutdown: false, healthEndpoint: false });
    const seen: string[] = [];
    chat.onConnection(() => seen.push('chat'));
    game.onConnection(() => seen.push('game'));
    try {
      await chat.start();
      await game.start();
      expect(chat.getPort()).toBe(port);
      expect((await get(port, '/users')).text).toBe('app:/users');
      // On a shared server the health path defaults under /stelar/ (per namespace), and the app's
      // own /health stays the app's.
      expect((await get(port, '/health')).text).toBe('app:/health');
      expect(JSON.parse((await get(port, '/stelar/chat/health')).text).status).toBe('ok');
      expect((await get(port, '/stelar/game/health')).text).toBe('app:/stelar/game/health');
      const a = await rawWs(`ws://127.0.0.1:${port}/chat`);
      const b = await rawWs(`ws://127.0.0.1:${port}/game`);
      const none = await rawWs(`ws://127.0.0.1:${port}/nowhere`);
      expect([a.opened, b.opened, none.opened]).toEqual([true, true, false]);
      expect(none.status()).toBe(404);
      await until(() => seen.length === 2);
      expect(seen.sort()).toEqual(['chat', 'game']);
      a.ws.close();
      b.ws.close();
    } finally {
      await chat.stop();
      await game.stop();
      await new Promise((r) => app.close(r));
    }
  });
});
