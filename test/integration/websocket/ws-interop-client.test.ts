import * as https from 'node:https';
import * as net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { WsClientTransportFactory } from '../../../src/adapters/websocket/ws-client-transport';
import type { ClientDialOptions } from '../../../src/ports/client-transport.port';
import { ClientRecorder } from '../../helpers/ws-client-recorder';
import { outbound } from '../../helpers/ws-echo-acceptor';
import { testCert } from '../../helpers/tls-cert';

function dialOptions(url: string, extra: Partial<ClientDialOptions> = {}): ClientDialOptions {
  return {
    url,
    tls: false,
    rejectUnauthorized: true,
    headers: {},
    maxPayloadSize: 16 * 1024 * 1024,
    maxFrameSize: 16 * 1024 * 1024,
    ...extra,
  };
}

describe('WsClientTransport against a ws server', () => {
  let wss: WebSocketServer;
  let httpsServer: https.Server | null = null;
  const seenHeaders: Array<Record<string, unknown>> = [];
  const serverSockets: WebSocket[] = [];

  function startEcho(options: { compression: boolean; tls: boolean }): Promise<number> {
    return new Promise((resolve) => {
      const perMessageDeflate = options.compression ? { threshold: 0 } : false;
      if (options.tls) {
        httpsServer = https.createServer(testCert());
        wss = new WebSocketServer({ server: httpsServer, perMessageDeflate });
        httpsServer.listen(0, '127.0.0.1', () => resolve((httpsServer!.address() as { port: number }).port));
      } else {
        wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate }, () =>
          resolve((wss.address() as { port: number }).port),
        );
      }
      wss.on('connection', (ws, req) => {
        serverSockets.push(ws);
        seenHeaders.push({ ...req.headers, url: req.url });
        ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      });
    });
  }

  afterEach(async () => {
    for (const s of serverSockets) s.terminate();
    serverSockets.length = 0;
    seenHeaders.length = 0;
    await new Promise<void>((r) => wss.close(() => r()));
    if (httpsServer) await new Promise<void>((r) => httpsServer!.close(() => r()));
    httpsServer = null;
  });

  for (const compression of [false, true]) {
    for (const useTls of [false, true]) {
      it(`echoes and closes (compression=${compression}, tls=${useTls})`, async () => {
        const port = await startEcho({ compression, tls: useTls });
        const rec = new ClientRecorder();
        const scheme = useTls ? 'wss' : 'ws';
        const client = new WsClientTransportFactory().connect(
          dialOptions(`${scheme}://127.0.0.1:${port}/chat?room=1`, {
            compression,
            rejectUnauthorized: false,
            headers: { 'X-Custom': 'yes' },
          }),
          rec,
        );
        // queued before open, flushed in order after the handshake
        client.send(outbound(Buffer.from('first'), false));
        await rec.until(() => rec.opened);
        expect(seenHeaders[0]['x-custom']).toBe('yes');
        expect(seenHeaders[0].url).toBe('/chat?room=1');
        expect(Boolean(seenHeaders[0]['sec-websocket-extensions'])).toBe(compression);
        const big = Buffer.alloc(200_000, 7);
        client.send(outbound(big, true));
        client.send(outbound(Buffer.from('ünïcode'), false));
        await rec.until(() => rec.messages.length === 3);
        expect(rec.messages[0]).toEqual({ payload: Buffer.from('first'), binary: false });
        expect(rec.messages[1].binary).toBe(true);
        expect(Buffer.compare(rec.messages[1].payload, big)).toBe(0);
        expect(rec.messages[2].payload.toString()).toBe('ünïcode');
        client.close(1000, 'done');
        await rec.until(() => rec.closes.length === 1);
        expect(rec.closes[0].code).toBe(1000);
        expect(rec.errors).toEqual([]);
      });
    }
  }

  it('rejects a self-signed certificate when rejectUnauthorized is true', async () => {
    const port = await startEcho({ compression: false, tls: true });
    const rec = new ClientRecorder();
    new WsClientTransportFactory().connect(dialOptions(`wss://127.0.0.1:${port}/`), rec);
    await rec.until(() => rec.closes.length === 1);
    expect(rec.opened).toBe(false);
    expect(rec.errors.length).toBe(1);
    expect(rec.closes[0].code).toBe(1006);
  });

  it('answers server pings and reports a server-initiated close', async () => {
    const port = await startEcho({ compression: false, tls: false });
    const rec = new ClientRecorder();
    new WsClientTransportFactory().connect(dialOptions(`ws://127.0.0.1:${port}/`), rec);
    await rec.until(() => rec.opened && serverSockets.length === 1);
    const pong = new Promise<Buffer>((r) => serverSockets[0].once('pong', r));
    serverSockets[0].ping(Buffer.from('hb'));
    expect((await pong).toString()).toBe('hb');
    serverSockets[0].close(4000, 'server says bye');
    await rec.until(() => rec.closes.length === 1);
    expect(rec.closes[0]).toEqual({ code: 4000, reason: 'server says bye' });
  });

  it('fails the handshake on a wrong Sec-WebSocket-Accept', async () => {
    const server = net.createServer((s) => {
      s.once('data', () =>
        s.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bogus\r\n\r\n'),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    wss = new WebSocketServer({ noServer: true });
    try {
      const rec = new ClientRecorder();
      new WsClientTransportFactory().connect(
        dialOptions(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`),
        rec,
      );
      await rec.until(() => rec.closes.length === 1);
      expect(rec.opened).toBe(false);
      expect(rec.errors[0].message).toMatch(/Sec-WebSocket-Accept/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
