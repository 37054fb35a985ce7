import { StelarClient, type StelarServer } from '../../../src';
import { ServerKit, next, until } from '../../helpers/server-kit';
import * as https from 'node:https';
import { acquireRedis, describeWithRedis, uniquePrefix, type TestRedis } from '../../helpers/redis';
import { testCert } from '../../helpers/tls-cert';

// The dashboard's own connection without a browser: a Node client on `<path>/ws` that passes
// `auth` on its upgrade request gets the ticks and can act; one that does not is refused; in a
// cluster the ticks list the nodes.

const AUTH = { username: 'ops', password: 'pa55-word' };
const basic = `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}`;

interface Tick {
  total: number;
  connections: Record<string, number>;
  nodes: { nodeId: string; activeConnections: number }[] | null;
}

function viewer(server: StelarServer, headers: Record<string, string>): StelarClient {
  return new StelarClient(`ws://127.0.0.1:${server.getPort()}/stelar/ws`, { reconnection: false, logger: 'silent', headers });
}

function connected(c: StelarClient): Promise<boolean> {
  return new Promise((resolve) => {
    c.once('connect', () => resolve(true));
    c.once('disconnect', () => resolve(false));
    c.once('error', () => resolve(false));
    c.connect();
  });
}

describe('dashboard connection', () => {
  const kit = new ServerKit();
  const viewers: StelarClient[] = [];
  afterEach(async () => {
    for (const v of viewers.splice(0)) v.disconnect();
    await kit.teardown();
  });

  it('admits a connection that passes auth, ticks every second, and acts', async () => {
    const server = await kit.server({ dashboard: { auth: AUTH } });
    const app = await kit.connect(server, 'tcp');
    const v = viewer(server, { authorization: basic });
    viewers.push(v);
    expect(await connected(v)).toBe(true);
    const tick = await next<Tick>(v, 'tick', 3000);
    expect(tick.total).toBe(1); // the viewer itself is not an application client
    expect(tick.connections).toMatchObject({ ws: 0, tcp: 1 });
    expect(tick.nodes).toBeNull();
    const list = await v.request<{ total: number; clients: { id: string }[] }>('admin:clients', { q: '' });
    expect(list.clients.map((c) => c.id)).toEqual([app.getId()]);
    expect(await v.request('admin:disconnect', { id: app.getId(), reason: 'bye' })).toEqual({ ok: true });
    await until(() => server.getStats().activeConnections === 0);
    expect(await v.request('admin:disconnect', { id: 'nobody' })).toEqual({ ok: false });
  });

  it('works over TLS: the page and metrics on https, the viewer on wss, TCP clients over TLS', async () => {
    const server = await kit.server({ tls: testCert(), dashboard: { auth: AUTH }, metrics: { auth: AUTH } });
    const app = await kit.connect(server, 'tcp', { tls: true, rejectUnauthorized: false });
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port: server.getPort(), path, headers, rejectUnauthorized: false }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
    expect((await get('/stelar')).status).toBe(401);
    expect((await get('/stelar', { authorization: basic })).body).toContain('stelar-token');
    expect((await get('/metrics', { authorization: basic })).body).toMatch(/^stelar_connections\{namespace="\/",protocol="tcp"\} 1$/m);
    const v = new StelarClient(`wss://127.0.0.1:${server.getPort()}/stelar/ws`, {
      reconnection: false,
      logger: 'silent',
      headers: { authorization: basic },
      rejectUnauthorized: false,
    });
    viewers.push(v);
    expect(await connected(v)).toBe(true);
    expect((await next<Tick>(v, 'tick', 3000)).connections).toMatchObject({ ws: 0, tcp: 1 });
    expect(app.isConnected()).toBe(true);
  });

  it('refuses connections without auth or with a wrong password', async () => {
    const server = await kit.server({ dashboard: { auth: AUTH } });
    const attempts: Record<string, string>[] = [{}, { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` }];
    for (const headers of attempts) {
      const v = viewer(server, headers);
      viewers.push(v);
      expect(await connected(v)).toBe(false);
    }
  });
});

describeWithRedis('dashboard in a cluster', () => {
  const kit = new ServerKit();
  let redis: TestRedis;
  const viewers: StelarClient[] = [];
  beforeAll(async () => {
    redis = await acquireRedis();
  });
  afterAll(() => redis.stop());
  afterEach(async () => {
    for (const v of viewers.splice(0)) v.disconnect();
    await kit.teardown();
  });

  it('lists the nodes with their connections', async () => {
    const prefix = uniquePrefix('ops-dash');
    const a = await kit.server({ cluster: { redis: redis.url, prefix }, dashboard: { auth: AUTH } });
    const b = await kit.server({ cluster: { redis: redis.url, prefix } });
    await kit.connect(b, 'ws');
    await kit.connect(b, 'tcp');
    const v = viewer(a, { authorization: basic });
    viewers.push(v);
    expect(await connected(v)).toBe(true);
    let nodes: Tick['nodes'] = null;
    const deadline = Date.now() + 10_000;
    while ((nodes?.length ?? 0) < 2 && Date.now() < deadline) nodes = (await next<Tick>(v, 'tick', 3000)).nodes;
    expect(nodes?.map((n) => n.activeConnections).sort()).toEqual([0, 2]);
    expect(new Set(nodes?.map((n) => n.nodeId)).size).toBe(2);
  });
});
