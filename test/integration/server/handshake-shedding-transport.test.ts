// The storm guard inside each listener, over real sockets with a fake lag source: lag sheds a
// crowd of new handshakes with the same pre-built refusals; a TLS socket over the bound is
// closed before its handshake (nothing can be said yet); a socket whose peer already left is
// not handshaked (counted as STELAR_ERR_PEER_GONE).
import * as net from 'node:net';
import * as tls from 'node:tls';
import { PassThrough } from 'node:stream';
import * as http from 'node:http';
import type { IncomingMessage } from 'node:http';
import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { TcpServerTransport } from '../../../src/adapters/tcp/tcp-server-transport';
import { FakeLag } from '../../fakes/fake-lag-source';
import type { AttemptEnded, ConnectionAcceptor, HandshakeInfo } from '../../../src/ports/transport.port';
import type { Connection } from '../../../src/ports/connection.port';
import { EchoAcceptor } from '../tcp/echo-acceptor';
import { parseTcpFrames, tcpFrame } from '../../helpers/raw-clients';
import { testCert } from '../../helpers/tls-cert';

/** Screens everything in, closes every accepted connection at once, records attempt ends. */
class RecordingAcceptor implements ConnectionAcceptor {
  readonly screened: HandshakeInfo[] = [];
  readonly ended: AttemptEnded[] = [];
  accepted = 0;
  screen(info: HandshakeInfo): null {
    this.screened.push(info);
    return null;
  }
  accept(conn: Connection): void {
    this.accepted++;
    conn.close(1000, 'bye');
  }
  abandon(): void {}
  attemptEnded(e: AttemptEnded): void {
    this.ended.push(e);
  }
}

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

const open: net.Socket[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  for (const c of closers.splice(0)) await c();
});

/** Sends `bytes` on a new socket; resolves with what it read until the server closed it. */
function exchange(port: number, bytes: Buffer | string, secure = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    open.push(s);
    const chunks: Buffer[] = [];
    const t = setTimeout(() => reject(new Error('not closed by the server')), 5000);
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => undefined);
    s.once(secure ? 'secureConnect' : 'connect', () => s.write(bytes));
    s.once('close', () => (clearTimeout(t), resolve(Buffer.concat(chunks))));
  });
}

describe('lag shedding with a fake lag source', () => {
  it('WebSocket: while the lag is above shedLagMs new upgrades get the 503; once it falls they are screened', async () => {
    const lag = new FakeLag();
    const t = new WsServerTransport({ port: 0, lag, shedLagMs: 100, lagCrowd: 0 });
    const acceptor = new RecordingAcceptor();
    t.setAcceptor(acceptor);
    const port = await t.listen();
    closers.push(() => t.close());
    expect(lag.users).toBe(1);
    lag.lag = 150;
    const shed = await exchange(port, UPGRADE);
    expect(shed.toString('latin1')).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\nRetry-After: 1\r\n/);
    expect(acceptor.screened).toHaveLength(0);
    expect(acceptor.ended.map((e) => e.code)).toEqual(['STELAR_ERR_SERVER_BUSY']);
    expect(acceptor.ended[0].reason).toMatch(/event-loop lag above 100 ms/);
    lag.lag = 0;
    const admitted = await new Promise<string>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(UPGRADE));
      open.push(s);
      let text = '';
      s.on('data', (d: Buffer) => {
        text += d.toString('latin1');
        if (text.includes('\r\n\r\n')) resolve(text);
      });
    });
    expect(admitted).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
    expect(acceptor.accepted).toBe(1);
    await t.close();
    expect(lag.users).toBe(0);
  });

  it("on the user's own http server the guard applies at the upgrade request, with the same 503", async () => {
    const lag = new FakeLag();
    const server = http.createServer((_req, res) => res.end('app'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    const t = new WsServerTransport({ server, lag, shedLagMs: 100, lagCrowd: 0 });
    const acceptor = new RecordingAcceptor();
    t.setAcceptor(acceptor);
    await t.listen();
    closers.unshift(() => t.close());
    lag.lag = 500;
    const port = (server.address() as net.AddressInfo).port;
    const shed = await exchange(port, UPGRADE);
    expect(shed.toString('latin1')).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\nRetry-After: 1\r\n/);
    expect(acceptor.screened).toHaveLength(0);
    expect(acceptor.ended.map((e) => e.code)).toEqual(['STELAR_ERR_SERVER_BUSY']);
  });

  it('TCP: while the lag is above shedLagMs a new socket gets the refusal frame, never screened', async () => {
    const lag = new FakeLag();
    const t = new TcpServerTransport({ port: 0, lag, shedLagMs: 100, lagCrowd: 0, shedRetryAfter: 700 });
    const acceptor = new EchoAcceptor();
    t.setAcceptor(acceptor);
    const port = await t.listen();
    closers.push(() => t.close());
    lag.lag = 101;
    const frames = parseTcpFrames(await exchange(port, tcpFrame(6, '', '{"v":1}')));
    expect(frames.map((f) => f.type)).toEqual([10, 7]);
    expect(JSON.parse(frames[0].payload.toString()).retryAfter).toBe(700);
    expect(acceptor.screened).toHaveLength(0);
    expect(acceptor.ended.map((e) => e.code)).toEqual(['STELAR_ERR_SERVER_BUSY']);
    await t.close();
    expect(lag.users).toBe(0);
  });
});

describe('shed inside a TLS handshake: closed without a word, before any TLS work', () => {
  it.each(['ws', 'tcp'])('%s: a TLS socket over the bound of TLS handshakes in progress is closed at once', async (kind) => {
    const cert = testCert();
    const t =
      kind === 'ws'
        ? new WsServerTransport({ port: 0, tls: cert, maxPendingHandshakes: 1, shedLagMs: 0 })
        : new TcpServerTransport({ port: 0, tls: cert, maxPendingHandshakes: 1, shedLagMs: 0 });
    const acceptor = kind === 'ws' ? new RecordingAcceptor() : new EchoAcceptor();
    t.setAcceptor(acceptor);
    const port = await t.listen();
    closers.push(() => t.close());
    // A raw socket that never starts its TLS handshake holds the one TLS slot.
    const hold = net.connect(port, '127.0.0.1');
    open.push(hold);
    await new Promise((r) => hold.once('connect', r));
    const deadline = Date.now() + 3000;
    while (acceptor.screened.length === 0) {
      if (Date.now() > deadline) throw new Error('the holder was not screened');
      await new Promise((r) => setTimeout(r, 5));
    }
    const got = await exchange(port, 'x', true).catch((e: Error) => e);
    expect(got instanceof Error ? got.message : got.length).toBe(0);
    expect(acceptor.ended.map((e) => e.code)).toEqual(['STELAR_ERR_SERVER_BUSY']);
    expect(acceptor.screened).toHaveLength(1); // the holder only
  });
});

describe('a socket whose peer already left is not handshaked', () => {
  it('WebSocket: an upgrade on a gone socket is counted STELAR_ERR_PEER_GONE, never screened or answered', async () => {
    const t = new WsServerTransport({ port: 0, shedLagMs: 0 });
    const acceptor = new RecordingAcceptor();
    t.setAcceptor(acceptor);
    await t.listen();
    closers.push(() => t.close());
    const gone = new PassThrough();
    const written: Buffer[] = [];
    gone.on('data', (d: Buffer) => written.push(d));
    gone.end(); // the peer left: nothing can be written any more
    const req = { url: '/', headers: { upgrade: 'websocket', connection: 'Upgrade' } } as unknown as IncomingMessage;
    t.handleUpgrade(req, gone, Buffer.alloc(0));
    expect(acceptor.ended.map((e) => e.code)).toEqual(['STELAR_ERR_PEER_GONE']);
    expect(acceptor.screened).toHaveLength(0);
    expect(gone.destroyed).toBe(true);
    expect(written).toHaveLength(0);
  });
});
