/**
 * Runs every example of examples/seed/ (the seed README 3.2 and type reference, ported to
 * runnable CommonJS over the built package) and checks its documented behaviour end to end over
 * real sockets. The examples load dist/, so the package is built first when dist/ is missing
 * (`npm test` always builds).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import { rawWs, rawTcp, tcpFrame } from '../../helpers/raw-clients';

/* eslint-disable @typescript-eslint/no-explicit-any */
const root = join(__dirname, '../../..');
const DIST = join(root, 'dist/src/index.js');

function example(name: string): { main: (options?: Record<string, unknown>) => Promise<any>; [k: string]: any } {
  return require(join(root, 'examples/seed', name));
}

let lib: any;
beforeAll(() => {
  if (!existsSync(DIST)) {
    const r = spawnSync(process.execPath, [join(root, 'scripts/build.js')], { cwd: root, stdio: 'ignore' });
    if (r.status !== 0) throw new Error('npm run build failed; the examples need dist/');
  }
  lib = require(DIST);
}, 120_000);

// Everything an example started is stopped after each test; clients are disconnected.
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function run(name: string, options: Record<string, unknown> = {}): Promise<any> {
  const r = await example(name).main({ port: 0, host: '127.0.0.1', logger: false, log: () => undefined, ...options });
  cleanups.push(() => r.stop());
  return r;
}

/** A client of the examples' servers; a bare port means 127.0.0.1:port (tests stay on 127.0.0.1). */
function client(target: string | number, options: Record<string, unknown> = {}): any {
  const c = new lib.StelarClient(typeof target === 'number' ? `127.0.0.1:${target}` : target, { reconnection: false, logger: 'silent', ...options });
  cleanups.push(() => c.disconnect());
  return c;
}

function nextEvent<T = any>(c: any, event: string, timeoutMs = 3000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), timeoutMs);
    c.once(event, (d: T) => {
      clearTimeout(timer);
      resolve(d);
    });
  });
}

async function connect(c: any): Promise<any> {
  const p = nextEvent(c, 'connect');
  c.connect();
  await p;
  return c;
}

function collect(c: any, event: string): any[] {
  const out: any[] = [];
  c.on(event, (d: any) => out.push(d));
  return out;
}

async function until(check: () => boolean, what = 'condition', timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A client that is refused never reaches `connected`: it ends `disconnected` (no reconnection). */
async function refused(c: any): Promise<void> {
  c.on('error', () => undefined);
  c.connect();
  await until(() => c.getState() === 'disconnected', 'the refusal');
  expect(c.isConnected()).toBe(false);
  expect(c.getId()).toBeNull();
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .request({ host: '127.0.0.1', port, path, headers, method }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject)
      .end();
  });
}

describe('seed README 3.2 examples', () => {
  it('01 basic server: welcome on connect, chat broadcast to everyone but the sender', async () => {
    const logs: unknown[][] = [];
    const r = await run('01-basic-server.js', { log: (...a: unknown[]) => logs.push(a) });
    const a = client(`127.0.0.1:${r.port}`);
    const b = client(`127.0.0.1:${r.port}`);
    const welcomeA = nextEvent(a, 'welcome');
    const welcomeB = nextEvent(b, 'welcome');
    await Promise.all([connect(a), connect(b)]);
    expect(await welcomeA).toEqual({ message: 'Welcome to the server!' });
    expect(await welcomeB).toEqual({ message: 'Welcome to the server!' });
    expect(logs).toContainEqual(['Connected:', a.getId()]);
    const atA = collect(a, 'chat');
    const atB = nextEvent(b, 'chat');
    a.emit('chat', { text: 'hi' });
    expect(await atB).toEqual({ text: 'hi' });
    await sleep(50);
    expect(atA).toEqual([]);
  });

  it('01b ctx.broadcast with a third argument still excludes the sender', async () => {
    const r = await run('01-basic-server.js');
    r.stelar.on('news-for-all-but', (ctx: any) => ctx.broadcast('news', ctx.data.text, ctx.data.exclude));
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => connect(client(`127.0.0.1:${r.port}`))));
    const atA = collect(a, 'news');
    const atB = collect(b, 'news');
    const atC = nextEvent(c, 'news');
    a.emit('news-for-all-but', { text: 'hi', exclude: b.getId() });
    expect(await atC).toBe('hi');
    await sleep(50);
    expect(atB).toEqual([]);
    expect(atA).toEqual([]);
  });

  it('02 + 03: production server with auth middleware, and the client example (getUser over ACK)', async () => {
    const logs: unknown[][] = [];
    const r = await run('02-production-server.js', { log: (...a: unknown[]) => logs.push(a) });
    const c = await run('03-client.js', {
      target: `127.0.0.1:${r.port}`,
      extraOptions: { headers: { authorization: 'Bearer t0k3n', origin: 'https://mydomain.com' }, reconnection: false, logger: 'silent' },
    });
    expect(c.user).toEqual({ id: 1, name: 'John', role: 'user' });
    expect(c.joined).toEqual([true, true]);
    expect(c.welcomes).toEqual([{ id: c.client.getId() }]);
    expect(logs).toContainEqual([`[ws] Client connected: ${c.client.getId()} from 127.0.0.1`]);
    expect(logs).toContainEqual(['Server ready on port', r.port]);
    expect(r.stelar.getRooms().sort()).toEqual(['general', 'random']);
    // The example's binary 'file' has no handler on this server: it is counted, nothing else.
    await until(() => r.stelar.getStats().totalMessagesReceived >= 5, 'the binary to arrive');

    // No Authorization header: the middleware answers ack 'error' and the connection is refused.
    const anon = client(`127.0.0.1:${r.port}`, { headers: { origin: 'https://mydomain.com' } });
    const pushed: unknown[] = [];
    anon.onAck('error', (d: unknown) => pushed.push(d));
    await refused(anon);
    expect(pushed).toEqual([{ message: 'Token required' }]);

    // Wrong Origin: refused before the middleware.
    await refused(client(`127.0.0.1:${r.port}`, { headers: { authorization: 'x', origin: 'https://evil.example' } }));
    expect(r.stelar.getStats().activeConnections).toBe(1);

    const health = await get(r.port, '/health', { origin: 'https://mydomain.com' });
    expect(health.status).toBe(200);
    expect(health.headers['access-control-allow-origin']).toBe('https://mydomain.com');
    const body = JSON.parse(health.body);
    expect(body).toMatchObject({ status: 'ok', totalConnections: 1, activeConnections: 1, wsConnections: 1, tcpConnections: 0, totalRooms: 2 });
    expect(body.uptimeSeconds).toBe(Math.floor(body.uptime / 1000));
    expect(typeof body.memoryMB).toBe('number');
    expect(typeof body.memoryUsage.heapUsed).toBe('number');
    expect(typeof body.rateLimiterEntries).toBe('number');
    const preflight = await get(r.port, '/health', { origin: 'https://mydomain.com' }, 'OPTIONS');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://mydomain.com');
    const foreign = await get(r.port, '/health', { origin: 'https://evil.example' });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const id = c.client.getId();
    c.client.disconnect();
    await until(() => logs.some((l) => l[0] === 'Client disconnected:'), 'onDisconnect');
    expect(logs).toContainEqual(['Client disconnected:', id]);
  });

  it('04 TCP-mode client connects to a server TCP port', async () => {
    const server = await run('01-basic-server.js', { tcpPort: 0 });
    const welcome = new Promise((resolve) => server.stelar.onConnection((ctx: any) => resolve(ctx.protocol)));
    const logs: unknown[][] = [];
    const r = await run('04-tcp-client.js', { target: `127.0.0.1:${server.tcpPort}`, log: (...a: unknown[]) => logs.push(a) });
    expect(r.client.isConnected()).toBe(true);
    expect(r.client.getUrl()).toBe(`tcp://127.0.0.1:${server.tcpPort}`);
    expect(logs).toEqual([['TCP connected!']]);
    expect(await welcome).toBe('tcp');
    expect(server.stelar.getStats().tcpConnections).toBe(1);
  });

  it('05 TLS server: wss:// and TCP+TLS clients; an unverified self-signed cert is rejected', async () => {
    const r = await run('05-tls.js', { tcpPort: 0, host: '127.0.0.1' });
    expect(r.hellos).toEqual({ wss: { protocol: 'ws' }, tcp: { protocol: 'tcp' } });
    expect(r.clients.wss.getUrl()).toBe(`wss://127.0.0.1:${r.port}`);
    expect(r.clients.tcpTls.getUrl()).toBe(`tls://127.0.0.1:${r.tcpPort}`);
    const pong = nextEvent(r.clients.tcpTls, 'pong');
    r.clients.tcpTls.emit('ping', { n: 1 });
    expect(await pong).toEqual({ n: 1 });
    expect(r.stelar.getConfig().tls).toBe(true);
    // The README's rejectUnauthorized: true refuses a certificate nobody signed.
    const strict = client(`wss://127.0.0.1:${r.port}`, { tls: true, rejectUnauthorized: true });
    const errors: Error[] = [];
    strict.on('error', (e: Error) => errors.push(e));
    await refused(strict);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('06 rooms: joinChannel announces to the room, channelMessage reaches the other members only', async () => {
    const r = await run('06-rooms.js', { tcpPort: 0 });
    const a = await connect(client(`127.0.0.1:${r.port}`));
    const b = await connect(client(`127.0.0.1:${r.tcpPort}`, { mode: 'tcp' }));
    const selfJoin = nextEvent(a, 'userJoined');
    a.emit('joinChannel', { channel: 'general' });
    expect(await selfJoin).toEqual({ userId: a.getId() });
    const seenByA = nextEvent(a, 'userJoined');
    b.emit('joinChannel', { channel: 'general' });
    expect(await seenByA).toEqual({ userId: b.getId() });
    const atB = collect(b, 'channelMessage');
    const atA = nextEvent(a, 'channelMessage');
    b.emit('channelMessage', { text: 'hello room' });
    expect(await atA).toEqual({ text: 'hello room' });
    await sleep(50);
    expect(atB).toEqual([]);
    expect(await r.joinDefaultRooms(a)).toEqual([true, true, true]);
    expect(r.stelar.getRooms().sort()).toEqual(['general', 'project-alpha', 'random']);
    expect(r.stelar.getRoomMembers('general').sort()).toEqual([a.getId(), b.getId()].sort());
    a.disconnect();
    b.disconnect();
    await until(() => r.stelar.getRooms().length === 0, 'empty rooms to disappear');
  });

  it('07 ACK: getUsers answers, validateToken rejects with "Invalid token"', async () => {
    const r = await run('07-ack.js', { clientOptions: { logger: 'silent' } });
    expect(r.users).toEqual({ users: ['John', 'Mary', 'Peter'] });
    expect(r.invalidError).toBeInstanceOf(Error);
    expect(r.invalidError.message).toBe('Invalid token');
    expect(r.invalidError.stack ?? '').not.toContain('07-ack.js');
    await expect(r.client.request('validateToken', { token: 'valid-token' }, 'validateToken')).resolves.toEqual({ userId: 123 });
  });

  it.each(['ws', 'tcp'])('08 binary file forwarded byte for byte over %s, not echoed to the sender', async (mode) => {
    const r = await run('08-binary.js', { mode, tcpPort: 0 });
    expect(Buffer.isBuffer(r.received)).toBe(true);
    expect(r.received.length).toBe(64 * 1024);
    expect(Buffer.compare(r.received, r.sent)).toBe(0);
    expect(Buffer.compare(r.written, r.sent)).toBe(0);
    await sleep(50);
    expect(r.senderGot).toEqual([]);
  });

  it('09 server and client metrics', async () => {
    const r = await run('09-metrics.js');
    expect(r.stats).toMatchObject({ totalConnections: 1, activeConnections: 1, wsConnections: 1, tcpConnections: 0, totalRooms: 0 });
    expect(r.stats.totalMessagesReceived).toBe(1);
    expect(r.stats.totalMessagesSent).toBeGreaterThanOrEqual(1);
    expect(r.stats.uptime).toBeGreaterThanOrEqual(0);
    expect(typeof r.stats.memoryUsage.heapUsed).toBe('number');
    expect(typeof r.stats.rateLimiterEntries).toBe('number');
    expect(r.clientMetrics).toMatchObject({ messagesSent: 1, messagesReceived: 1, lastError: null, queueSize: 0, state: 'connected', connected: true });
    expect(r.clientMetrics.connectTime).toBeLessThanOrEqual(Date.now());
  });

  it('10 custom async Redis-like rate limiter: the 101st message in a second closes the connection (1008)', async () => {
    const exceeded: any[] = [];
    const r = await run('10-custom-rate-limiter.js', { hooks: { onRateLimitExceeded: (i: any) => void exceeded.push(i) } });
    expect(r.stelar.getConfig().hasCustomRateLimiter).toBe(true);
    const c = await connect(client(r.stelar.getPort()));
    const ok = collect(c, 'chat:ok');
    const closed = nextEvent(c, 'disconnect');
    for (let i = 0; i < 101; i++) c.emit('chat', { i });
    expect((await closed).code).toBe(1008);
    expect(ok.length).toBe(100);
    expect(ok.map((d: any) => d.i)).toEqual([...Array(100).keys()]);
    expect(exceeded).toEqual([{ clientId: expect.any(String), event: 'chat', protocol: 'ws' }]);
    // reset() ran on disconnect: the Redis key is gone.
    await until(() => r.redisClient.values.size === 0, 'reset on disconnect');
  });

  it('11 custom IP tracker: 1.2.3.4 blocked, 10.0.0.1 VIP, 20 per IP for others (X-Forwarded-For via trustProxy)', async () => {
    const r = await run('11-custom-ip-tracker.js');
    const port = r.stelar.getPort();
    const blocked = await rawWs(`ws://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '1.2.3.4' } });
    expect(blocked.opened).toBe(false);
    expect(blocked.status()).toBe(429);
    await refused(client(port, { headers: { 'x-forwarded-for': '5.6.7.8' } }));

    const vip = client(port, { headers: { 'x-forwarded-for': '10.0.0.1' } });
    const you = nextEvent(vip, 'you');
    await connect(vip);
    expect(await you).toEqual({ ip: '10.0.0.1' });
    expect(r.tracker.getCount('10.0.0.1')).toBe(1);

    const normal: any[] = [];
    for (let i = 0; i < 20; i++) normal.push(client(port, { headers: { 'x-forwarded-for': '9.9.9.9' } }));
    await Promise.all(normal.map(connect));
    expect(r.tracker.getCount('9.9.9.9')).toBe(20);
    await refused(client(port, { headers: { 'x-forwarded-for': '9.9.9.9' } }));
    vip.disconnect();
    await until(() => r.tracker.getCount('10.0.0.1') === 0, 'remove() on disconnect');
  });

  it('12 custom client id generator', async () => {
    const r = await run('12-custom-client-id.js');
    const c = await connect(client(r.stelar.getPort()));
    expect(c.getId()).toMatch(/^user_\d+_[a-z0-9]{1,6}$/);
    expect(r.seen).toEqual([c.getId()]);
    expect(r.stelar.getConfig().hasCustomClientId).toBe(true);
  });

  it('13 event-specific rate limits, set/removed at runtime', async () => {
    const exceeded: any[] = [];
    // Returning false from the hook drops the message instead of disconnecting (to count).
    const r = await run('13-event-rate-limits.js', { hooks: { onRateLimitExceeded: (i: any) => (exceeded.push(i), false) } });
    expect(r.withVoice).toEqual(['chat', 'file-upload', 'typing', 'location', 'voice']);
    expect(r.stelar.getConfig().eventRateLimits).toEqual(['chat', 'file-upload', 'typing', 'location']);
    const c = await connect(client(r.stelar.getPort()));
    for (let i = 0; i < 6; i++) c.emit('chat', { i });
    for (let i = 0; i < 10; i++) c.emit('typing', {});
    c.emit('location', {});
    c.emit('location', {});
    for (let i = 0; i < 60; i++) c.emit('voice', {}); // removed: only the global 100/s applies
    c.emit('done', {});
    await until(() => r.received.includes('done'), 'all messages');
    const count = (e: string) => r.received.filter((x: string) => x === e).length;
    expect([count('chat'), count('typing'), count('location'), count('voice')]).toEqual([5, 10, 1, 60]);
    expect(exceeded.map((i) => i.event)).toEqual(['chat', 'location']);
    expect(c.isConnected()).toBe(true);
  });

  it('14 per-client rate limits: premium gets 500/s, others the global 100/s; removeClientRateLimit reverts', async () => {
    const exceeded: string[] = [];
    const r = await run('14-per-client-rate-limits.js', { hooks: { onRateLimitExceeded: (i: any) => (exceeded.push(i.clientId), false) } });
    const port = r.stelar.getPort();
    const premium = await connect(client(port, { headers: { 'x-role': 'premium' } }));
    const normal = await connect(client(port));
    for (let i = 0; i < 300; i++) premium.emit('tick', {});
    for (let i = 0; i < 250; i++) normal.emit('tick', {});
    await until(() => r.counts.get(premium.getId()) === 300, 'premium ticks');
    await until(() => exceeded.includes(normal.getId()), 'normal client limited');
    expect(exceeded).not.toContain(premium.getId());
    expect(r.counts.get(normal.getId())).toBeLessThan(250);
    r.revert(premium.getId());
    for (let i = 0; i < 250; i++) premium.emit('tick', {});
    await until(() => exceeded.includes(premium.getId()), 'premium back on the global limit');
  });

  it('15 hooks: admin- rooms for admins only, spam broadcasts cancelled, limits and lifecycle hooks fire', async () => {
    const logs: string[] = [];
    const r = await run('15-hooks.js', { log: (m: string) => logs.push(m) });
    const port = r.stelar.getPort();
    const a = await connect(client(port));
    const b = await connect(client(port));
    expect(logs).toContain(`Connected: ${a.getId()} via ws from 127.0.0.1`);

    expect(await a.joinRoom('admin-panel')).toBe(false);
    expect(await a.joinRoom('lobby')).toBe(true);
    a.emit('become-admin', {});
    expect(await a.joinRoom('admin-panel')).toBe(true);
    expect(await a.joinRoom('r3')).toBe(true);
    expect(await a.joinRoom('r4')).toBe(false); // maxRoomsPerClient: 3
    expect(logs).toContain(`Client ${a.getId()}: 3/3 rooms`);

    const spam = collect(b, 'spam');
    const news = nextEvent(b, 'news');
    r.stelar.broadcast('spam', { x: 1 });
    a.emit('shout', { event: 'spam', payload: { x: 2 } });
    r.stelar.broadcast('news', { x: 3 });
    expect(await news).toEqual({ x: 3 });
    await sleep(50);
    expect(spam).toEqual([]);

    // Malformed and oversized input from a raw WebSocket peer.
    const raw = await rawWs(`ws://127.0.0.1:${port}/`);
    await until(() => raw.messages.length > 0, 'raw client admitted');
    raw.ws.send('not json');
    await until(() => logs.some((l) => l.startsWith('Invalid message from ')), 'onInvalidMessage');
    raw.ws.send('x'.repeat(70 * 1024));
    expect((await raw.closed).code).toBe(1009);
    expect(logs.some((l) => l.startsWith('Large payload: '))).toBe(true);

    // Rate limit (100/s default): logged, then disconnected.
    const bId = b.getId();
    const closed = nextEvent(b, 'disconnect');
    for (let i = 0; i < 250; i++) b.emit('noise', {});
    expect((await closed).code).toBe(1008);
    expect(logs).toContain(`Rate limit: ${bId} on event noise`);

    const id = a.getId();
    a.disconnect();
    await until(() => logs.some((l) => l.startsWith(`Disconnected: ${id}`)), 'onClientDisconnect');
    expect(logs).toContain(`Disconnected: ${id} was in 3 rooms`);
  });

  // The declared size of the oversized message (WS: message so far + frame length; TCP: totalLen).
  it.each(['ws', 'tcp'])('15b hooks: onPayloadTooLarge reports the size of the oversized message over %s', async (mode) => {
    const logs: string[] = [];
    const r = await run('15-hooks.js', { tcpPort: 0, log: (m: string) => logs.push(m) });
    const body = 'x'.repeat(70 * 1024);
    if (mode === 'ws') {
      const raw = await rawWs(`ws://127.0.0.1:${r.stelar.getPort()}/`);
      await until(() => raw.messages.length > 0, 'raw client admitted');
      raw.ws.send(body);
      await raw.closed;
    } else {
      const raw = await rawTcp(r.stelar.getTcpPort());
      raw.socket.write(tcpFrame(6, '', '{"v":1}'));
      await until(() => raw.frames().some((f) => f.type === 6), 'raw TCP client admitted');
      raw.socket.write(tcpFrame(0, 'big', body));
      await raw.closed;
    }
    await until(() => logs.some((l) => l.startsWith('Large payload: ')), 'onPayloadTooLarge');
    const size = Number(/^Large payload: (-?\d+) bytes/.exec(logs.find((l) => l.startsWith('Large payload: '))!)![1]);
    expect(size).toBeGreaterThan(64 * 1024);
  });

  it('16 custom health handler: 200 healthy, 503 degraded when the database is down', async () => {
    const r = await run('16-custom-health.js');
    const ok = await get(r.port, '/health');
    expect(ok.status).toBe(200);
    const body = JSON.parse(ok.body);
    expect(body).toMatchObject({ status: 'healthy', database: 'connected', diskSpaceMB: 2048, version: '3.2.0' });
    expect(body.server).toMatchObject({ activeConnections: 0, totalConnections: 0 });
    r.state.database = false;
    const down = await get(r.port, '/health');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ status: 'degraded', database: 'disconnected' });
    expect((await get(r.port, '/elsewhere')).status).toBe(404);
  });

  it('17 runtime config: updateConfig applies live, getConfig reports it, the hook bans instead of disconnecting', async () => {
    const r = await run('17-runtime-config.js', { tcpPort: 0 });
    expect(r.before.maxConnections).toBe(100);
    expect(r.config).toMatchObject({
      maxConnections: 500,
      maxRooms: 5000,
      rateLimit: { maxPoints: 200, windowMs: 1000 },
      allowedOrigins: ['https://app.com', 'https://admin.app.com'],
      hasCustomRateLimiter: false,
      eventRateLimits: [],
      hooks: ['onRateLimitExceeded'],
    });
    // The new origin list applies to WebSocket clients at once.
    await refused(client(r.stelar.getPort()));
    await connect(client(r.stelar.getPort(), { headers: { origin: 'https://admin.app.com' } }));
    // TCP has no Origin; 400 messages against 200/s: banned, dropped, still connected.
    const c = await connect(client(`127.0.0.1:${r.stelar.getTcpPort()}`, { mode: 'tcp' }));
    for (let i = 0; i < 400; i++) c.emit('msg', i);
    await until(() => r.banned.length > 0, 'banUser');
    await sleep(100);
    expect(r.banned[0]).toBe(c.getId());
    expect(r.received.length).toBeGreaterThanOrEqual(200);
    expect(r.received.length).toBeLessThan(400);
    expect(c.isConnected()).toBe(true);
  });

  it.each(['ws', 'tcp'])('17b runtime config: raising maxPayloadSize applies live over %s', async (mode) => {
    const r = await run('17-runtime-config.js', { tcpPort: 0 });
    r.stelar.updateConfig({ allowedOrigins: null, maxPayloadSize: 100 * 1024 * 1024 });
    expect(r.stelar.getConfig().maxPayloadSize).toBe(100 * 1024 * 1024);
    const target = mode === 'ws' ? r.stelar.getPort() : `127.0.0.1:${r.stelar.getTcpPort()}`;
    const c = await connect(client(target, { mode, maxPayloadSize: 100 * 1024 * 1024 }));
    c.emit('msg', 'x'.repeat(11 * 1024 * 1024)); // above the 10 MiB default it started with
    await until(() => r.received.length === 1 || !c.isConnected(), 'the big message', 10_000);
    expect(c.isConnected()).toBe(true);
    expect(r.received[0].length).toBe(11 * 1024 * 1024);
  });

  it('18 client hooks: queue + drain, cancelled emit, messages, states and reconnect delay', async () => {
    const server = await run('01-basic-server.js');
    const tenAm = () => new Date(2026, 0, 1, 10, 0, 0);
    const r = await run('18-client-hooks.js', { target: `127.0.0.1:${server.port}`, now: tenAm, clientOptions: { logger: 'silent' } });
    const c = r.client;
    expect(r.record.queued).toEqual([{ event: 'hello', queueSize: 1 }]);
    expect(r.record.drained).toEqual([1]);
    expect(r.record.states).toEqual(['disconnected->connecting', 'connecting->connected']);
    expect(r.record.ui).toEqual(['hide']);
    await until(() => r.record.counters['messages.received'] === 1, 'welcome via onMessage');
    expect(c.emit('debug', {})).toBe(false);
    expect(c.getMessagesSent()).toBe(1); // 'hello' only; both 'debug' emits were cancelled
    await server.stop();
    await until(() => r.record.delays.length > 0, 'onReconnectDelay');
    expect(r.record.states).toContain('connected->reconnecting');
    expect(r.record.ui).toEqual(['hide', 'show']);
    expect(r.record.delays[0]).toMatchObject({ attempt: 1, delay: 500 });
  });

  it('19 custom reconnect delay (function and hook): both reconnect after a server restart', async () => {
    const first = await example('01-basic-server.js').main({ port: 0, logger: false, log: () => undefined });
    const port = first.port;
    const r = await run('19-reconnect-delay.js', { target: `127.0.0.1:${port}`, clientOptions: { logger: 'silent' } });
    await until(() => r.customClient.isConnected() && r.hookClient.isConnected(), 'both connected');
    await first.stop();
    await until(() => r.delays.custom.length > 0 && r.delays.hook.length > 0, 'reconnect delays computed');
    const second = await run('01-basic-server.js', { port });
    await until(() => r.customClient.isConnected() && r.hookClient.isConnected(), 'both reconnected', 5000);
    expect(r.delays.custom[0]).toEqual({ attempt: 1, baseDelay: 1000, maxDelay: 30000, delay: 200 });
    expect(r.delays.hook[0]).toMatchObject({ attempt: 1, delay: 100 });
    expect(second.stelar.getStats().activeConnections).toBe(2);
  });

  it('20 client runtime config: updateOptions applies without reconnecting, getOptions reflects it', async () => {
    const server = await run('01-basic-server.js');
    const r = await run('20-client-runtime-config.js', { target: `127.0.0.1:${server.port}`, clientOptions: { reconnection: false, logger: 'silent' } });
    expect(r.opts).toMatchObject({ heartbeatInterval: 15000, ackTimeout: 10000, maxPayloadSize: 50 * 1024 * 1024, reconnection: false });
    expect(typeof r.opts.hooks.onBeforeEmit).toBe('function');
    expect(r.client.emit('log', {})).toBe(false);
    expect(r.client.emit('chat', {})).toBe(true);
    expect(r.client.isConnected()).toBe(true);
    expect(server.stelar.getStats().totalConnections).toBe(1);
  });
});

describe('type reference examples', () => {
  it('21 StelarMiddleware / StelarEventHandler / StelarWildcardHandler / StelarHooks', async () => {
    const logs: string[] = [];
    const r = await run('21-type-reference.js', { tcpPort: 0, log: (m: string) => logs.push(m) });
    const port = r.stelar.getPort();
    // No token: the middleware destroys the socket; never admitted (also over TCP: no req).
    await refused(client(port));
    await refused(client(`127.0.0.1:${r.stelar.getTcpPort()}`, { mode: 'tcp' }));
    expect(r.connections).toEqual([]);

    const a = await connect(client(port, { headers: { authorization: 'Bearer alice' } }));
    const b = await connect(client(port, { headers: { authorization: 'Bearer bob' } }));
    expect(r.connections.map((c: any) => c.userId)).toEqual(['alice', 'bob']);
    expect(logs).toContain(`[ws] ${a.getId()} from 127.0.0.1`);

    const atA = collect(a, 'chat');
    const atB = nextEvent(b, 'chat');
    a.emit('chat', { text: 'hi' });
    expect(await atB).toEqual({ from: a.getId(), text: 'hi' });
    await sleep(50);
    expect(atA).toEqual([]);
    expect(logs).toContain(`[${a.getId()}] event="chat"`);

    expect(await a.joinRoom('admin-ops')).toBe(false);
    const blocked = collect(b, 'blocked-topic');
    const fine = nextEvent(b, 'fine-topic');
    a.emit('topic', { event: 'blocked-topic', payload: 1 });
    a.emit('topic', { event: 'fine-topic', payload: 2 });
    expect(await fine).toBe(2);
    expect(blocked).toEqual([]);
  });
});

describe('more README 3.2 sections', () => {
  it('22 horizontal scaling over pub/sub: an event on instance A is broadcast on B (and A), sender excluded', async () => {
    const r = await run('22-horizontal-scaling.js');
    const [a, b] = r.instances;
    const onA = await connect(client(a.getPort()));
    const otherOnA = await connect(client(a.getPort()));
    const onB = await connect(client(b.getPort()));
    const atSender = collect(onA, 'chat');
    const atB = nextEvent(onB, 'chat');
    const atOtherA = nextEvent(otherOnA, 'chat');
    onA.emit('chat', { text: 'across instances' });
    expect(await atB).toEqual({ text: 'across instances' });
    expect(await atOtherA).toEqual({ text: 'across instances' });
    await sleep(50);
    expect(atSender).toEqual([]);
  });

  it('23 middleware: token required (ack error), blocked IP destroyed, logging, in order', async () => {
    const logs: string[] = [];
    const r = await run('23-middleware.js', { log: (m: string) => logs.push(m) });
    const port = r.stelar.getPort();
    const anon = client(port);
    const pushed: unknown[] = [];
    anon.onAck('error', (d: unknown) => pushed.push(d));
    await refused(anon);
    expect(pushed).toEqual([{ message: 'Token required' }]);
    await refused(client(port, { headers: { authorization: 'Bearer mallory', 'x-forwarded-for': '6.6.6.6' } }));
    expect(logs).toEqual([]); // the logging middleware never ran for refused connections
    await connect(client(port, { headers: { authorization: 'Bearer alice' } }));
    expect(r.admitted).toEqual(['alice']);
    expect(logs).toEqual(['New connection from 127.0.0.1']);
  });

  it.each(['ws', 'tcp'])('24 StelarContext tour: every ctx member over %s', async (mode) => {
    const r = await run('24-context-tour.js', { tcpPort: 0 });
    const target = mode === 'ws' ? r.stelar.getPort() : `127.0.0.1:${r.stelar.getTcpPort()}`;
    const me = await connect(client(target, { mode }));
    const peer = await connect(client(r.stelar.getPort()));
    const tour = nextEvent(me, 'tour');
    const pushes: unknown[] = [];
    me.onAck('response', (d: unknown) => pushes.push(['response', d]));
    me.onAck('myAck', (d: unknown) => pushes.push(['myAck', d]));
    const bin = nextEvent(me, 'event-bin');
    const roomEvent = nextEvent(me, 'room-event');
    const atPeer = { event: nextEvent(peer, 'event'), bin: nextEvent(peer, 'event-bin-all'), direct: nextEvent(peer, 'direct') };
    const selfBroadcast = collect(me, 'event');
    me.emit('message', { peer: peer.getId() });
    expect(await tour).toEqual({
      id: me.getId(),
      hasSocket: true,
      reqIsNull: mode === 'tcp',
      data: { peer: peer.getId() },
      rooms: [],
      metadataIsMap: true,
      remoteAddress: '127.0.0.1',
      protocol: mode,
      roomClients: [me.getId()],
      role: 'admin',
    });
    expect([...(await bin)]).toEqual([1, 2, 3]);
    expect(await roomEvent).toEqual({ from: me.getId() });
    expect(await atPeer.event).toEqual({ from: me.getId() });
    expect([...(await atPeer.bin)]).toEqual([4, 5]);
    expect(await atPeer.direct).toEqual({ from: me.getId() });
    await until(() => pushes.length === 2, 'ack pushes');
    expect(pushes).toEqual([['response', { via: 'send' }], ['myAck', { via: 'ack' }]]);
    expect(selfBroadcast).toEqual([]);
    expect(r.stelar.getRooms()).toEqual([]);
  });

  it.each(['ws', 'tcp'])('26 every StelarClient method over %s', async (mode) => {
    const r = await run('26-client-methods.js', { mode, host: '127.0.0.1' });
    const port = mode === 'tcp' ? r.stelar.getTcpPort() : r.stelar.getPort();
    const scheme = mode === 'tcp' ? 'tcp' : 'ws';
    expect(r.seen).toEqual({
      urlBefore: `${scheme}://127.0.0.1:1`,
      url: `${scheme}://127.0.0.1:${port}`,
      stateBefore: 'disconnected',
      connected: true,
      state: 'connected',
      id: expect.any(String),
      connectTime: expect.any(Number),
      firstEcho: { n: 1 },
      emitAckAnswer: 5,
      request: 42,
      joined: true,
      roomsOnServer: ['general'],
      left: true,
      echoesAfterOff: [{ n: 1 }], // off() removed the listener before the second echo
      all: [{ event: 'echo', isBinary: false }, { event: 'echo', isBinary: false }],
      acks: [5],
      messagesSent: 9, // 2 echo, the emit-ack, the request, 3 binaries, join, leave
      messagesReceived: 6, // 2 echo, 2 answers, 2 room answers
      lastError: null,
      queueSize: 0,
      stateAfter: 'disconnected',
    });
    expect(r.files).toEqual([
      { event: 'file', meta: undefined, bytes: 9 },
      { event: 'file', meta: { name: 'doc.pdf', type: 'application/pdf', size: 8 }, bytes: 8 },
      { event: 'image', meta: { name: 'a.png', type: 'image/png', size: 4 }, bytes: 4 },
    ]);
    expect(r.stelar.getRooms()).toEqual([]);
  });

  it('25 client events: connect, disconnect {code, reason}, reconnecting 1..n, reconnect_failed', async () => {
    const server = await example('01-basic-server.js').main({ port: 0, logger: false, log: () => undefined });
    const r = await run('25-client-events.js', { target: `127.0.0.1:${server.port}` });
    const id = r.client.getId();
    expect(r.events).toEqual([['connect', id]]);
    await server.stop();
    await until(() => r.events.some((e: unknown[]) => e[0] === 'reconnect_failed'), 'reconnect_failed', 5000);
    const names = r.events.map((e: unknown[]) => e[0]);
    expect(r.events[1]).toEqual(['disconnect', { code: 1001, reason: 'Server shutting down' }]);
    expect(r.events.filter((e: unknown[]) => e[0] === 'reconnecting')).toEqual([['reconnecting', 1], ['reconnecting', 2]]);
    expect(names[names.length - 1]).toBe('reconnect_failed');
    expect(r.client.getState()).toBe('disconnected');
  });
});

describe('examples run as scripts', () => {
  it('07 prints the README outputs, then SIGTERM shuts it down gracefully with exit code 0', async () => {
    const child = spawn(process.execPath, [join(root, 'examples/seed/07-ack.js'), '0'], {
      cwd: root,
      env: { ...process.env, HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await until(() => out.includes('Invalid token'), 'the script output', 10_000);
    expect(out).toMatch(/\[stelar\] listening on port \d+/);
    expect(out).toContain("{ users: [ 'John', 'Mary', 'Peter' ] }");
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('[stelar] SIGTERM received: shutting down');
    expect(out).toContain('[stelar] stopped');
  });
});

describe('shutdown in a process of its own', () => {
  it('await server.stop() settles when the last client leaves during the drain', async () => {
    for (let run = 0; run < 5; run++) await stopInChildProcess();
  });
});

async function stopInChildProcess(): Promise<void> {
  {
    const code = [
      `const { StelarServer } = require(${JSON.stringify(DIST)});`,
      "const s = new StelarServer({ port: 0, logger: false, gracefulShutdown: false });",
      "s.onConnection(() => setTimeout(() => s.stop().then(() => console.log('stopped')), 50));",
      "s.start().then((port) => console.log('port ' + port));",
    ].join('\n');
    const child = spawn(process.execPath, ['-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    await until(() => /port \d+/.test(out), 'the child server', 10_000);
    const port = Number(/port (\d+)/.exec(out)![1]);
    const c = client(port);
    await connect(c);
    expect(await exited).toBe(0);
    expect(out).toContain('stopped');
    c.disconnect();
  }
}
