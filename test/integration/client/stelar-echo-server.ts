import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** What the fake server saw: connection count, every text message, headers per connection. */
export interface Seen {
  connections: number;
  text: { conn: number; msg: any }[];
  binary: number;
  headers: http.IncomingHttpHeaders[];
}

/**
 * A tiny server on the `ws` package that speaks the Stelar WebSocket JSON protocol
 * (docs/PROTOCOL.md) well enough to exercise a client: Connect on open, events echoed as
 * `{ echo: data }` (event `kick` terminates the socket, `silence` makes that connection stop answering),
 * requests answered (event `fail` answers an error), joins answered (room `vip` refused),
 * pings answered, binary envelopes echoed as they came. It also serves `code` at
 * /stelar-client.mjs and an empty page at / for the browser tests.
 */
export class StelarEchoServer {
  private server!: http.Server | https.Server;
  private wss!: WebSocketServer;
  readonly sockets = new Set<WebSocket>();
  private readonly silent = new WeakSet<WebSocket>();
  port = 0;

  constructor(
    private readonly code = '',
    readonly seen: Seen = { connections: 0, text: [], binary: 0, headers: [] },
    private readonly tlsOptions?: { key: string; cert: string },
  ) {}

  async start(port = 0): Promise<number> {
    const onRequest: http.RequestListener = (req, res) => {
      if (req.url === '/stelar-client.mjs') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(this.code);
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>stelar</title>');
      }
    };
    this.server = this.tlsOptions ? https.createServer(this.tlsOptions, onRequest) : http.createServer(onRequest);
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  private onConnection(ws: WebSocket, req: http.IncomingMessage): void {
    const conn = ++this.seen.connections;
    this.seen.headers.push(req.headers);
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ t: 6, id: `x${conn}`, maxPayloadSize: 1 << 20, heartbeatInterval: 30000 }));
    ws.on('message', (data, isBinary) => {
      if (this.silent.has(ws)) return;
      if (isBinary) {
        this.seen.binary++;
        ws.send(data as Buffer, { binary: true }); // the binary envelope is symmetric
        return;
      }
      const msg = JSON.parse(String(data));
      this.seen.text.push({ conn, msg });
      switch (msg.t) {
        case 0:
          if (msg.e === 'kick') ws.terminate();
          else if (msg.e === 'silence') this.silent.add(ws);
          else ws.send(JSON.stringify({ t: 0, e: msg.e, d: { echo: msg.d } }));
          break;
        case 2:
          ws.send('{"t":3}');
          break;
        case 4:
          if (msg.e === 'fail') ws.send(JSON.stringify({ t: 5, a: msg.a, i: msg.i, x: 'handler failed' }));
          else ws.send(JSON.stringify({ t: 5, a: msg.a, i: msg.i, d: { echo: msg.d } }));
          break;
        case 8:
        case 9:
          ws.send(
            JSON.stringify(
              msg.room === 'vip'
                ? { t: msg.t, room: msg.room, i: msg.i, ok: false, x: 'members only' }
                : { t: msg.t, room: msg.room, i: msg.i, ok: true },
            ),
          );
          break;
      }
    });
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
