import * as net from 'node:net';
import { ServerKit, MODES, until, next, sleep } from '../../helpers/server-kit';
import { rawWs, rawTcp, tcpFrame } from '../../helpers/raw-clients';
import type { IRateLimiter } from '../../../src';

const kit = new ServerKit();
afterEach(() => kit.teardown());

describe.each(MODES)('limits over %s', (mode) => {
  it('closes a client over the global rate limit (hook fires) and keeps serving others', async () => {
    const exceeded: unknown[] = [];
    const server = await kit.server({ rateLimit: { maxPoints: 5, windowMs: 60_000 }, hooks: { onRateLimitExceeded: (i) => void exceeded.push(i) } });
    let handled = 0;
    server.on('spam', () => handled++);
    const spammer = await kit.connect(server, mode);
    const bystander = await kit.connect(server, mode);
    const gone = next<{ code: number }>(spammer, 'disconnect');
    for (let i = 0; i < 10; i++) spammer.emit('spam', i);
    const info = await gone;
    if (mode === 'ws') expect(info.code).toBe(1008);
    expect(handled).toBe(5);
    expect(exceeded[0]).toEqual({ clientId: expect.any(String), event: 'spam', protocol: mode });
    server.onAck('still', () => 'here');
    expect(await bystander.request('still', null, 'still')).toBe('here');
  });

  it('drops (not closes) when onRateLimitExceeded returns false', async () => {
    const server = await kit.server({ rateLimit: { maxPoints: 3, windowMs: 60_000 }, hooks: { onRateLimitExceeded: () => false } });
    let handled = 0;
    server.on('spam', () => handled++);
    server.onAck('alive', () => true);
    const c = await kit.connect(server, mode);
    for (let i = 0; i < 6; i++) c.emit('spam', i);
    await sleep(50);
    expect(handled).toBe(3);
    expect(c.isConnected()).toBe(true);
  });

  it('applies per-event limits, runtime setEventRateLimit and per-client overrides (precedence)', async () => {
    const server = await kit.server({
      rateLimit: { maxPoints: 1000, windowMs: 60_000 },
      eventRateLimits: { chat: { maxPoints: 2, windowMs: 60_000 } },
      hooks: { onRateLimitExceeded: () => false },
    });
    const counts: Record<string, number> = { chat: 0, voice: 0, other: 0 };
    for (const e of Object.keys(counts)) server.on(e, () => counts[e]++);
    const c = await kit.connect(server, mode);
    server.setEventRateLimit('voice', { maxPoints: 1, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) for (const e of Object.keys(counts)) c.emit(e, i);
    await until(() => counts.other === 5);
    await sleep(30);
    expect(counts).toEqual({ chat: 2, voice: 1, other: 5 });
    // Per-client override beats the per-event limit.
    server.setClientRateLimit(c.getId()!, { maxPoints: 100, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) c.emit('chat', i);
    await until(() => counts.chat === 7);
    server.removeClientRateLimit(c.getId()!);
    server.removeEventRateLimit('voice');
    expect(server.getConfig().eventRateLimits).toEqual(['chat']);
  });

  it('uses an async custom rate limiter without reordering a client\'s messages', async () => {
    let calls = 0;
    const limiter: IRateLimiter = {
      check: async () => {
        calls++;
        await sleep(Math.floor(Math.random() * 5));
        return calls <= 8;
      },
      reset: async () => undefined,
      cleanup: async () => undefined,
      size: async () => 0,
    };
    const server = await kit.server({ customRateLimiter: limiter, hooks: { onRateLimitExceeded: () => false } });
    const got: number[] = [];
    server.on('n', (ctx) => got.push(ctx.data));
    const c = await kit.connect(server, mode);
    for (let i = 0; i < 10; i++) c.emit('n', i);
    await until(() => calls >= 10);
    await sleep(30);
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('closes with 1009 / Error on a message above maxPayloadSize (hook fires, never handled)', async () => {
    const tooLarge: unknown[] = [];
    const server = await kit.server({ maxPayloadSize: 1024, hooks: { onPayloadTooLarge: (i) => void tooLarge.push(i) } });
    let handled = 0;
    server.on('big', () => handled++);
    const other = await kit.connect(server, mode);
    // Our client refuses to send it (it learned the limit from Connect), so misbehave raw.
    const c = await kit.connect(server, mode);
    expect(() => c.emit('big', 'x'.repeat(4096))).toThrow(RangeError);
    if (mode === 'ws') {
      const raw = await rawWs(`ws://127.0.0.1:${server.getPort()}/`);
      await until(() => raw.messages.length === 1);
      raw.ws.send(JSON.stringify({ t: 0, e: 'big', d: 'x'.repeat(4096) }));
      expect((await raw.closed).code).toBe(1009);
    } else {
      const raw = await rawTcp(server.getTcpPort()!);
      raw.socket.write(tcpFrame(6, '', '{"v":1}'));
      await until(() => raw.frames().some((f) => f.type === 6));
      raw.socket.write(tcpFrame(0, 'big', JSON.stringify('x'.repeat(4096))));
      await raw.closed;
      expect(raw.frames().some((f) => f.type === 10)).toBe(true);
    }
    await until(() => tooLarge.length === 1);
    expect(tooLarge[0]).toMatchObject({ clientId: expect.any(String), max: 1024 });
    expect(handled).toBe(0);
    expect(other.isConnected()).toBe(true);
  });
});

describe('malformed input from misbehaving clients', () => {
  it('WebSocket: bad JSON, unknown types, bad/reserved event names fire onInvalidMessage and are dropped', async () => {
    const invalid: { reason: string; protocol: string }[] = [];
    const server = await kit.server({ hooks: { onInvalidMessage: (i) => void invalid.push(i) } });
    let handled = 0;
    server.on('ok', () => handled++);
    const c = await rawWs(`ws://127.0.0.1:${server.getPort()}/`);
    await until(() => c.messages.length === 1); // Connect
    for (const bad of ['{not json', '{"t":99}', '{"t":0,"e":""}', '{"t":0,"e":"connect"}', '[]', '{"t":8,"room":""}']) c.ws.send(bad);
    c.ws.send(Buffer.from([1, 0, 200, 1, 2])); // binary envelope with an event length past the end
    c.ws.send('{"t":0,"e":"ok","d":1}');
    await until(() => handled === 1);
    expect(invalid.length).toBeGreaterThanOrEqual(6);
    expect(invalid.every((i) => i.protocol === 'ws')).toBe(true);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.ws.close();
  });

  it('WebSocket: a protocol violation (unmasked frame) closes that socket with 1002 only', async () => {
    const server = await kit.server();
    const victim = await kit.connect(server, 'ws');
    const sock = net.connect(server.getPort(), '127.0.0.1');
    const data: Buffer[] = [];
    sock.on('data', (d) => data.push(d));
    sock.write(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    await until(() => Buffer.concat(data).includes('\r\n\r\n'));
    sock.write(Buffer.from([0x81, 0x02, 0x68, 0x69])); // unmasked text frame from a client
    await new Promise((r) => sock.on('close', r));
    const all = Buffer.concat(data);
    const closeAt = all.lastIndexOf(Buffer.from([0x88]));
    expect(closeAt).toBeGreaterThan(0);
    expect(all.readUInt16BE(closeAt + 2)).toBe(1002);
    server.onAck('alive', () => true);
    expect(await victim.request('alive', null, 'alive')).toBe(true);
  });

  it('TCP: garbage, an unknown frame type and a 0xFFFFFFFF length are contained', async () => {
    const invalid: unknown[] = [];
    const server = await kit.server({ hooks: { onInvalidMessage: (i) => void invalid.push(i) } });
    const victim = await kit.connect(server, 'tcp');
    const a = await rawTcp(server.getTcpPort()!);
    a.socket.write(tcpFrame(6, '', '{"v":1}'));
    await until(() => a.frames().some((f) => f.type === 6));
    a.socket.write(tcpFrame(0, 'ev', '{bad json'));
    a.socket.write(tcpFrame(42, 'x', ''));
    await until(() => invalid.length >= 1);
    a.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]));
    await a.closed;
    expect(a.frames().some((f) => f.type === 10)).toBe(true); // an Error frame explains why
    server.onAck('alive', () => true);
    expect(await victim.request('alive', null, 'alive')).toBe(true);
  });

  it('TCP: a socket that never says hello is closed after connectTimeout', async () => {
    const server = await kit.server({ connectTimeout: 150 });
    const silent = await rawTcp(server.getTcpPort()!);
    const t0 = Date.now();
    await silent.closed;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(server.getStats().activeConnections).toBe(0);
  });

  it('WebSocket: an upgrade that never completes is dropped after connectTimeout (slowloris)', async () => {
    const server = await kit.server({ connectTimeout: 150 });
    const sock = net.connect(server.getPort(), '127.0.0.1');
    sock.on('error', () => undefined);
    sock.write('GET / HTTP/1.1\r\nHost: x\r\n'); // headers never finish
    await new Promise((r) => sock.on('close', r));
    expect(server.getStats().activeConnections).toBe(0);
  });
});
