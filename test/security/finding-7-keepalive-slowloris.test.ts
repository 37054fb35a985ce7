// Finding 7 (issue #14): the slowloris guard covered the first request of a socket only: after
// a `GET /health` on a kept-alive socket, an upgrade request trickled 1 byte per 2 s lived 88 s.
// Every request on a keep-alive socket now has connectTimeout for its head (logged when it
// passes), while a client that sends its requests in time keeps its socket. Stelar's own
// listener (httpParser 'stelar', the default) has no keep-alive: the socket closes after the
// answer, so nothing can follow it; a trickled head on a fresh socket has its deadline.
import * as net from 'node:net';
import { AttackServer, Canaries, waitFor } from './attack-kit';

let server: AttackServer;
afterEach(() => server?.stop());

const CONNECT_TIMEOUT = 1500;

/** A raw keep-alive HTTP socket from 127.0.0.2 that records what it receives. */
async function keepAlive(port: number): Promise<{ socket: net.Socket; text: () => string; closed: Promise<number> }> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' });
  socket.on('error', () => undefined);
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, text: () => text, closed };
}

const HEALTH = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';
const UPGRADE = Buffer.from(
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
);

/** Writes {@link UPGRADE} one byte per 200 ms until the server closes the socket: when, and how many bytes went. */
async function trickleUpgrade(slow: { socket: net.Socket; closed: Promise<number> }): Promise<{ closedAt: number; sent: number }> {
  let sent = 0;
  const trickle = setInterval(() => {
    if (!slow.socket.destroyed && sent < UPGRADE.length) slow.socket.write(UPGRADE.subarray(sent, ++sent));
  }, 200);
  try {
    return { closedAt: await slow.closed, sent };
  } finally {
    clearInterval(trickle);
  }
}

// Node's http server (httpParser 'node'): keep-alive is served, and each request head has its deadline.
it('finding 7 (httpParser node): an upgrade trickled after a kept-alive GET /health is closed at connectTimeout; canaries lossless', async () => {
  server = await AttackServer.spawn({ connectTimeout: CONNECT_TIMEOUT, rateLimit: false, httpParser: 'node' });
  const canaries = await Canaries.start(server);

  // A polite keep-alive client: three requests, each well within the deadline, one socket.
  const polite = await keepAlive(server.port);
  for (let i = 1; i <= 3; i++) {
    polite.socket.write(HEALTH);
    await waitFor(() => polite.text().split('HTTP/1.1 200').length - 1 === i, `polite answer ${i}`);
    if (i < 3) await new Promise((r) => setTimeout(r, CONNECT_TIMEOUT / 2));
  }
  expect(polite.socket.destroyed).toBe(false);

  // The attacker: one quick GET /health, then an upgrade request at 1 byte per 200 ms.
  const slow = await keepAlive(server.port);
  slow.socket.write(HEALTH);
  await waitFor(() => slow.text().includes('HTTP/1.1 200'), 'the health answer');
  const answeredAt = Date.now();
  const { closedAt, sent } = await trickleUpgrade(slow);
  expect(closedAt - answeredAt).toBeLessThan(CONNECT_TIMEOUT + 1500);
  expect(closedAt - answeredAt).toBeGreaterThanOrEqual(CONNECT_TIMEOUT - 100);
  expect(sent).toBeLessThan(UPGRADE.length);
  expect(slow.text()).not.toMatch(/HTTP\/1\.1 101/);
  expect((await server.untilLogged(/STELAR_ERR_CONNECT_TIMEOUT: No complete request head within 1500 ms \(ws 127\.0\.0\.2\)/)).length).toBeGreaterThan(0);

  polite.socket.destroy();
  const { problems, exchanged } = await canaries.finish();
  expect(problems).toEqual([]);
  expect(exchanged).toBeGreaterThan(0);
}, 30_000);

// Stelar's own listener: one request per socket (Connection: close), and a head trickled on a
// fresh socket is closed at connectTimeout, logged the same way.
it('finding 7 (httpParser stelar): a kept-alive GET /health is answered with Connection: close; a trickled upgrade is closed at connectTimeout', async () => {
  server = await AttackServer.spawn({ connectTimeout: CONNECT_TIMEOUT, rateLimit: false, httpParser: 'stelar' });
  const canaries = await Canaries.start(server);

  const polite = await keepAlive(server.port);
  polite.socket.write(HEALTH);
  await polite.closed;
  expect(polite.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(polite.text()).toMatch(/\r\nConnection: close\r\n/i);
  const body = polite.text().slice(polite.text().indexOf('\r\n\r\n') + 4);
  expect(polite.text()).toContain(`Content-Length: ${Buffer.byteLength(body)}\r\n`);
  expect(JSON.parse(body)).toMatchObject({ status: 'ok' });

  const slow = await keepAlive(server.port);
  const startedAt = Date.now();
  const { closedAt, sent } = await trickleUpgrade(slow);
  expect(closedAt - startedAt).toBeLessThan(CONNECT_TIMEOUT + 1500);
  expect(closedAt - startedAt).toBeGreaterThanOrEqual(CONNECT_TIMEOUT - 100);
  expect(sent).toBeLessThan(UPGRADE.length);
  expect(slow.text()).toBe('');
  expect((await server.untilLogged(/STELAR_ERR_CONNECT_TIMEOUT: No complete request head within 1500 ms \(ws 127\.0\.0\.2\)/)).length).toBeGreaterThan(0);

  const { problems, exchanged } = await canaries.finish();
  expect(problems).toEqual([]);
  expect(exchanged).toBeGreaterThan(0);
}, 30_000);
