import WebSocket from 'ws';
import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { EchoAcceptor } from '../../helpers/ws-echo-acceptor';
import { HTTP_PARSERS } from '../../helpers/http-parsers';

function open(url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

describe.each(HTTP_PARSERS)('ws client against WsServerTransport (httpParser %s)', (httpParser) => {
  let transport: WsServerTransport;
  let acceptor: EchoAcceptor;
  const clients: WebSocket[] = [];

  afterEach(async () => {
    for (const c of clients) c.terminate();
    clients.length = 0;
    for (const conn of acceptor.connections) conn.terminate();
    await transport.close();
  });

  for (const compression of [false, true]) {
    describe(compression ? 'with permessage-deflate' : 'without compression', () => {
      beforeEach(async () => {
        transport = new WsServerTransport({ host: '127.0.0.1', port: 0, compression, httpParser });
        acceptor = new EchoAcceptor();
        transport.setAcceptor(acceptor);
        await transport.listen();
      });

      it('echoes text and binary messages, small and large', async () => {
        const ws = await open(`ws://127.0.0.1:${transport.port()}/`, { perMessageDeflate: compression });
        clients.push(ws);
        expect(ws.extensions).toBe(compression ? 'permessage-deflate' : '');
        const text = 'héllo wörld ✓';
        let reply = nextMessage(ws);
        ws.send(text);
        let got = await reply;
        expect(got.isBinary).toBe(false);
        expect(got.data.toString('utf8')).toBe(text);

        const big = Buffer.alloc(300_000);
        for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
        reply = nextMessage(ws);
        ws.send(big);
        got = await reply;
        expect(got.isBinary).toBe(true);
        expect(Buffer.compare(got.data, big)).toBe(0);

        const repetitive = 'abc'.repeat(50_000);
        reply = nextMessage(ws);
        ws.send(repetitive);
        got = await reply;
        expect(got.data.toString()).toBe(repetitive);
      });

      it('runs the close handshake initiated by the client and reports the code once', async () => {
        const ws = await open(`ws://127.0.0.1:${transport.port()}/`, { perMessageDeflate: compression });
        clients.push(ws);
        const done = closed(ws);
        ws.close(4001, 'bye');
        const result = await done;
        expect(result.code).toBe(4001);
        await acceptor.until(() => acceptor.closed.length === 1);
        expect(acceptor.closed[0].code).toBe(4001);
        expect(acceptor.closed[0].reason).toBe('bye');
      });

      it('runs the close handshake initiated by the server', async () => {
        const ws = await open(`ws://127.0.0.1:${transport.port()}/`, { perMessageDeflate: compression });
        clients.push(ws);
        await acceptor.until(() => acceptor.connections.length === 1);
        const done = closed(ws);
        acceptor.connections[0].close(1001, 'going away');
        expect(acceptor.connections[0].isOpen).toBe(false);
        const result = await done;
        expect(result).toEqual({ code: 1001, reason: 'going away' });
        await acceptor.until(() => acceptor.closed.length === 1);
        expect(acceptor.closed[0].code).toBe(1001);
      });

      it('answers pings and reports pongs', async () => {
        const ws = await open(`ws://127.0.0.1:${transport.port()}/`, { perMessageDeflate: compression });
        clients.push(ws);
        const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
        ws.ping(Buffer.from('xyz'));
        expect((await pong).toString()).toBe('xyz');
        await acceptor.until(() => acceptor.connections.length === 1);
        acceptor.connections[0].ping();
        await acceptor.until(() => acceptor.pongs === 1);
      });
    });
  }
});
