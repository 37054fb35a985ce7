import WebSocket from 'ws';
import { ServerKit, until, next } from '../../helpers/server-kit';
import * as net from 'node:net';
import { StelarServer, type Logger } from '../../../src';

const kit = new ServerKit();
afterEach(() => kit.teardown());

describe('server options end to end', () => {
  it('compression: true negotiates permessage-deflate and messages still flow', async () => {
    const server = await kit.server({ compression: true });
    server.on('say', (ctx) => ctx.emit('said', ctx.data));
    const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/`, { perMessageDeflate: true });
    const got: Record<string, unknown>[] = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString()) as Record<string, unknown>));
    await new Promise((r) => ws.on('open', r));
    expect(ws.extensions).toContain('permessage-deflate');
    const big = 'compressible '.repeat(500);
    ws.send(JSON.stringify({ t: 0, e: 'say', d: big }));
    await until(() => got.length === 2);
    expect(got[1]).toEqual({ t: 0, e: 'said', d: big });
    ws.close();
  });

  it('compression is off by default', async () => {
    const server = await kit.server();
    const ws = new WebSocket(`ws://127.0.0.1:${server.getPort()}/`, { perMessageDeflate: true });
    await new Promise((r) => ws.on('open', r));
    expect(ws.extensions).toBe('');
    ws.close();
  });

  it('logs through a Logger instance given as `logger`', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (m) => lines.push(`debug ${m}`),
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
      error: (m) => lines.push(`error ${m}`),
    };
    const server = await kit.server({ logger });
    expect(lines.some((l) => l.startsWith('info listening on port'))).toBe(true);
    await server.stop();
    expect(lines).toContain('info stopped');
  });

  it('maxRoomsPerClient and heartbeat options reach the Connect message and the rooms', async () => {
    const server = await kit.server({ heartbeatInterval: 12_345, maxPayloadSize: 4096, maxRoomsPerClient: 1 });
    const raw = new WebSocket(`ws://127.0.0.1:${server.getPort()}/`);
    const first = await new Promise<Record<string, unknown>>((r) => raw.once('message', (d) => r(JSON.parse(d.toString()))));
    expect(first).toMatchObject({ t: 6, heartbeatInterval: 12_345, maxPayloadSize: 4096 });
    raw.close();
    const c = await kit.connect(server, 'tcp');
    expect(await c.joinRoom('a')).toBe(true);
    const refused = next(c, 'error');
    expect(await c.joinRoom('b')).toBe(false);
    await refused;
  });
});

describe('httpParser', () => {
  it("'node' keeps Node's http server on Stelar's port (keep-alive), 'stelar' (default) closes after one answer; anything else throws", async () => {
    expect(() => new StelarServer({ httpParser: 'llhttp' as never, logger: false })).toThrow(/httpParser/);
    const answers = async (port: number): Promise<{ text: string; closed: boolean }> => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      let text = '';
      let closed = false;
      socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
      await until(() => text.includes('"status":"ok"'));
      // A keep-alive answer leaves the socket open; Stelar's own listener closes it.
      await until(() => closed || /Keep-Alive: timeout/i.test(text));
      socket.destroy();
      return { text, closed };
    };
    const own = await kit.server({ host: '127.0.0.1' });
    const node = await kit.server({ host: '127.0.0.1', httpParser: 'node' });
    const a = await answers(own.getPort() as number);
    expect(a.text).toMatch(/\r\nConnection: close\r\n/);
    expect(a.closed).toBe(true);
    const b = await answers(node.getPort() as number);
    expect(b.text).toMatch(/\r\nConnection: keep-alive\r\n/i);
  });
});
