import * as http from 'node:http';
import * as net from 'node:net';
import WebSocket from 'ws';
import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { EchoAcceptor } from '../../helpers/ws-echo-acceptor';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { testCert } from '../../helpers/tls-cert';
import { HTTP_PARSERS } from '../../helpers/http-parsers';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe.each(HTTP_PARSERS)('handshake responses and routing (httpParser %s)', (httpParser) => {
  const transports: WsServerTransport[] = [];
  const raws: RawWsClient[] = [];
  const servers: http.Server[] = [];
  const acceptors: EchoAcceptor[] = [];

  afterEach(async () => {
    for (const r of raws) r.destroy();
    raws.length = 0;
    for (const a of acceptors) for (const c of a.connections) c.terminate();
    acceptors.length = 0;
    for (const t of transports) await t.close();
    transports.length = 0;
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    servers.length = 0;
  });

  async function start(options: ConstructorParameters<typeof WsServerTransport>[0] = {}): Promise<{ t: WsServerTransport; a: EchoAcceptor; port: number }> {
    const t = new WsServerTransport({ host: '127.0.0.1', httpParser, ...options });
    const a = new EchoAcceptor();
    t.setAcceptor(a);
    transports.push(t);
    acceptors.push(a);
    const port = await t.listen();
    return { t, a, port };
  }

  async function rawStatus(port: number, request: string): Promise<RawWsClient> {
    const r = await RawWsClient.connect(port, request);
    raws.push(r);
    await r.until(() => r.status !== 0);
    return r;
  }

  it.each([
    ['bad key', 400, RawWsClient.request('/', {}).replace('dGhlIHNhbXBsZSBub25jZQ==', 'short')],
    ['version 8', 426, RawWsClient.request('/').replace('Version: 13', 'Version: 8')],
    ['unknown path', 404, RawWsClient.request('/nope')],
    ['POST', 405, RawWsClient.request('/').replace('GET', 'POST')],
    ['bad extension header', 400, RawWsClient.request('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate; =' })],
  ])('%s → HTTP %i', async (...row) => {
    const [, status, request] = row;
    const { port } = await start({ compression: true });
    const r = await rawStatus(port, request);
    expect(r.status).toBe(status);
    if (status === 426) expect(r.responseHead).toContain('Sec-WebSocket-Version: 13');
    await r.until(() => r.closed);
  });

  it('answers a refusal from the acceptor with its status (403 origin, 503 full), sync or async', async () => {
    const { port, a } = await start();
    a.refuse = (info) =>
      info.origin === 'https://evil.example'
        ? { status: 403, closeCode: 1008, code: 'STELAR_ERR_ORIGIN_NOT_ALLOWED', reason: 'Origin not allowed' }
        : Promise.resolve({ status: 503, closeCode: 1013, code: 'STELAR_ERR_SERVER_FULL', reason: 'Server full' });
    const forbidden = await rawStatus(port, RawWsClient.request('/', { Origin: 'https://evil.example' }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.responseHead).toContain('Origin not allowed');
    const full = await rawStatus(port, RawWsClient.request('/'));
    expect(full.status).toBe(503);
    expect(a.infos[0]).toMatchObject({ protocol: 'ws', origin: 'https://evil.example', path: '/', remoteAddress: '127.0.0.1' });
  });

  it('answers 503 when no acceptor is set', async () => {
    const t = new WsServerTransport({ host: '127.0.0.1', httpParser });
    transports.push(t);
    const port = await t.listen();
    const r = await rawStatus(port, RawWsClient.request('/'));
    expect(r.status).toBe(503);
  });

  it('serves the health handler on a Stelar-created server and 404s other plain requests', async () => {
    const { port } = await start({
      httpHandler: (req, res) => {
        if (req.url !== '/health') return false;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"ok":true}');
        return true;
      },
    });
    expect(await get(port, '/health')).toEqual({ status: 200, body: '{"ok":true}' });
    expect((await get(port, '/other')).status).toBe(404);
  });

  it('shares a user server between namespaces and leaves other requests to the user app', async () => {
    const server = http.createServer((req, res) => {
      res.end(`user app: ${req.url}`);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const chat = await start({
      server,
      path: '/chat',
      httpHandler: (req, res) => {
        if (req.url !== '/health') return false;
        res.end('healthy');
        return true;
      },
    });
    const game = await start({ server, path: '/game/' });
    expect(chat.port).toBe(port);
    expect(game.t.path).toBe('/game');

    expect(await get(port, '/health')).toEqual({ status: 200, body: 'healthy' });
    expect(await get(port, '/index.html')).toEqual({ status: 200, body: 'user app: /index.html' });

    const a = new WebSocket(`ws://127.0.0.1:${port}/chat`);
    const b = new WebSocket(`ws://127.0.0.1:${port}/game?token=1`);
    await Promise.all([new Promise((r) => a.once('open', r)), new Promise((r) => b.once('open', r))]);
    expect(chat.a.connections.length).toBe(1);
    expect(game.a.connections.length).toBe(1);
    a.terminate();
    b.terminate();

    const r = await rawStatus(port, RawWsClient.request('/elsewhere'));
    expect(r.status).toBe(404);

    // closing every namespace restores the user's listeners
    await chat.t.close();
    await game.t.close();
    expect(await get(port, '/health')).toEqual({ status: 200, body: 'user app: /health' });
  });

  it('refuses two transports on the same path of one server', async () => {
    const server = http.createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    await start({ server, path: '/x' });
    const dup = new WsServerTransport({ server, path: '/x' });
    await expect(dup.listen()).rejects.toThrow(/already served/);
  });

  it('destroys sockets that never complete the upgrade (connectTimeout)', async () => {
    const { port, a } = await start({ connectTimeout: 200 });
    const slow = net.connect(port, '127.0.0.1');
    slow.on('error', () => {});
    slow.write('GET / HTTP/1.1\r\nHost: x\r\n'); // never finishes the head
    const closed = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 3000);
      slow.once('close', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    expect(closed).toBe(true);
    // a pending async screening is bounded the same way
    a.refuse = () => new Promise(() => {});
    const hanging = await RawWsClient.connect(port, RawWsClient.request('/'));
    raws.push(hanging);
    await hanging.until(() => hanging.closed, 3000);
    expect(hanging.status).toBe(0);
  });

  it('serves wss:// with the tls option, and connectTimeout spares established connections', async () => {
    const { port } = await start({ tls: testCert(), compression: true, connectTimeout: 300 });
    const ws = new WebSocket(`wss://127.0.0.1:${port}/`, { rejectUnauthorized: false });
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    ws.send('over tls '.repeat(500));
    expect(await reply).toBe('over tls '.repeat(500));
    await new Promise((r) => setTimeout(r, 600)); // past connectTimeout
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const again = new Promise<string>((r) => ws.once('message', (d) => r(d.toString())));
    ws.send('still open');
    expect(await again).toBe('still open');
    ws.terminate();
  });

  it('reports X-Forwarded-For with trustProxy', async () => {
    const { port, a } = await start({ trustProxy: true });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: { 'X-Forwarded-For': '198.51.100.7, 10.1.1.1' } });
    await new Promise((r) => ws.once('open', r));
    expect(a.connections[0].remoteAddress).toBe('198.51.100.7');
    expect(a.infos[0].remoteAddress).toBe('198.51.100.7');
    ws.terminate();
  });
});
