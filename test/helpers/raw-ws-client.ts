import * as net from 'node:net';
import { makeReceiver, type RecordingSink } from './ws-frames';
import type { WsReceiver } from '../../src/adapters/websocket/ws-receiver';

/** A raw TCP WebSocket peer for malformed-input tests: writes bytes, parses server frames. */
export class RawWsClient {
  readonly socket: net.Socket;
  status = 0;
  responseHead = '';
  ended = false;
  closed = false;
  private head = Buffer.alloc(0);
  private upgraded = false;
  private readonly receiver: WsReceiver;
  readonly sink: RecordingSink;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    const r = makeReceiver({ isServer: false, maxPayloadSize: 1 << 26, maxFrameSize: 1 << 26 });
    this.receiver = r.receiver;
    this.sink = r.sink;
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('end', () => (this.ended = true));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  /** Connects and sends `request` (a full HTTP head); resolves once connected. */
  static async connect(port: number, request: string | Buffer): Promise<RawWsClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawWsClient(socket);
    socket.write(request);
    return client;
  }

  /** A valid upgrade request for `path` with optional extra header lines. */
  static request(path = '/', extra: Record<string, string> = {}): string {
    let s =
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
    for (const [k, v] of Object.entries(extra)) s += `${k}: ${v}\r\n`;
    return s + '\r\n';
  }

  private onData(chunk: Buffer): void {
    if (this.upgraded) {
      this.receiver.push(chunk);
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf('\r\n\r\n');
    if (end === -1) return;
    this.responseHead = this.head.subarray(0, end).toString('latin1');
    this.status = Number(this.responseHead.slice(9, 12));
    const rest = this.head.subarray(end + 4);
    if (this.status === 101) {
      this.upgraded = true;
      if (rest.length) this.receiver.push(Buffer.from(rest));
    } else this.responseHead += '\r\n\r\n' + rest.toString();
  }

  /** Waits (bounded) for a condition checked every few ms. */
  async until(pred: () => boolean, ms = 5000): Promise<void> {
    const start = Date.now();
    while (!pred()) {
      if (Date.now() - start > ms) throw new Error('RawWsClient.until timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** The code of the first close frame the server sent, or null. */
  closeCode(): number | null {
    for (const e of this.sink.events) if (e.kind === 'close') return e.code;
    return null;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
