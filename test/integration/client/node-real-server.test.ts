import { StelarServer, StelarClient } from '../../../src';
import type { StelarClientOptions } from '../../../src/application/client/client-options';
import { StelarErrorCode } from '../../../src/domain/errors';
import { testCert } from '../../helpers/tls-cert';

// The Node StelarClient against the real StelarServer over every transport: WS, WSS, TCP and
// TCP+TLS. Client-side behaviour: connect event with the id, hooks, queue flush, requests,
// rooms, binary with metadata, disconnect info, reconnection after a server restart.

type Variant = 'ws' | 'wss' | 'tcp' | 'tcp+tls';
const VARIANTS: Variant[] = ['ws', 'wss', 'tcp', 'tcp+tls'];

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// The ports a server listened on (getPort() may be null after stop, so they are kept at start).
const ports = new WeakMap<StelarServer, { ws: number; tcp: number }>();
const portOf = (s: StelarServer, kind: 'ws' | 'tcp'): number => ports.get(s)?.[kind] ?? 0;

const next = <T = unknown>(c: StelarClient, event: string): Promise<T> => new Promise((resolve) => c.once(event, (a: T) => resolve(a)));

describe.each(VARIANTS)('Node StelarClient ↔ StelarServer over %s', (variant) => {
  const secure = variant === 'wss' || variant === 'tcp+tls';
  const mode = variant.startsWith('tcp') ? 'tcp' : 'ws';
  const servers: StelarServer[] = [];
  const clients: StelarClient[] = [];

  async function start(port = 0, tcpPort = 0): Promise<StelarServer> {
    const server = new StelarServer({ port, tcpPort, logger: false, gracefulShutdown: false, tls: secure ? testCert() : undefined });
    server.on('chat', (ctx) => ctx.emit('chat', { echo: ctx.data }));
    server.on('file', (ctx) => ctx.emit('got-file', { meta: ctx.meta ?? null, bytes: ctx.buffer ? [...ctx.buffer] : null }));
    server.on('bye', (ctx) => ctx.emit('bye', null));
    server.on('big', (ctx) => ctx.emit('big-size', ctx.buffer ? ctx.buffer.length : -1));
    server.onAck('getUser', (ctx) => ({ id: ctx.data.id, name: 'John' }));
    server.onAck('fail', () => {
      throw new Error('Invalid token');
    });
    await server.start();
    ports.set(server, { ws: server.getPort()!, tcp: server.getTcpPort()! });
    servers.push(server);
    return server;
  }

  function target(server: StelarServer): string {
    return mode === 'tcp' ? `127.0.0.1:${server.getTcpPort()}` : `${secure ? 'wss' : 'ws'}://127.0.0.1:${server.getPort()}/`;
  }

  function client(server: StelarServer, options: StelarClientOptions = {}): StelarClient {
    const c = new StelarClient(target(server), { mode, tls: secure, rejectUnauthorized: false, logger: false, ...options });
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of servers.splice(0)) await s.stop();
  });

  it('connect, hooks, queue flush, request, rooms, binary, disconnect', async () => {
    const server = await start();
    const log: string[] = [];
    const c = client(server, {
      hooks: {
        onStateChange: ({ from, to }) => log.push(`${from}>${to}`),
        onBeforeEmit: ({ event }) => event !== 'secret',
        onMessageQueued: ({ event, queueSize }) => log.push(`queued ${event} ${queueSize}`),
        onQueueDrained: ({ count }) => log.push(`drained ${count}`),
        onMessage: ({ event, isBinary }) => log.push(`msg ${event}${isBinary ? ' (bin)' : ''}`),
      },
    });
    const early = next(c, 'chat');
    c.emit('chat', 'early');
    c.emit('secret', 'never sent');
    let idInConnect: string | null = null;
    await new Promise<void>((resolve) => {
      c.on('connect', () => (idInConnect = c.getId()));
      c.connect(resolve);
    });
    expect(idInConnect).toEqual(expect.any(String));
    expect(server.getClients().map((x) => x.id)).toEqual([idInConnect]);
    await expect(early).resolves.toEqual({ echo: 'early' });

    await expect(c.request('getUser', { id: 7 }, 'getUser')).resolves.toEqual({ id: 7, name: 'John' });
    await expect(c.request('fail', {}, 'fail')).rejects.toThrow('Invalid token');
    await expect(c.request('nobody', {}, 'nobody')).rejects.toThrow();
    await expect(c.joinRoom('general')).resolves.toBe(true);
    expect(server.getRoomMembers('general')).toEqual([idInConnect]);
    await expect(c.leaveRoom('general')).resolves.toBe(true);
    expect(server.getRoomMembers('general')).toEqual([]);

    const got = next<{ meta: unknown; bytes: number[] }>(c, 'got-file');
    await c.sendFile(Buffer.from([5, 6, 7]), { name: 'a.bin' });
    await expect(got).resolves.toEqual({ meta: { name: 'a.bin', type: 'application/octet-stream', size: 3 }, bytes: [5, 6, 7] });

    expect(log.slice(0, 4)).toEqual(['queued chat 1', 'disconnected>connecting', 'connecting>connected', 'drained 1']);
    expect(log).toContain('msg chat');
    expect(c.getMessagesSent()).toBeGreaterThanOrEqual(7);
    expect(c.getMessagesReceived()).toBeGreaterThanOrEqual(2);

    // the server goes away: disconnect event with a code, then reconnection
    const gone = next<{ code: number; reason: string }>(c, 'disconnect');
    await server.stop();
    servers.length = 0;
    const info = await gone;
    expect(typeof info.code).toBe('number');
    expect(c.getState()).toBe('reconnecting');
  });

  it('reports the bytes not yet written (getBufferedAmount) until the network took them', async () => {
    const server = await start();
    const c = client(server);
    expect(c.getBufferedAmount()).toBe(0);
    await new Promise<void>((resolve) => c.connect(resolve));
    const size = 8 * 1024 * 1024;
    const got = next<number>(c, 'big-size');
    expect(c.emitBinary('big', Buffer.alloc(size, 7))).toBe(true);
    // Far more than loopback's socket buffers take at once: most of it is still waiting here.
    expect(c.getBufferedAmount()).toBeGreaterThan(size / 2);
    await expect(got).resolves.toBe(size);
    await waitFor(() => c.getBufferedAmount() === 0, 'the send buffer to drain');
    c.disconnect();
    expect(c.getBufferedAmount()).toBe(0);
  });

  it('reconnects after a server restart, rejoins rooms, and rejects in-flight requests', async () => {
    const first = await start();
    const c = client(first, { reconnectionDelay: 20, maxReconnectionDelay: 100 });
    await new Promise<void>((resolve) => c.connect(resolve));
    await c.joinRoom('lobby');
    first.onAck('hang', () => new Promise(() => {}));
    const hanging = c.request('hang', null, 'hang').catch((e: { code?: string }) => e.code);
    const attempts: number[] = [];
    c.on('reconnecting', (n: number) => attempts.push(n));
    await first.stop();
    servers.length = 0;
    await expect(hanging).resolves.toBe(StelarErrorCode.Disconnected);
    const second = await start(portOf(first, 'ws'), portOf(first, 'tcp'));
    await waitFor(() => c.isConnected(), 'reconnection');
    await waitFor(() => second.getRoomMembers('lobby').length === 1, 'room rejoin');
    expect(second.getRoomMembers('lobby')).toEqual([c.getId()]);
    expect(attempts[0]).toBe(1);
  });
});


describe.each(['ws', 'tcp'] as const)('a failed connect over %s with reconnection off', (mode) => {
  it('rejects the requests made before it at once, not after ackTimeout', async () => {
    // A port that was just listening and is now closed: the dial is refused.
    const probe = new StelarServer({ port: 0, tcpPort: 0, host: '127.0.0.1', logger: false, gracefulShutdown: false });
    await probe.start();
    const port = mode === 'ws' ? probe.getPort() : (probe.getTcpPort() as number);
    await probe.stop();
    const c = new StelarClient(`127.0.0.1:${port}`, { mode, reconnection: false, ackTimeout: 30_000, logger: 'silent' });
    c.on('error', () => undefined);
    const started = Date.now();
    const pending = c.request('getUser', { id: 1 });
    const joined = c.joinRoom('lobby');
    c.connect();
    await expect(pending).rejects.toMatchObject({ code: StelarErrorCode.Disconnected, message: expect.stringMatching(/cannot connect/) });
    await expect(joined).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(15_000); // far below ackTimeout: settled by the failed dial
    expect(c.getState()).toBe('disconnected');
    c.disconnect();
  });
});
