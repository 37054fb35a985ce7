// Finding 8 (issue #14), the smaller ones: a never-reading WebSocket client asking for 150
// answers of 1 MB made the server hold 142 MB; a lone-surrogate room name was accepted and
// echoed as U+FFFD; an HTTP/1.0 upgrade got a 101. (TCP slow-consumer logging is covered with
// the backpressure policy, not here.)
import { createConnection } from 'node:net';
import WebSocket from 'ws';
import { rawFrame } from '../helpers/ws-frames';
import { AttackServer, Canaries, MiB, peakRssGrowth, rawUpgrade, waitFor } from './attack-kit';
import { HTTP_PARSERS } from '../helpers/http-parsers';

let server: AttackServer;
afterEach(() => server?.stop());

describe.each(HTTP_PARSERS)('httpParser %s', (httpParser) => {
it('finding 8: a never-reading client asking for 150 × 1 MB answers is dropped at maxBufferedBytes; RSS bounded', async () => {
  server = await AttackServer.spawn({ httpParser, maxBufferedBytes: 4 * MiB, rateLimit: false });
  const canaries = await Canaries.start(server);
  const { socket, status } = await rawUpgrade(server.port);
  expect(status).toBe(101);
  // 150 ack requests in one write; the socket is paused (never read) from the 101 on.
  const requests = Buffer.concat(
    Array.from({ length: 150 }, (_, i) => rawFrame({ opcode: 1, payload: JSON.stringify({ t: 4, e: 'answer', a: 'answer', i: i + 1, d: 1_000_000 }) })),
  );
  const started = Date.now();
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - started)));
  socket.write(requests);
  const rss = await peakRssGrowth(server, closed);
  expect(await closed).toBeLessThan(10_000);
  // Bounded by maxBufferedBytes (4 MiB) plus one answer, not 150 MB; runtime noise allowed.
  expect(rss.growth).toBeLessThan(48 * MiB);
  expect(await server.untilLogged(/slow consumer: dropping/)).toHaveLength(1);
  const { problems, exchanged } = await canaries.finish();
  expect(problems).toEqual([]);
  expect(exchanged).toBeGreaterThan(0);
}, 30_000);

it('finding 8: a lone-surrogate room name is refused, never joined or echoed as U+FFFD; HTTP/1.0 upgrades get 400', async () => {
  server = await AttackServer.spawn({ httpParser, rateLimit: false });
  const canaries = await Canaries.start(server);
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
  const texts: string[] = [];
  ws.on('message', (d) => texts.push(String(d)));
  await new Promise((r) => ws.once('open', r));
  // The JSON escape survives JSON.stringify as the 6 characters \ud800 (a lone surrogate once parsed).
  ws.send('{"t":8,"room":"a\\ud800b","i":1}');
  ws.send('{"t":8,"room":"ok-room","i":2}');
  await waitFor(() => texts.some((t) => t.includes('ok-room')), 'the answer to the valid join');
  const answers = texts.map((t) => JSON.parse(t) as Record<string, unknown>);
  expect(answers.some((a) => a.t === 8 && a.i === 1 && a.ok === true)).toBe(false);
  // Refused as an invalid message (dropped, onInvalidMessage fired), the connection kept.
  await waitFor(() => server.logs.some((l) => l.level === 'invalid'), 'the onInvalidMessage hook');
  expect(server.logs.filter((l) => l.level === 'invalid' && /lone surrogate/.test(l.msg))).toHaveLength(1);
  expect(texts.some((t) => t.includes('\ufffd') || t.includes('\\ufffd'))).toBe(false);
  expect(answers.find((a) => a.t === 8 && a.i === 2)).toMatchObject({ room: 'ok-room', ok: true });
  ws.close();

  // RFC 6455 §4.1: the handshake needs HTTP/1.1 or later.
  const raw = await rawUpgradeVersion(server.port, '1.0');
  expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  expect(raw).not.toMatch(/101/);
  const { problems, exchanged } = await canaries.finish();
  expect(problems).toEqual([]);
  expect(exchanged).toBeGreaterThan(0);
}, 30_000);

/** The server's answer to an otherwise valid upgrade request in HTTP/`version`. */
async function rawUpgradeVersion(port: number, version: string): Promise<string> {
  const s = createConnection(port, '127.0.0.1');
  s.on('error', () => undefined);
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString('latin1')));
  s.write(
    `GET / HTTP/${version}\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise((r) => s.once('close', r));
  return text;
}
});
