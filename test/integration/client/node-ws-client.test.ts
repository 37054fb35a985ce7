import { StelarClient } from '../../../src/client';
import { StelarErrorCode } from '../../../src/domain/errors';
import { testCert } from '../../helpers/tls-cert';
import { StelarEchoServer } from './stelar-echo-server';

// The Node StelarClient over our RFC 6455 client transport, against a `ws`-based server that
// speaks the Stelar WebSocket JSON protocol. Real sockets on 127.0.0.1, short real timers.

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const nextEvent = <T = unknown>(client: StelarClient, event: string): Promise<T> =>
  new Promise((resolve) => client.once(event, (arg: T) => resolve(arg)));

describe('Node StelarClient over WebSocket', () => {
  const servers: StelarEchoServer[] = [];
  const clients: StelarClient[] = [];

  async function server(tls?: { key: string; cert: string }, port = 0, seen?: StelarEchoServer['seen']): Promise<StelarEchoServer> {
    const s = new StelarEchoServer('', seen, tls);
    await s.start(port);
    servers.push(s);
    return s;
  }

  function client(target: string | number, options: ConstructorParameters<typeof StelarClient>[1] = {}): StelarClient {
    const c = new StelarClient(target, { logger: 'silent', ...options });
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of servers.splice(0)) await s.stop().catch(() => {});
  });

  it('round trip: connect, emit, request, rooms, binary, headers', async () => {
    const srv = await server();
    const c = client(`127.0.0.1:${srv.port}`, { headers: { 'x-token': 'secret' } });
    const all: string[] = [];
    c.onAll(({ event }) => all.push(event));
    let idInConnect: string | null = null;
    await new Promise<void>((resolve) => {
      c.on('connect', () => (idInConnect = c.getId()));
      c.connect(resolve);
    });
    expect(idInConnect).toBe('x1');
    expect(srv.seen.headers[0]['x-token']).toBe('secret');

    const echoed = nextEvent(c, 'chat');
    c.emit('chat', { text: 'hi' });
    await expect(echoed).resolves.toEqual({ echo: { text: 'hi' } });

    await expect(Promise.all([c.request('a', 1), c.request('b', 2, 'bAck')])).resolves.toEqual([{ echo: 1 }, { echo: 2 }]);
    await expect(c.request('fail', {})).rejects.toThrow('handler failed');

    await expect(c.joinRoom('general')).resolves.toBe(true);
    const err = nextEvent<Error>(c, 'error');
    await expect(c.joinRoom('vip')).resolves.toBe(false);
    await expect(err).resolves.toMatchObject({ message: 'cannot join room "vip": members only' });
    await expect(c.leaveRoom('general')).resolves.toBe(true);

    const bin = new Promise<[Buffer, unknown]>((resolve) => c.once('blob', (b: Buffer, m: unknown) => resolve([b, m])));
    c.emitBinary('blob', Buffer.from('binary data'));
    const [bytes, meta] = await bin;
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.toString()).toBe('binary data');
    expect(meta).toBeUndefined();

    const file = new Promise<[Buffer, unknown]>((resolve) => c.once('file', (b: Buffer, m: unknown) => resolve([b, m])));
    await c.sendFile(Buffer.from('%PDF'), { name: 'a.pdf', type: 'application/pdf' });
    await expect(file).resolves.toEqual([Buffer.from('%PDF'), { name: 'a.pdf', type: 'application/pdf', size: 4 }]);

    expect(all).toEqual(['chat', 'blob', 'file']);
    expect(c.getMessagesSent()).toBe(9); // chat, a, b, fail, 2 joins, leave, 2 binaries
    expect(c.getConnectTime()).toEqual(expect.any(Number));
  });

  it('wss:// with a self-signed certificate: refused by default, accepted with rejectUnauthorized: false', async () => {
    const srv = await server(testCert());
    const strict = client(`wss://127.0.0.1:${srv.port}`, { reconnection: false });
    const refused = nextEvent<Error>(strict, 'error');
    strict.connect();
    await expect(refused).resolves.toMatchObject({ message: expect.stringMatching(/certificate/i) });
    await waitFor(() => strict.getState() === 'disconnected', 'strict client to give up');

    const lax = client(`127.0.0.1:${srv.port}`, { tls: true, rejectUnauthorized: false });
    expect(lax.getUrl()).toBe(`wss://127.0.0.1:${srv.port}`);
    await new Promise<void>((resolve) => lax.connect(resolve));
    await expect(lax.request('secure', 1)).resolves.toEqual({ echo: 1 });
  });

  it('reconnects after a server restart, rejoins rooms, flushes the queue; requests in flight reject', async () => {
    const srv = await server();
    const port = srv.port;
    const c = client(port, { reconnectionDelay: 20, maxReconnectionDelay: 100 });
    await new Promise<void>((resolve) => c.connect(resolve));
    await c.joinRoom('general');
    const inFlight = c.request('never', 1).catch((e) => e);
    const gone = nextEvent<{ code: number }>(c, 'disconnect');
    await srv.stop();
    servers.splice(servers.indexOf(srv), 1);
    expect(await inFlight).toMatchObject({ code: StelarErrorCode.Disconnected });
    await gone;
    c.emit('queued', 1);
    expect(c.getQueueSize()).toBe(1);
    const back = nextEvent(c, 'connect');
    const srv2 = await server(undefined, port, srv.seen);
    await back;
    await waitFor(() => srv2.seen.text.filter((m) => m.conn === 2).length >= 2, 'rejoin and flush');
    expect(srv2.seen.text.filter((m) => m.conn === 2).map((m) => [m.msg.t, m.msg.room ?? m.msg.e])).toEqual([
      [8, 'general'],
      [0, 'queued'],
    ]);
    expect(c.getId()).toBe('x2');
  });

  it('a first connect() before the server is up keeps retrying until it is', async () => {
    const probe = await server();
    const port = probe.port;
    await probe.stop();
    servers.length = 0;
    const c = client(port, { reconnectionDelay: 20, maxReconnectionDelay: 50 });
    const attempts: number[] = [];
    c.on('reconnecting', (n: number) => attempts.push(n));
    c.connect();
    await waitFor(() => attempts.length >= 2, 'two retries');
    const up = nextEvent(c, 'connect');
    await server(undefined, port);
    await up;
    expect(attempts.slice(0, 2)).toEqual([1, 2]);
    expect(c.isConnected()).toBe(true);
  });

  it('treats a silent server as disconnected and reconnects', async () => {
    const srv = await server();
    const c = client(srv.port, { heartbeatInterval: 100, reconnectionDelay: 10, maxReconnectionDelay: 20 });
    await new Promise<void>((resolve) => c.connect(resolve));
    const errors: string[] = [];
    c.on('error', (e: { code?: string }) => errors.push(String(e.code)));
    const lost = nextEvent<{ code: number; reason: string }>(c, 'disconnect');
    c.emit('silence', null);
    await expect(lost).resolves.toMatchObject({ reason: expect.stringMatching(/heartbeat timeout/) });
    expect(errors).toContain(StelarErrorCode.HeartbeatTimeout);
    await waitFor(() => c.isConnected() && c.getId() === 'x2', 'reconnection');
  });

  it('reconnect_failed after reconnectionAttempts when the server stays down', async () => {
    const probe = await server();
    const port = probe.port;
    await probe.stop();
    servers.length = 0;
    const c = client(port, { reconnectionAttempts: 2, reconnectionDelay: 10, maxReconnectionDelay: 10 });
    const failed = nextEvent(c, 'reconnect_failed');
    c.connect();
    await failed;
    expect(c.getState()).toBe('disconnected');
  });
});
