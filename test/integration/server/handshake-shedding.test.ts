// Storm guard (issue #17): above maxPendingHandshakes a new socket gets the pre-built refusal
// with its retry hint before any handshake work (503 + Retry-After over WS and WSS, the
// pre-encoded Error + Disconnect over TCP and TCP+TLS), the shed is counted in getStats() and
// logged (throttled), and the Stelar client honours the hint and gets in once there is room.
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ServerKit, type Mode } from '../../helpers/server-kit';
import { parseTcpFrames, tcpFrame } from '../../helpers/raw-clients';
import { testCert } from '../../helpers/tls-cert';
import { FakeLogger } from '../../fakes/fake-logger';
import { busyResponse } from '../../../src/adapters/websocket/ws-busy-response';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { StelarServer, type StelarOptions } from '../../../src';
import { HTTP_PARSERS } from '../../helpers/http-parsers';

const kit = new ServerKit();
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await kit.teardown();
});

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const HELLO = tcpFrame(6, '', '{"v":1}');

/**
 * A socket that arrives and says nothing (it holds one handshake slot); resolves once up. Over
 * TLS, once the server has finished its side of the handshake: TLS 1.3 servers send their
 * session ticket only then ('session'), so the holder waits at the request/hello stage.
 */
async function holder(port: number, secure: boolean): Promise<net.Socket> {
  const s = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1.3' }) : net.connect(port, '127.0.0.1');
  sockets.push(s);
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once(secure ? 'session' : 'connect', () => r()));
  return s;
}

/** Sends `bytes` on a new socket and resolves with everything read until the server closed it. */
function exchange(port: number, secure: boolean, bytes: Buffer | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    sockets.push(s);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error('the server did not close the socket')), 5000);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => undefined);
    s.once(secure ? 'secureConnect' : 'connect', () => s.write(bytes));
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

async function untilShed(server: StelarServer, n: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while (server.getStats().handshakesShed < n) {
    if (Date.now() > deadline) throw new Error(`handshakesShed stayed ${server.getStats().handshakesShed}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(HTTP_PARSERS.flatMap((p) => [[p, false] as const, [p, true] as const]))('WebSocket, httpParser %s, tls=%p: the pre-built 503 + Retry-After', (httpParser, secure) => {
  it('answers a socket over maxPendingHandshakes with exactly the pre-built response, counts and logs it', async () => {
    const logger = new FakeLogger();
    const server = await kit.server({ httpParser, maxPendingHandshakes: 1, logger, ...(secure ? { tls: testCert() } : {}) });
    await holder(server.getPort(), secure);
    const answer = await exchange(server.getPort(), secure, UPGRADE);
    expect(answer.toString('latin1')).toBe(busyResponse(1).toString('latin1'));
    expect(answer.toString('latin1')).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\nRetry-After: 1\r\n/);
    await untilShed(server, 1);
    const stats = server.getStats();
    expect(stats.handshakesShed).toBe(1);
    expect(stats.handshakesPeerGone).toBe(0);
    expect(stats.activeConnections).toBe(0);
    expect(logger.at('warn').filter((l) => /STELAR_ERR_SERVER_BUSY: handshake shed: 1 handshakes in progress/.test(l))).toHaveLength(1);
    // Below the bound again (the holder went): a client is let in (it may still meet the
    // holder's slot once, until the server sees that socket close, and then honours the hint).
    for (const s of sockets.splice(0)) s.destroy();
    const client = kit.client(server, 'ws', { reconnection: true, ...(secure ? { tls: true, rejectUnauthorized: false } : {}) });
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no connect')), 5000);
      client.once('connect', () => (clearTimeout(t), resolve()));
      client.connect();
    });
  });
});

describe.each([false, true])('TCP, tls=%p: the pre-encoded refusal frame', (secure) => {
  it('sends Error STELAR_ERR_SERVER_BUSY with retryAfter, then Disconnect 1013, before reading any hello', async () => {
    const logger = new FakeLogger();
    const server = await kit.server({ maxPendingHandshakes: 1, shedRetryAfter: 1500, logger, ...(secure ? { tls: testCert() } : {}) });
    await holder(server.getTcpPort() as number, secure);
    const frames = parseTcpFrames(await exchange(server.getTcpPort() as number, secure, HELLO));
    expect(frames.map((f) => [f.type, f.event])).toEqual([
      [10, 'STELAR_ERR_SERVER_BUSY'],
      [7, ''],
    ]);
    expect(JSON.parse(frames[0].payload.toString())).toEqual({ message: 'Server busy, retry later', retryAfter: 1500 });
    expect(JSON.parse(frames[1].payload.toString())).toEqual({ code: 1013, reason: 'Server busy, retry later' });
    await untilShed(server, 1);
    expect(server.getStats().activeConnections).toBe(0);
    expect(logger.at('warn').some((l) => /STELAR_ERR_SERVER_BUSY: handshake shed.*\(tcp 127\.0\.0\.1\)/.test(l))).toBe(true);
  });
});

describe.each<Mode>(['ws', 'tcp'])('%s: the client honours the hint and gets in after a shed', (mode) => {
  it('is shed (hint 1000 ms), waits at least the hint, then connects once there is room', async () => {
    const server = await kit.server({ maxPendingHandshakes: 1 });
    const hold = await holder(mode === 'ws' ? server.getPort() : (server.getTcpPort() as number), false);
    const client = kit.client(server, mode, { reconnection: true });
    const errors: { at: number; message: string }[] = [];
    client.on('error', (err: Error) => errors.push({ at: Date.now(), message: err.message }));
    const connected = new Promise<number>((r) => client.once('connect', () => r(Date.now())));
    client.connect();
    await untilShed(server, 1);
    const deadline = Date.now() + 3000;
    while (!errors.some((e) => /busy/i.test(e.message))) {
      if (Date.now() > deadline) throw new Error(`no busy error: ${JSON.stringify(errors)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const shedAt = errors.find((e) => /busy/i.test(e.message))!.at;
    hold.destroy();
    const at = await Promise.race([connected, new Promise<number>((_, rej) => setTimeout(() => rej(new Error('no connect')), 6000))]);
    // [hint, 2 × hint) after the refusal (a few ms of slack for the refusal's own delivery).
    expect(at - shedAt).toBeGreaterThanOrEqual(990);
    expect(client.isConnected()).toBe(true);
    expect(server.getStats().handshakesShed).toBe(1);
  });
});

describe('storm options', () => {
  it.each([
    [{ listenBacklog: 0 }, /listenBacklog/],
    [{ listenBacklog: 70000 }, /listenBacklog/],
    [{ listenBacklog: 1.5 }, /listenBacklog/],
    [{ maxPendingHandshakes: 0 }, /maxPendingHandshakes/],
    [{ shedLagMs: -1 }, /shedLagMs/],
    [{ shedLagMs: '200' }, /shedLagMs/],
    [{ shedRetryAfter: 0 }, /shedRetryAfter/],
  ])('refuses %p with a TypeError naming the option', (options, message) => {
    expect(() => new StelarServer({ port: 0, logger: false, gracefulShutdown: false, ...(options as StelarOptions) })).toThrow(TypeError);
    expect(() => new StelarServer({ port: 0, logger: false, gracefulShutdown: false, ...(options as StelarOptions) })).toThrow(message);
  });

  it('listens with the configured backlog on both listeners (ss shows it as the Send-Q of a listening socket)', async () => {
    const server = await kit.server({ listenBacklog: 777 });
    const listening = (port: number): string => execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
    for (const port of [server.getPort(), server.getTcpPort() as number]) {
      const sendQ = listening(port).trim().split(/\s+/)[2];
      expect(Number(sendQ)).toBe(777);
    }
    const byDefault = await kit.server();
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(Number(listening(byDefault.getPort()).trim().split(/\s+/)[2])).toBe(Math.min(4096, somaxconn));
  });
});
