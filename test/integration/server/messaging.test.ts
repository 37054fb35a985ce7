import { ServerKit, DOMAIN_MODES, next, until, collect, sleep } from '../../helpers/server-kit';

const kit = new ServerKit();
afterEach(() => kit.teardown());

describe.each(DOMAIN_MODES)('messaging over %s', (mode) => {
  it('knows its server-assigned id (UUID v4) inside the connect handler', async () => {
    const server = await kit.server();
    const seen: string[] = [];
    server.onConnection((ctx) => seen.push(ctx.id));
    const c = kit.client(server, mode);
    const idInConnect = new Promise<string | null>((r) => c.on('connect', () => r(c.getId())));
    c.connect();
    const id = await idInConnect;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await until(() => seen.length === 1);
    expect(seen).toEqual([id]);
  });

  it('uses generateClientId', async () => {
    let n = 0;
    const server = await kit.server({ generateClientId: () => `user_${++n}` });
    const c = await kit.connect(server, mode);
    expect(c.getId()).toBe('user_1');
  });

  it('delivers client events to on() and onAll(), and ctx.emit back to the sender', async () => {
    const server = await kit.server();
    const all: string[] = [];
    server.onAll(({ event, data }) => all.push(`${event}:${data.id === undefined ? '?' : 'ctx'}`));
    server.on('chat', (ctx) => ctx.emit('echo', { got: ctx.data, from: ctx.id, event: ctx.event }));
    const c = await kit.connect(server, mode);
    const echo = next<{ got: unknown; from: string; event: string }>(c, 'echo');
    c.emit('chat', { text: 'hello', n: [1, 2] });
    expect(await echo).toEqual({ got: { text: 'hello', n: [1, 2] }, from: c.getId(), event: 'chat' });
    expect(all).toEqual(['chat:ctx']);
  });

  it('ctx.broadcast excludes the sender; server.broadcast excludes only excludeId', async () => {
    const server = await kit.server();
    server.on('say', (ctx) => ctx.broadcast('said', ctx.data));
    const [a, b, c] = [await kit.connect(server, mode), await kit.connect(server, mode), await kit.connect(server, mode)];
    const got = { a: collect(a, 'said'), b: collect(b, 'said'), c: collect(c, 'said') };
    a.emit('say', 1);
    await until(() => got.b.length === 1 && got.c.length === 1);
    await sleep(30);
    expect(got).toEqual({ a: [], b: [1], c: [1] });

    const srv = { a: collect(a, 'news'), b: collect(b, 'news'), c: collect(c, 'news') };
    server.broadcast('news', 'x', b.getId()!);
    await until(() => srv.a.length === 1 && srv.c.length === 1);
    await sleep(30);
    expect(srv).toEqual({ a: ['x'], b: [], c: ['x'] });
    server.broadcast('news', 'y');
    await until(() => srv.a.length === 2 && srv.b.length === 1 && srv.c.length === 2);
  });

  it('to(room) reaches members only (except excludeId); toId reaches one client', async () => {
    const server = await kit.server();
    const [a, b, c] = [await kit.connect(server, mode), await kit.connect(server, mode), await kit.connect(server, mode)];
    await a.joinRoom('r1');
    await b.joinRoom('r1');
    const got = { a: collect(a, 'm'), b: collect(b, 'm'), c: collect(c, 'm') };
    server.to('r1', 'm', 1);
    server.to('r1', 'm', 2, a.getId()!);
    server.toId(c.getId()!, 'm', 3);
    await until(() => got.a.length === 1 && got.b.length === 2 && got.c.length === 1);
    await sleep(30);
    expect(got).toEqual({ a: [1], b: [1, 2], c: [3] });
  });

  it('carries binary both ways without base64 (ctx.data is a Buffer, ctx.buffer a Uint8Array)', async () => {
    const server = await kit.server();
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    server.on('file', (ctx) => {
      expect(ctx.isBinary).toBe(true);
      expect(Buffer.isBuffer(ctx.data)).toBe(true);
      expect(ctx.buffer).toBeInstanceOf(Uint8Array);
      ctx.emitBinary('back', ctx.buffer!);
      ctx.broadcastBinary('shared', ctx.data);
    });
    const a = await kit.connect(server, mode);
    const b = await kit.connect(server, mode);
    const back = next<Buffer>(a, 'back');
    const shared = next<Buffer>(b, 'shared');
    a.emitBinary('file', bytes);
    expect(Buffer.from(await back).equals(bytes)).toBe(true);
    expect(Buffer.from(await shared).equals(bytes)).toBe(true);
    const all = next<Buffer>(a, 'blob');
    server.broadcastBinary('blob', new Uint8Array([1, 2, 3]).buffer);
    expect([...(await all)]).toEqual([1, 2, 3]);
  });

  it('counts messages in stats and in the live clientInfo', async () => {
    const server = await kit.server();
    server.on('ping-me', (ctx) => ctx.emit('pong-you', ctx.clientInfo.messagesReceived));
    const c = await kit.connect(server, mode);
    const reply = next<number>(c, 'pong-you');
    c.emit('ping-me', null);
    expect(await reply).toBe(1);
    const stats = server.getStats();
    expect(stats.activeConnections).toBe(1);
    expect(stats[`${mode}Connections`]).toBe(1);
    expect(stats.totalMessagesReceived).toBe(1);
    expect(stats.totalMessagesSent).toBe(2); // Connect + pong-you
    expect(stats.memoryUsage.heapUsed).toBeGreaterThan(0);
    server.broadcast('x', 1);
    await until(() => server.getStats().totalMessagesSent === 3);
  });
});

describe('WebSocket and TCP clients together', () => {
  it('share rooms, broadcasts and each other\'s messages', async () => {
    const server = await kit.server();
    server.on('say', (ctx) => ctx.to('mixed', 'said', { from: ctx.clientInfo.protocol, text: ctx.data }, ctx.id));
    const ws = await kit.connect(server, 'ws');
    const tcp = await kit.connect(server, 'tcp');
    await ws.joinRoom('mixed');
    await tcp.joinRoom('mixed');
    expect(server.getRoomMembers('mixed').sort()).toEqual([ws.getId(), tcp.getId()].sort());
    const atTcp = next(tcp, 'said');
    ws.emit('say', 'from browser');
    expect(await atTcp).toEqual({ from: 'ws', text: 'from browser' });
    const atWs = next(ws, 'said');
    tcp.emit('say', 'from service');
    expect(await atWs).toEqual({ from: 'tcp', text: 'from service' });
    const bin = [next<Buffer>(ws, 'b'), next<Buffer>(tcp, 'b')];
    server.broadcastBinary('b', Buffer.from('same bytes'));
    for (const b of await Promise.all(bin)) expect(Buffer.from(b).toString()).toBe('same bytes');
    expect(server.getStats()).toMatchObject({ wsConnections: 1, tcpConnections: 1, activeConnections: 2 });
  });
});
