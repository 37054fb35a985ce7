import WebSocket from 'ws';
import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { WsFrameCache } from '../../../src/adapters/websocket/ws-connection';
import { WsClientTransportFactory } from '../../../src/adapters/websocket/ws-client-transport';
import { EchoAcceptor, outbound } from '../../helpers/ws-echo-acceptor';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { ClientRecorder } from '../../helpers/ws-client-recorder';

describe('backpressure, broadcast frame cache, Stelar client ↔ Stelar server', () => {
  let transport: WsServerTransport;
  let acceptor: EchoAcceptor;
  const cleanups: Array<() => void> = [];

  afterEach(async () => {
    for (const c of cleanups) c();
    cleanups.length = 0;
    for (const c of acceptor.connections) c.terminate();
    await transport.close();
  });

  async function start(options: ConstructorParameters<typeof WsServerTransport>[0] = {}): Promise<number> {
    transport = new WsServerTransport({ host: '127.0.0.1', ...options });
    acceptor = new EchoAcceptor();
    acceptor.echo = false;
    transport.setAcceptor(acceptor);
    return transport.listen();
  }

  it('send() returns false above maxBufferedBytes, then onDrain fires once the peer reads', async () => {
    const port = await start({ maxBufferedBytes: 256 * 1024 });
    const raw = await RawWsClient.connect(port, RawWsClient.request('/'));
    cleanups.push(() => raw.destroy());
    await raw.until(() => raw.status === 101);
    raw.socket.pause(); // stop reading: the kernel buffers fill up
    await acceptor.until(() => acceptor.connections.length === 1);
    const conn = acceptor.connections[0];
    const chunk = outbound(Buffer.alloc(64 * 1024, 1), true);
    let sent = 0;
    while (conn.send({ ...chunk, frameCache: undefined }) && sent < 10_000) sent++;
    expect(sent).toBeLessThan(10_000);
    expect(conn.bufferedAmount).toBeGreaterThanOrEqual(256 * 1024);
    expect(acceptor.drains).toBe(0);
    raw.socket.resume();
    await acceptor.until(() => acceptor.drains === 1, 10_000);
    expect(conn.bufferedAmount).toBeLessThan(256 * 1024);
    await raw.until(() => raw.sink.events.length === sent + 1, 10_000);
  });

  it('frames a broadcast once and writes the same bytes to every connection', async () => {
    const port = await start();
    const clients = [new WebSocket(`ws://127.0.0.1:${port}/`), new WebSocket(`ws://127.0.0.1:${port}/`)];
    cleanups.push(() => clients.forEach((c) => c.terminate()));
    await Promise.all(clients.map((c) => new Promise((r) => c.once('open', r))));
    await acceptor.until(() => acceptor.connections.length === 2);
    const message = outbound(Buffer.from('to everyone'), false);
    const got = clients.map((c) => new Promise<string>((r) => c.once('message', (d) => r(d.toString()))));
    acceptor.connections[0].send(message);
    const cache = message.frameCache as WsFrameCache;
    expect(cache).toBeInstanceOf(WsFrameCache);
    const framed = cache.plain;
    acceptor.connections[1].send(message);
    expect((message.frameCache as WsFrameCache).plain).toBe(framed); // reused, not re-framed
    expect(await Promise.all(got)).toEqual(['to everyone', 'to everyone']);
  });

  it('caches the compressed frame when server_no_context_takeover makes it connection-independent', async () => {
    const port = await start({ compression: { serverNoContextTakeover: true, threshold: 0 } });
    const clients = [
      new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true }),
      new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true }),
    ];
    cleanups.push(() => clients.forEach((c) => c.terminate()));
    await Promise.all(clients.map((c) => new Promise((r) => c.once('open', r))));
    await acceptor.until(() => acceptor.connections.length === 2);
    const text = 'compressed broadcast '.repeat(200);
    const message = outbound(Buffer.from(text), false);
    const first = new Promise<string>((r) => clients[0].once('message', (d) => r(d.toString())));
    acceptor.connections[0].send(message);
    expect(await first).toBe(text);
    const cached = (message.frameCache as WsFrameCache).deflated?.get(15);
    expect(cached).toBeDefined();
    const second = new Promise<string>((r) => clients[1].once('message', (d) => r(d.toString())));
    acceptor.connections[1].send(message);
    expect(await second).toBe(text);
    expect((message.frameCache as WsFrameCache).deflated?.get(15)).toBe(cached);
  });

  it('keeps message order when compressed and uncompressed sends interleave', async () => {
    const port = await start({ compression: { threshold: 100 } });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: true });
    cleanups.push(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    await acceptor.until(() => acceptor.connections.length === 1);
    const got: string[] = [];
    const all = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        got.push(d.toString().slice(0, 6));
        if (got.length === 40) resolve();
      }),
    );
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      const tag = `m${String(i).padStart(4, '0')}:`;
      expected.push(tag.slice(0, 6));
      const body = i % 3 === 0 ? tag + 'y'.repeat(5000) : tag; // big ones compressed, small ones not
      acceptor.connections[0].send(outbound(Buffer.from(body), false));
    }
    acceptor.connections[0].close(1000, 'done');
    await all;
    expect(got).toEqual(expected);
  });

  for (const compression of [false, true]) {
    it(`Stelar client against Stelar server (compression=${compression})`, async () => {
      const port = await start({ compression });
      acceptor.echo = true;
      const rec = new ClientRecorder();
      const client = new WsClientTransportFactory().connect(
        {
          url: `ws://127.0.0.1:${port}/`,
          tls: false,
          rejectUnauthorized: true,
          headers: {},
          maxPayloadSize: 1 << 20,
          maxFrameSize: 1 << 20,
          compression,
        },
        rec,
      );
      await rec.until(() => rec.opened);
      const text = 'round trip '.repeat(1000);
      client.send(outbound(Buffer.from(text), false));
      client.send(outbound(Buffer.from([0, 1, 2]), true));
      await rec.until(() => rec.messages.length === 2);
      expect(rec.messages[0].payload.toString()).toBe(text);
      expect(rec.messages[1]).toEqual({ payload: Buffer.from([0, 1, 2]), binary: true });
      expect(acceptor.messages.length).toBe(2);
      client.close(1000, 'bye');
      await rec.until(() => rec.closes.length === 1);
      await acceptor.until(() => acceptor.closed.length === 1);
      expect(rec.closes[0].code).toBe(1000);
      expect(acceptor.closed[0]).toMatchObject({ code: 1000, reason: 'bye' });
    });
  }

  it('reports an upgrade-time refusal to the Stelar client as an error and 1006', async () => {
    const port = await start();
    acceptor.refuse = () => ({ status: 403, closeCode: 1008, code: 'STELAR_ERR_ORIGIN_NOT_ALLOWED', reason: 'nope' });
    const rec = new ClientRecorder();
    new WsClientTransportFactory().connect(
      { url: `ws://127.0.0.1:${port}/`, tls: false, rejectUnauthorized: true, headers: {}, maxPayloadSize: 1024, maxFrameSize: 1024 },
      rec,
    );
    await rec.until(() => rec.closes.length === 1);
    expect(rec.errors[0].message).toMatch(/403/);
    expect(rec.closes[0].code).toBe(1006);
  });
});
