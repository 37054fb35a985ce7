import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import type { StelarServer } from '../../../src';
import { ServerKit } from '../../helpers/server-kit';
import { rawWs } from '../../helpers/raw-clients';

/**
 * Stelar attached to a user's Express or Fastify server: the app keeps every plain HTTP path
 * (its own /health included), Stelar answers its WebSocket path and its health endpoint, which
 * defaults to /stelar/health there; stop() gives the server back to the app untouched.
 */
const kit = new ServerKit();
afterEach(() => kit.teardown());

async function get(port: number, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

interface App {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

async function expressApp(): Promise<App> {
  const app = express();
  app.get('/health', (_req, res) => {
    res.json({ app: 'express', healthy: true });
  });
  app.get('/users', (_req, res) => {
    res.json(['ada', 'linus']);
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function fastifyApp(): Promise<App> {
  const app: FastifyInstance = Fastify();
  app.get('/health', async () => ({ app: 'fastify', healthy: true }));
  app.get('/users', async () => ['ada', 'linus']);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { server: app.server, port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

async function stelarOn(app: App, extra: Record<string, unknown> = {}): Promise<StelarServer> {
  const stelar = await kit.server({ server: app.server, ...extra });
  stelar.onAck('whoami', (ctx) => ({ id: ctx.id, protocol: ctx.protocol }));
  return stelar;
}

describe.each([
  ['Express', expressApp, /Cannot GET \/nowhere/],
  ['Fastify', fastifyApp, /Route GET:\/nowhere not found/],
] as const)("attached to the user's %s server", (name, makeApp, appNotFound) => {
  let app: App;
  beforeEach(async () => {
    app = await makeApp();
  });
  afterEach(async () => {
    await kit.teardown();
    await app.close();
  });

  it("leaves the app's routes (its own /health included) to the app and serves /stelar/health", async () => {
    const stelar = await stelarOn(app);
    expect(stelar.getPort()).toBe(app.port);
    const ws = await kit.connect(stelar, 'ws');

    const appHealth = await get(app.port, '/health');
    expect(appHealth.status).toBe(200);
    expect(JSON.parse(appHealth.text)).toEqual({ app: name.toLowerCase(), healthy: true });
    expect(JSON.parse((await get(app.port, '/users')).text)).toEqual(['ada', 'linus']);
    const missing = await get(app.port, '/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(appNotFound);

    const own = await get(app.port, '/stelar/health');
    expect(own.status).toBe(200);
    expect(JSON.parse(own.text)).toMatchObject({ status: 'ok', activeConnections: 1, wsConnections: 1 });
    expect(stelar.getConfig().healthEndpoint).toBe('/stelar/health');

    // Its WebSocket path and the TCP transport work end to end; other upgrade paths are refused.
    expect(await ws.request('whoami', {}, 'whoami')).toEqual({ id: ws.getId(), protocol: 'ws' });
    const tcp = await kit.connect(stelar, 'tcp');
    expect(await tcp.request('whoami', {}, 'whoami')).toEqual({ id: tcp.getId(), protocol: 'tcp' });
    const elsewhere = await rawWs(`ws://127.0.0.1:${app.port}/not-stelar`);
    expect(elsewhere.opened).toBe(false);
    expect(elsewhere.status()).toBe(404);
  });

  it('answers an explicitly configured healthEndpoint before the app (the user asked for it)', async () => {
    await stelarOn(app, { healthEndpoint: '/health' });
    expect(JSON.parse((await get(app.port, '/health')).text).status).toBe('ok');
    expect(JSON.parse((await get(app.port, '/users')).text)).toEqual(['ada', 'linus']);
  });

  it('gives the server back on stop(): still listening, every path answered by the app again', async () => {
    const stelar = await stelarOn(app);
    await stelar.stop();
    expect(app.server.listening).toBe(true);
    const after = await get(app.port, '/stelar/health');
    expect(after.status).toBe(404);
    expect(after.text).toMatch(name === 'Express' ? /Cannot GET \/stelar\/health/ : /Route GET:\/stelar\/health not found/);
    expect(JSON.parse((await get(app.port, '/health')).text)).toEqual({ app: name.toLowerCase(), healthy: true });
  });
});
