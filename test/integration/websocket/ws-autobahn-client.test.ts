import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { WsClientTransportFactory, type WsClientTransport } from '../../../src/adapters/websocket/ws-client-transport';
import type { ClientTransportHandler } from '../../../src/ports/client-transport.port';
import { makeReceiver, rawFrame, type RecordingSink } from '../../helpers/ws-frames';
import { closePayload } from './autobahn-peer';
import { utf8Cases } from './utf8-sequences';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One fuzzingserver-side connection: we are the server, writing raw (unmasked) frames. */
class ServerSide {
  readonly sink: RecordingSink;
  clientEnded = false;
  closed = false;
  private readonly receiver;
  constructor(readonly socket: net.Socket, rest: Buffer) {
    const r = makeReceiver({ isServer: true, maxPayloadSize: 1 << 26, maxFrameSize: 1 << 26 });
    this.receiver = r.receiver;
    this.sink = r.sink;
    socket.on('data', (c) => this.receiver.push(Buffer.from(c)));
    socket.on('end', () => (this.clientEnded = true));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
    if (rest.length) this.receiver.push(Buffer.from(rest));
  }
  closeCode(): number | null {
    for (const e of this.sink.events) if (e.kind === 'close') return e.code;
    return null;
  }
}

/** An echo client (what Autobahn's fuzzingserver expects) that records what it saw. */
class EchoClient implements ClientTransportHandler {
  transport!: WsClientTransport;
  opened = false;
  closed: { code: number; reason: string } | null = null;
  errors: Error[] = [];
  onOpen(): void {
    this.opened = true;
  }
  onMessage(payload: Uint8Array, binary: boolean): void {
    this.transport.send({ payload, binary, frameCache: undefined });
  }
  onClose(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  onError(err: Error): void {
    this.errors.push(err);
  }
}

async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

// Autobahn fuzzingserver-style cases for our RFC 6455 client: the peer is a raw server writing
// hand-built frames; the client under test echoes every message like Autobahn's test client.
describe('Autobahn cases for WsClientTransport (we play the fuzzing server)', () => {
  let server: net.Server;
  let sides: ServerSide[] = [];
  const clients: EchoClient[] = [];

  beforeEach(async () => {
    sides = [];
    server = net.createServer((socket) => {
      let head = Buffer.alloc(0);
      const onData = (c: Buffer): void => {
        head = Buffer.concat([head, c]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        socket.removeListener('data', onData);
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head.subarray(0, end).toString('latin1'))![1];
        const accept = createHash('sha1').update(key + GUID).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        sides.push(new ServerSide(socket, head.subarray(end + 4)));
      };
      socket.on('data', onData);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });

  afterEach(async () => {
    for (const c of clients) if (c.closed === null) c.transport.close(1000, '');
    clients.length = 0;
    for (const s of sides) s.socket.destroy();
    await new Promise((r) => server.close(r));
  });

  async function open(): Promise<{ client: EchoClient; side: ServerSide }> {
    const client = new EchoClient();
    clients.push(client);
    const port = (server.address() as net.AddressInfo).port;
    client.transport = new WsClientTransportFactory({ closeTimeout: 1000 }).connect(
      { url: `ws://127.0.0.1:${port}/`, tls: false, rejectUnauthorized: false, headers: {}, maxPayloadSize: 16 << 20, maxFrameSize: 16 << 20 },
      client,
    ) as WsClientTransport;
    const before = sides.length;
    await until(() => client.opened && sides.length > before).catch((e) => {
      throw new Error(`open failed: ${client.errors.map(String).join()} opened=${client.opened} sides=${sides.length}`);
    });
    return { client, side: sides[sides.length - 1] };
  }

  /** The server closes with `code`: the client must echo it, then we drop TCP. */
  async function serverCloses(client: EchoClient, side: ServerSide, code: number): Promise<void> {
    side.socket.write(rawFrame({ opcode: 8, payload: closePayload(code), mask: null }));
    await until(() => side.closeCode() !== null);
    expect(side.closeCode()).toBe(code);
    side.socket.end();
    await until(() => client.closed !== null);
    expect(client.closed!.code).toBe(code);
  }

  /** The client must fail with exactly `code` (and mask its close frame). */
  async function clientFails(client: EchoClient, side: ServerSide, code: number): Promise<void> {
    await until(() => side.closeCode() !== null || side.closed);
    expect(side.closeCode()).toBe(code);
    side.socket.end(rawFrame({ opcode: 8, payload: closePayload(code), mask: null }));
    await until(() => client.closed !== null);
    expect(client.closed!.code).toBe(code);
    expect(client.errors.length).toBe(1);
  }

  it('1.x: text and binary of 0..65536 bytes are echoed byte-exact and masked', async () => {
    const { client, side } = await open();
    const sent: Array<{ body: Buffer; binary: boolean }> = [];
    for (const n of [0, 125, 126, 127, 128, 65535, 65536]) {
      sent.push({ body: Buffer.alloc(n, 0x2a), binary: false });
      sent.push({ body: Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff)), binary: true });
    }
    side.socket.write(Buffer.concat(sent.map((m) => rawFrame({ opcode: m.binary ? 2 : 1, payload: m.body, mask: null }))));
    await until(() => side.sink.events.length === sent.length);
    side.sink.events.forEach((e, i) => expect(e.kind === 'message' && e.binary === sent[i].binary && e.payload.equals(sent[i].body)).toBe(true));
    await serverCloses(client, side, 1000);
  });

  it('2.x: pings are answered with the same payload; a 126-byte ping fails with 1002', async () => {
    const { client, side } = await open();
    side.socket.write(rawFrame({ opcode: 9, payload: Buffer.alloc(125, 7), mask: null }));
    await until(() => side.sink.events.length === 1);
    expect(side.sink.events[0].kind === 'pong' && side.sink.events[0].data.equals(Buffer.alloc(125, 7))).toBe(true);
    side.socket.write(rawFrame({ opcode: 9, payload: Buffer.alloc(126), mask: null }));
    await clientFails(client, side, 1002);
  });

  it.each([
    ['3.x RSV bits', rawFrame({ opcode: 1, rsv: 1, payload: 'x', mask: null }), 1002],
    ['4.x reserved opcode 5', rawFrame({ opcode: 5, mask: null }), 1002],
    ['4.x reserved opcode 14', rawFrame({ opcode: 14, payload: 'x', mask: null }), 1002],
    ['5.x continuation without a message', rawFrame({ opcode: 0, payload: 'x', mask: null }), 1002],
    ['5.x fragmented ping', rawFrame({ opcode: 9, fin: false, payload: 'x', mask: null }), 1002],
    ['a masked frame from the server', rawFrame({ opcode: 1, payload: 'masked' }), 1002],
    ['7.3.2 1-byte close body', rawFrame({ opcode: 8, payload: Buffer.from([3]), mask: null }), 1002],
    ['7.5.1 close reason not UTF-8', rawFrame({ opcode: 8, payload: closePayload(1000, Buffer.from([0xed, 0xa0, 0x80])), mask: null }), 1007],
    ['7.9.x close code 1005', rawFrame({ opcode: 8, payload: closePayload(1005), mask: null }), 1002],
    ['7.13.x close code 5000', rawFrame({ opcode: 8, payload: closePayload(5000), mask: null }), 1002],
  ])('%s fails with the exact code', async (_name, wire, code) => {
    const { client, side } = await open();
    side.socket.write(wire);
    await clientFails(client, side, code);
  });

  it('6.x: every UTF-8 stress sequence: valid ones echoed byte-exact, invalid ones fail with 1007', async () => {
    for (const { bytes, valid } of utf8Cases()) {
      const { client, side } = await open();
      side.socket.write(rawFrame({ opcode: 1, payload: bytes, mask: null }));
      if (valid) {
        await until(() => side.sink.events.length === 1);
        const e = side.sink.events[0];
        expect(e.kind === 'message' && e.payload.equals(bytes)).toBe(true);
        await serverCloses(client, side, 1000);
      } else {
        await clientFails(client, side, 1007);
      }
    }
  });

  it('7.7.x: valid close codes from the server are echoed', async () => {
    for (const code of [1000, 1001, 1003, 1007, 1011, 3000, 4999]) {
      const { client, side } = await open();
      await serverCloses(client, side, code);
    }
  });

  it('9.3.1: 65,537 frames of one message (64-byte pieces, an empty final frame) are echoed; one frame more fails with 1009', async () => {
    const many = (count: number): { wire: Buffer; body: Buffer } => {
      const body = Buffer.alloc((count - 1) * 64, 0x61);
      const frames: Buffer[] = [];
      for (let i = 0; i < count - 1; i++) frames.push(rawFrame({ opcode: i === 0 ? 1 : 0, fin: false, payload: body.subarray(i * 64, (i + 1) * 64), mask: null }));
      frames.push(rawFrame({ opcode: 0, fin: true, mask: null }));
      return { wire: Buffer.concat(frames), body };
    };
    const ok = await open();
    const m = many(65_537);
    ok.side.socket.write(m.wire);
    await until(() => ok.side.sink.events.length === 1, 15_000);
    const e = ok.side.sink.events[0];
    expect(e.kind === 'message' && e.payload.equals(m.body)).toBe(true);
    await serverCloses(ok.client, ok.side, 1000);
    // A hostile server's message of tiny fragments is bounded in count, not only in bytes.
    const over = await open();
    over.side.socket.write(many(65_538).wire);
    await clientFails(over.client, over.side, 1009);
  }, 30_000);

  it('9.x: a 4 MiB binary in 64 KiB fragments is echoed byte-exact', async () => {
    const { client, side } = await open();
    const body = Buffer.allocUnsafe(4 << 20);
    for (let i = 0; i < body.length; i++) body[i] = (i * 13) & 0xff;
    const frames: Buffer[] = [];
    for (let off = 0; off < body.length; off += 65536) {
      frames.push(rawFrame({ opcode: off === 0 ? 2 : 0, fin: off + 65536 >= body.length, payload: body.subarray(off, off + 65536), mask: null }));
    }
    side.socket.write(Buffer.concat(frames));
    await until(() => side.sink.events.length === 1, 15_000);
    const e = side.sink.events[0];
    expect(e.kind === 'message' && e.payload.equals(body)).toBe(true);
    await serverCloses(client, side, 1000);
  });
});
