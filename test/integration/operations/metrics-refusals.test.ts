import * as net from 'node:net';
import * as tls from 'node:tls';
import { ServerKit, until } from '../../helpers/server-kit';
import { tcpFrame, parseTcpFrames } from '../../helpers/raw-clients';
import { testCert } from '../../helpers/tls-cert';
import { promValue } from '../../helpers/prom-text';
import { FakeLogger } from '../../fakes/fake-logger';
import type { StelarServer } from '../../../src';
import { ATTEMPT_LOG_INTERVAL_MS } from '../../../src/domain/attempt-log';

/** Most lines a per-code throttle may let through in `elapsedMs` (one per interval). */
const mostLines = (elapsedMs: number) => 1 + Math.floor(elapsedMs / ATTEMPT_LOG_INTERVAL_MS);

// Refusals before screening (a malformed WebSocket upgrade, a TCP first frame that is not a
// Connect hello) are counted by reason and logged (throttled); a burst of screening refusals
// is one `connection refused` line per code a second; requests a handler never answers stay
// in stelar_ack_pending (the server sets no deadline). Over plain and TLS sockets; every
// number is read back from the metrics registry in the test body.

type Variant = { name: string; mode: 'ws' | 'tcp'; tls: boolean };
const VARIANTS: Variant[] = [
  { name: 'ws', mode: 'ws', tls: false },
  { name: 'wss', mode: 'ws', tls: true },
  { name: 'tcp', mode: 'tcp', tls: false },
  { name: 'tcp+tls', mode: 'tcp', tls: true },
];

/** A raw socket to the server's port for `v` (TLS when `v.tls`) that records what it gets. */
async function rawSocket(server: StelarServer, v: Variant) {
  const port = v.mode === 'ws' ? server.getPort() : server.getTcpPort()!;
  const socket: net.Socket = v.tls
    ? tls.connect({ host: '127.0.0.1', port, ca: testCert().cert, servername: 'localhost' })
    : net.connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once(v.tls ? 'secureConnect' : 'connect', () => resolve()));
  return { socket, received: () => received, closed };
}

/** A FakeLogger the server treats as pino-style (it has child()): calls arrive with their fields. */
class StructuredLogger extends FakeLogger {
  child(): this {
    return this;
  }
}

const BAD_UPGRADE =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not-a-key\r\n\r\n';

describe.each(VARIANTS)('refusals and pending requests in the metrics over $name', (v) => {
  const kit = new ServerKit();
  afterEach(() => kit.teardown());
  const tlsOptions = () => (v.tls ? { tls: { key: testCert().key, cert: testCert().cert } } : {});
  const clientOptions = () => (v.tls ? { tls: true, ca: testCert().cert } : {});

  it('counts a handshake refused before screening as STELAR_ERR_BAD_HANDSHAKE, logged once a second', async () => {
    const logger = new StructuredLogger();
    const server = await kit.server({ metrics: true, logger, ...tlsOptions() } as never);
    const before = await server.metrics();
    expect(promValue(before, 'stelar_connections_refused_total', { reason: 'STELAR_ERR_BAD_HANDSHAKE' })).toBeNaN();
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      const raw = await rawSocket(server, v);
      if (v.mode === 'ws') raw.socket.write(BAD_UPGRADE);
      else raw.socket.write(tcpFrame(0, 'hello?', '{}'));
      await raw.closed;
      if (v.mode === 'ws') {
        expect(raw.received().toString('latin1')).toMatch(/^HTTP\/1\.1 400 /);
      } else {
        const frames = parseTcpFrames(raw.received());
        expect(frames[0].type).toBe(10); // Error: the first frame must be Connect
        expect(frames[0].event).toBe('STELAR_ERR_INVALID_MESSAGE');
        expect(frames[0].payload.toString()).toContain('the first frame must be Connect');
      }
    }
    const elapsed = Date.now() - started;
    const t = await server.metrics();
    expect(promValue(t, 'stelar_connections_refused_total', { namespace: '/', reason: 'STELAR_ERR_BAD_HANDSHAKE' })).toBe(5);
    const lines = logger.lines.filter((l) => l.fields?.code === 'STELAR_ERR_BAD_HANDSHAKE');
    // Five refusals: the first logged, the others only while a second has passed since a line.
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(Math.min(5, mostLines(elapsed)));
    expect(lines[0]).toMatchObject({ level: 'warn', fields: { protocol: v.mode, ip: '127.0.0.1', suppressed: 0 } });
    expect(lines.reduce((n, l) => n + Number(l.fields?.suppressed), 0)).toBeLessThanOrEqual(5 - lines.length);
    // A good client is still admitted afterwards.
    const c = await kit.connect(server, v.mode, clientOptions());
    expect(c.getId()).toBeTruthy();
  });

  it('logs a burst of screening refusals once per code, counts every one', async () => {
    const logger = new StructuredLogger();
    const server = await kit.server({ metrics: true, logger, maxConnections: 1, ...tlsOptions() } as never);
    await kit.connect(server, v.mode, clientOptions());
    const started = Date.now();
    for (let i = 0; i < 5; i++) await expect(kit.connect(server, v.mode, clientOptions())).rejects.toBeDefined();
    const elapsed = Date.now() - started;
    const t = await server.metrics();
    expect(promValue(t, 'stelar_connections_refused_total', { reason: 'STELAR_ERR_SERVER_FULL' })).toBe(5);
    const refused = logger.lines.filter((l) => l.args[0] === 'connection refused');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(Math.min(5, mostLines(elapsed)));
    expect(refused[0]).toMatchObject({ level: 'info', fields: { code: 'STELAR_ERR_SERVER_FULL', protocol: v.mode, suppressed: 0 } });
  });

  it('keeps a request its handler never answers in stelar_ack_pending; the client times out', async () => {
    const server = await kit.server({ metrics: true, ...tlsOptions() } as never);
    let arrived = 0;
    server.onAck('never', () => {
      arrived++;
      return new Promise(() => undefined);
    });
    server.onAck('echo', (ctx) => ctx.data);
    const c = await kit.connect(server, v.mode, { ...clientOptions(), ackTimeout: 300 });
    await expect(c.request('never', 1)).rejects.toMatchObject({ code: 'STELAR_ERR_ACK_TIMEOUT' });
    expect(await c.request('echo', 2)).toBe(2);
    expect(arrived).toBe(1);
    const t = await server.metrics();
    expect(promValue(t, 'stelar_ack_requests_total')).toBe(2);
    expect(promValue(t, 'stelar_ack_responses_total', { outcome: 'answered' })).toBe(1);
    expect(promValue(t, 'stelar_ack_responses_total', { outcome: 'error' })).toBe(0);
    expect(promValue(t, 'stelar_ack_pending')).toBe(1);
    // Still pending once the client is gone: nothing on the server gives up on the handler.
    c.disconnect();
    await until(() => server.getStats().activeConnections === 0);
    expect(promValue(await server.metrics(), 'stelar_ack_pending')).toBe(1);
  });
});
