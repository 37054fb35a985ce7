/**
 * A server that accepts the socket (TCP, or TCP + TLS) and then never answers: the WebSocket
 * upgrade, or the TCP hello, gets no reply. The Node client transports must end the attempt
 * within the connect timeout they are given (the StelarClient passes its dial timeout), with
 * STELAR_ERR_CONNECT_TIMEOUT, and release the socket; the client then reconnects.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { StelarClient, StelarErrorCode, StelarServer } from '../../../src';
import type { ClientTransportFactory, ClientTransportHandler } from '../../../src/ports/client-transport.port';
import { WsClientTransportFactory } from '../../../src/adapters/websocket/ws-client-transport';
import { TcpClientTransportFactory } from '../../../src/adapters/tcp/tcp-client-transport';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { testCert } from '../../helpers/tls-cert';
import { FakeClock } from '../../fakes/fake-clock';

/** A listener that accepts and reads but never writes; counts sockets opened and closed. */
class SilentServer {
  readonly server: net.Server;
  opened = 0;
  closed = 0;
  /** Sockets that sent something (the upgrade request or the hello). */
  read = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(secure: boolean) {
    const onSocket = (s: net.Socket): void => {
      this.opened++;
      s.once('data', () => {
        this.read++;
        for (const w of this.waiters.splice(0)) w();
      });
      s.on('data', () => undefined);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.closed++;
        for (const w of this.waiters.splice(0)) w();
      });
    };
    // TLS: the handshake completes (so the upgrade or hello is really sent), then silence.
    this.server = secure ? tls.createServer({ key: testCert().key, cert: testCert().cert }, onSocket) : net.createServer(onSocket);
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Resolves once `n` accepted sockets have closed (the client let go), bounded. */
  closedAtLeast(n: number, ms = 10_000): Promise<void> {
    return this.until(() => this.closed >= n, `${n} sockets closed`, ms);
  }

  /** Resolves once `n` sockets were accepted (and, over TLS, their upgrade or hello read), bounded. */
  openedAtLeast(n: number, ms = 10_000): Promise<void> {
    return this.until(() => this.opened >= n && this.read >= n, `${n} sockets read from`, ms);
  }

  private until(done: () => boolean, what: string, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`silent server: not ${what} (${this.opened} opened, ${this.closed} closed)`)), ms);
      const check = (): void => {
        if (done()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const CASES = [
  { name: 'WebSocket (ws://)', scheme: 'ws', secure: false, factory: () => new WsClientTransportFactory() },
  { name: 'WebSocket over TLS (wss://)', scheme: 'wss', secure: true, factory: () => new WsClientTransportFactory() },
  { name: 'TCP (tcp://)', scheme: 'tcp', secure: false, factory: () => new TcpClientTransportFactory() },
  { name: 'TCP over TLS (tls://)', scheme: 'tls', secure: true, factory: () => new TcpClientTransportFactory() },
] as const;

let silent: SilentServer | null = null;
afterEach(async () => {
  await silent?.close();
  silent = null;
});

/** One transport attempt against the silent server; resolves with what the handler saw. */
function attempt(factory: ClientTransportFactory, url: string, secure: boolean, connectTimeout: number | undefined) {
  const t0 = performance.now();
  const seen: { errors: Error[]; close: [number, string] | null; ms: number } = { errors: [], close: null, ms: -1 };
  return new Promise<typeof seen>((resolve) => {
    const handler: ClientTransportHandler = {
      onOpen: () => undefined,
      onMessage: () => undefined,
      onError: (err) => seen.errors.push(err),
      onClose: (code, reason) => {
        seen.close = [code, reason];
        seen.ms = performance.now() - t0;
        resolve(seen);
      },
    };
    factory.connect(
      {
        url,
        tls: secure,
        rejectUnauthorized: true,
        tlsSettings: { ca: testCert().cert },
        headers: {},
        maxPayloadSize: 1 << 20,
        maxFrameSize: 1 << 20,
        codec: new TcpBinaryCodec(),
        connectTimeout,
      },
      handler,
    );
  });
}

describe.each(CASES)('a server that never answers: $name', ({ scheme, secure, factory }) => {
  it('the transport ends the attempt at the dial connectTimeout with STELAR_ERR_CONNECT_TIMEOUT and lets go of the socket', async () => {
    silent = new SilentServer(secure);
    const port = await silent.listen();
    const seen = await attempt(factory(), `${scheme}://127.0.0.1:${port}`, secure, 400);
    expect(seen.errors.map((e) => (e as { code?: string }).code)).toEqual([StelarErrorCode.ConnectTimeout]);
    expect(seen.errors[0].message).toMatch(/timed out: no answer within 400 ms/);
    expect(seen.close?.[0]).toBe(1006);
    expect(seen.ms).toBeGreaterThanOrEqual(390);
    expect(seen.ms).toBeLessThan(400 + 4000); // the bound, with room for a loaded machine
    await silent.closedAtLeast(1);
    expect(silent.opened).toBe(1);
  });

  it("the factory's own connectTimeout applies when it is lower than the dial's", async () => {
    silent = new SilentServer(secure);
    const port = await silent.listen();
    const f = scheme.startsWith('w') ? new WsClientTransportFactory({ connectTimeout: 250 }) : new TcpClientTransportFactory({ connectTimeout: 250 });
    const seen = await attempt(f, `${scheme}://127.0.0.1:${port}`, secure, 60_000);
    expect(seen.errors[0].message).toMatch(/no answer within 250 ms/);
    expect(seen.ms).toBeLessThan(250 + 4000);
    await silent.closedAtLeast(1);
  });

  it("the dial's connectTimeout replaces the factory's 10 s default (the client's 20 s dial timeout bounds the handshake)", async () => {
    silent = new SilentServer(secure);
    const port = await silent.listen();
    const clock = new FakeClock();
    const f = scheme.startsWith('w') ? new WsClientTransportFactory({ clock }) : new TcpClientTransportFactory({ clock });
    let settled = false;
    const done = attempt(f, `${scheme}://127.0.0.1:${port}`, secure, 20_000).then((seen) => ((settled = true), seen));
    await silent.openedAtLeast(1); // the upgrade request / hello is out, unanswered
    clock.advance(10_000);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(10_000);
    const seen = await done;
    expect(seen.errors.map((e) => (e as { code?: string }).code)).toEqual([StelarErrorCode.ConnectTimeout]);
    expect(seen.errors[0].message).toMatch(/no answer within 20000 ms/);
    await silent.closedAtLeast(1);
  });

  it('a StelarClient is not held beyond its dial timeout: it lets go and dials again', async () => {
    silent = new SilentServer(secure);
    const port = await silent.listen();
    // heartbeatInterval 300: dial timeout min(20 s, 2 × 300 ms) = 600 ms, for the transport too.
    const client = new StelarClient(`${scheme}://127.0.0.1:${port}`, {
      mode: scheme.startsWith('w') ? 'ws' : 'tcp',
      heartbeatInterval: 300,
      reconnectionDelay: 50,
      logger: false,
      ca: testCert().cert,
    });
    const codes: string[] = [];
    client.on('error', (err: { code?: string }) => codes.push(String(err.code)));
    const t0 = performance.now();
    client.connect();
    try {
      await silent.closedAtLeast(1);
      const ms = performance.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(590);
      expect(ms).toBeLessThan(600 + 4000);
      expect(codes[0]).toBe(StelarErrorCode.ConnectTimeout);
      // And it dials again (reconnection), into the same silence.
      await silent.closedAtLeast(2);
      expect(silent.opened).toBeGreaterThanOrEqual(2);
      expect(client.getState()).toBe('reconnecting');
    } finally {
      client.disconnect();
    }
  });
});

describe('a server that answers: the connect bound is disarmed', () => {
  it.each([
    ['WebSocket', 'ws'],
    ['TCP', 'tcp'],
  ] as const)('%s: once the server answered, the connection outlives the bound on the transport clock', async (_name, scheme) => {
    const server = new StelarServer({ port: 0, tcpPort: 0, host: '127.0.0.1', logger: false, gracefulShutdown: false });
    await server.start();
    try {
      const clock = new FakeClock();
      const f = scheme === 'ws' ? new WsClientTransportFactory({ clock }) : new TcpClientTransportFactory({ clock });
      const port = scheme === 'ws' ? server.getPort() : server.getTcpPort();
      let closed: [number, string] | null = null;
      const errors: Error[] = [];
      const first = new Promise<void>((resolve) => {
        f.connect(
          { url: `${scheme}://127.0.0.1:${port}`, tls: false, rejectUnauthorized: true, headers: {}, maxPayloadSize: 1 << 20, maxFrameSize: 1 << 20, codec: new TcpBinaryCodec(), connectTimeout: 1000 },
          {
            onOpen: () => undefined,
            onMessage: () => resolve(), // the server's Connect message: the session is up
            onError: (err) => errors.push(err),
            onClose: (code, reason) => (closed = [code, reason]),
          },
        );
      });
      await first;
      clock.advance(60_000); // far past the 1 s bound: no timer left to fire
      await new Promise((r) => setImmediate(r));
      expect(errors).toEqual([]);
      expect(closed).toBeNull();
      expect(clock.pending).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
