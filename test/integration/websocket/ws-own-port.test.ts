import * as net from 'node:net';
import * as tls from 'node:tls';
import { ServerKit } from '../../helpers/server-kit';
import { testCert } from '../../helpers/tls-cert';
import { rawFrame } from '../../helpers/ws-frames';
import { OwnPortListener } from '../../../src/adapters/http/own-port.listener';
import { TOKENS } from '../../../src/ports';
import type { Transport } from '../../../src/ports/transport.port';
import type { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import type { StelarServer } from '../../../src';

// The own-port path end to end (no `server` option, httpParser 'stelar', the default): Stelar's
// listener reads the request heads on a raw net/tls server, over WS and WSS. What goes over the
// wire is checked byte for byte: the 101, every refusal status, the built-in routes' responses
// (Content-Length, Connection: close, the socket closed by the server).

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

interface Exchange {
  /** Everything the server sent, latin1. */
  text: string;
  /** The server closed the socket. */
  closed: Promise<void>;
  socket: net.Socket;
  /** Resolves once `pred(text)` holds (checked on every chunk), bounded. */
  until(pred: (text: string) => boolean, ms?: number): Promise<void>;
}

function open(port: number, secure: boolean): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket: net.Socket = secure
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : net.connect({ port, host: '127.0.0.1' });
    const waiters: Array<() => void> = [];
    const ex: Exchange = {
      text: '',
      socket,
      closed: new Promise<void>((r) => socket.once('close', () => r())),
      until(pred, ms = 5000) {
        if (pred(ex.text)) return Promise.resolve();
        return new Promise<void>((res, rej) => {
          const timer = setTimeout(() => rej(new Error(`timed out; received ${JSON.stringify(ex.text.slice(0, 200))}`)), ms);
          const check = (): void => {
            if (pred(ex.text)) {
              clearTimeout(timer);
              res();
            } else waiters.push(check);
          };
          waiters.push(check);
        });
      },
    };
    socket.on('data', (d: Buffer) => {
      ex.text += d.toString('latin1');
      for (const w of waiters.splice(0)) w();
    });
    socket.on('close', () => {
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
    socket.once(secure ? 'secureConnect' : 'connect', () => resolve(ex));
    socket.once('error', reject);
  });
}

/** Sends `request`, waits for the server to close, returns the parsed answer. */
async function ask(port: number, request: string | Buffer, secure = false, headOnly = false): Promise<{ status: number; head: string; body: string }> {
  const ex = await open(port, secure);
  ex.socket.write(request);
  await ex.closed;
  const end = ex.text.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  const head = ex.text.slice(0, end);
  const body = ex.text.slice(end + 4);
  const m = /^HTTP\/1\.1 (\d{3}) [^\r\n]+$/m.exec(head.split('\r\n')[0]);
  expect(m).not.toBeNull();
  // Minimal and complete: the body is exactly Content-Length, and the server closes.
  expect(head).toMatch(/\r\nConnection: close(\r\n|$)/i);
  const len = /\r\nContent-Length: (\d+)/i.exec(head);
  if (len !== null) expect(Buffer.byteLength(body, 'latin1')).toBe(headOnly ? 0 : Number(len[1]));
  return { status: Number(m?.[1]), head, body };
}

describe.each([false, true])('own-port listener (TLS %s)', (secure) => {
  const kit = new ServerKit();
  let server: StelarServer;
  let port: number;

  beforeAll(async () => {
    server = await kit.server({ host: '127.0.0.1', tcpPort: false, metrics: true, ...(secure ? { tls: testCert() } : {}) });
    port = server.getPort() as number;
  });
  afterAll(() => kit.teardown());

  it('listens on a raw net/tls server, not on Node\'s http server', () => {
    const ws = server.container.getAll<Transport>(TOKENS.Transport).find((t) => t.protocol === 'ws') as WsServerTransport;
    const listener = ws.httpServer();
    expect(listener).toBeInstanceOf(OwnPortListener);
    const raw = (listener as OwnPortListener).server;
    expect(raw).toBeInstanceOf(secure ? tls.Server : net.Server);
    // Node's http.Server (and https.Server) have headersTimeout; a raw net/tls server does not.
    expect('headersTimeout' in raw).toBe(false);
  });

  it('a Stelar client connects and is echoed over ws/wss', async () => {
    server.onAck('echo', (ctx) => ctx.data);
    const c = await kit.connect(server, 'ws', secure ? { tls: true, rejectUnauthorized: false } : {});
    expect(await c.request('echo', { x: 1 })).toEqual({ x: 1 });
  });

  it('the 101 answers the key, and frames sent with the head (same write) and after it are read', async () => {
    const ex = await open(port, secure);
    const connect = (text: string) => text.includes('\r\n\r\n') && text.length > text.indexOf('\r\n\r\n') + 4;
    ex.socket.write(Buffer.concat([Buffer.from(UPGRADE, 'latin1'), rawFrame({ opcode: 9, payload: 'same-write' })]));
    await ex.until(connect);
    expect(ex.text.startsWith(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n\r\n`)).toBe(true);
    await ex.until((t) => t.includes('same-write'));
    ex.socket.write(rawFrame({ opcode: 9, payload: 'later' }));
    await ex.until((t) => t.includes('later'));
    ex.socket.destroy();
  });

  it('a head split into single bytes still upgrades', async () => {
    const ex = await open(port, secure);
    const bytes = Buffer.from(UPGRADE, 'latin1');
    for (let i = 0; i < bytes.length; i++) {
      ex.socket.write(bytes.subarray(i, i + 1));
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    await ex.until((t) => t.includes('\r\n\r\n'));
    expect(ex.text).toContain(`Sec-WebSocket-Accept: ${ACCEPT}\r\n`);
    ex.socket.destroy();
  });

  it.each([
    ['obs-fold', UPGRADE.replace('Upgrade: websocket\r\n', 'Upgrade: websocket\r\n continued\r\n'), 400],
    ['bare LF', UPGRADE.replace('Host: 127.0.0.1\r\n', 'Host: 127.0.0.1\n'), 400],
    ['two Host headers', UPGRADE.replace('\r\n\r\n', '\r\nHost: other\r\n\r\n'), 400],
    ['no Host', UPGRADE.replace('Host: 127.0.0.1\r\n', ''), 400],
    ['a NUL in a value', UPGRADE.replace('Upgrade: websocket', 'Upgrade: web\x00socket'), 400],
    ['a space before the colon', UPGRADE.replace('Upgrade:', 'Upgrade :'), 400],
    ['POST upgrade', UPGRADE.replace('GET', 'POST'), 405],
    ['HTTP/1.0 upgrade', UPGRADE.replace('HTTP/1.1', 'HTTP/1.0'), 400],
    ['HTTP/2.0', UPGRADE.replace('HTTP/1.1', 'HTTP/2.0'), 505],
    ['a body on the upgrade', UPGRADE.replace('\r\n\r\n', '\r\nContent-Length: 4\r\n\r\nbody'), 413],
    ['chunked on /health', 'POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 413],
    ['a 9 KiB target', `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    ['a 9 KiB header', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(9000)}\r\n\r\n`, 431],
    ['101 headers', `GET / HTTP/1.1\r\nHost: x\r\n${'X: 1\r\n'.repeat(100)}\r\n`, 431],
    ['an upgrade for an unknown path', UPGRADE.replace('GET / ', 'GET /nope '), 404],
    ['a plain request for an unknown path', 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n', 404],
    ['version 8', UPGRADE.replace('Version: 13', 'Version: 8'), 426],
  ])('%s: a complete answer with its status, then the server closes', async (_name, request, status) => {
    const r = await ask(port, request, secure);
    expect(r.status).toBe(status);
    if (status === 405) expect(r.head).toMatch(/\r\nAllow: GET/);
  });

  it('GET /health: 200, JSON, Content-Length, Cache-Control, Connection: close', async () => {
    const r = await ask(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', secure);
    expect(r.status).toBe(200);
    expect(r.head).toMatch(/\r\nContent-Type: application\/json/);
    expect(r.head).toMatch(/\r\nCache-Control: no-store/);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok', activeConnections: expect.any(Number) });
  });

  it('HEAD /health: the GET\'s headers, no body; OPTIONS: 204; HTTP/1.0 without Host: 200', async () => {
    const head = await ask(port, 'HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n', secure, true);
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(/Content-Length: (\d+)/.exec(head.head)?.[1])).toBeGreaterThan(10);
    const options = await ask(port, 'OPTIONS /health HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example\r\n\r\n', secure);
    expect(options.status).toBe(204);
    expect(options.head).toMatch(/\r\nAccess-Control-Allow-Origin: \*/);
    expect((await ask(port, 'GET /health HTTP/1.0\r\n\r\n', secure)).status).toBe(200);
  });

  it('GET /metrics: the Prometheus text', async () => {
    const r = await ask(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', secure);
    expect(r.status).toBe(200);
    expect(r.head).toMatch(/\r\nContent-Type: text\/plain/);
    expect(r.body).toMatch(/^stelar_connections\{/m);
  });

  it('bad heads leave no pending socket and no connection behind', async () => {
    const ws = server.container.getAll<Transport>(TOKENS.Transport).find((t) => t.protocol === 'ws') as WsServerTransport;
    const listener = ws.httpServer() as OwnPortListener;
    await ask(port, 'GET / HTTP/1.1\r\nHost: x\r\n X\r\n\r\n', secure);
    expect(listener.pendingCount).toBe(0);
    expect(server.getStats().wsConnections).toBeLessThanOrEqual(1);
  });
});

describe('own-port listener: a customHealthHandler', () => {
  const kit = new ServerKit();
  afterAll(() => kit.teardown());

  it('gets a real IncomingMessage and a ServerResponse-like writer; a throw is a 500, not a crash', async () => {
    let mode: 'ok' | 'throw' = 'ok';
    const server = await kit.server({
      host: '127.0.0.1',
      customHealthHandler: (req, res, stats) => {
        if (mode === 'throw') throw new Error('handler bug');
        res.statusCode = 203;
        res.setHeader('X-Conns', String(stats.activeConnections));
        res.setHeader('X-Evil', 'a\r\nInjected: yes');
        res.write(`${req.method} ${req.url} ${req.headers['x-probe']}`);
        res.end(' done');
      },
    });
    const port = server.getPort() as number;
    const ok = await ask(port, 'GET /health?x=1 HTTP/1.1\r\nHost: x\r\nX-Probe: p1\r\n\r\n');
    expect(ok.status).toBe(203);
    expect(ok.body).toBe('GET /health?x=1 p1 done');
    expect(ok.head).toMatch(/\r\nX-Conns: \d+/);
    // No response splitting: CR/LF in a value never start a header line.
    expect(ok.head).not.toMatch(/\r\nInjected:/);
    mode = 'throw';
    expect((await ask(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(500);
    mode = 'ok';
    expect((await ask(port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(203);
  });
});
