import { WsServerTransport, type WsServerTransportOptions } from '../../../src/adapters/websocket/ws-server-transport';
import { EchoAcceptor } from '../../helpers/ws-echo-acceptor';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { rawFrame } from '../../helpers/ws-frames';

/** The limits examples/ws-echo-server.js runs with (the configuration Autobahn is pointed at). */
export const ECHO_EXAMPLE_OPTIONS: WsServerTransportOptions = {
  host: '127.0.0.1',
  maxPayloadSize: 16 * 1024 * 1024,
  maxFrameSize: 16 * 1024 * 1024,
  maxFragments: 65537,
  maxBufferedBytes: 32 * 1024 * 1024,
  closeTimeout: 2000,
};

/** Close frame body: 2-byte code plus raw reason bytes. */
export function closePayload(code: number, reason: Buffer | string = ''): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code, 0);
  return Buffer.concat([head, typeof reason === 'string' ? Buffer.from(reason) : reason]);
}

/** Compact event log: `text:N`, `bin:N`, `ping`, `pong`, `close:CODE`, `error`. */
export function kinds(r: RawWsClient): string[] {
  return r.sink.events.map((e) =>
    e.kind === 'message' ? `${e.binary ? 'bin' : 'text'}:${e.payload.length}` : e.kind === 'close' ? `close:${e.code}` : e.kind,
  );
}

/**
 * An Autobahn-fuzzingclient-like peer against an in-process echo transport configured like the
 * echo example: opens raw connections and checks closing handshakes strictly.
 */
export class AutobahnPeer {
  transport!: WsServerTransport;
  acceptor!: EchoAcceptor;
  private readonly raws: RawWsClient[] = [];

  constructor(private readonly options: WsServerTransportOptions = ECHO_EXAMPLE_OPTIONS) {}

  async start(): Promise<void> {
    this.transport = new WsServerTransport(this.options);
    this.acceptor = new EchoAcceptor();
    this.transport.setAcceptor(this.acceptor);
    await this.transport.listen();
  }

  async stop(): Promise<void> {
    for (const r of this.raws) r.destroy();
    this.raws.length = 0;
    for (const c of this.acceptor.connections) c.terminate();
    await this.transport.close();
  }

  async open(extra: Record<string, string> = {}): Promise<RawWsClient> {
    const r = await RawWsClient.connect(this.transport.port() as number, RawWsClient.request('/', extra));
    this.raws.push(r);
    await r.until(() => r.status === 101);
    return r;
  }
}

/**
 * We start the closing handshake with `code`: the server must echo exactly `echoed` (1005 = an
 * empty close frame) and then close the TCP connection itself (RFC 6455 §7.1.1).
 */
export async function clientCloses(r: RawWsClient, code: number | null, echoed: number, reason: Buffer | string = ''): Promise<void> {
  r.socket.write(rawFrame({ opcode: 8, payload: code === null ? Buffer.alloc(0) : closePayload(code, reason) }));
  await r.until(() => r.closed);
  expect(r.closeCode()).toBe(echoed);
  expect(r.ended).toBe(true);
}

/**
 * The server must fail the connection with exactly `code`; we answer its close frame like a
 * conforming peer and the server must then drop TCP without waiting for its close timeout.
 */
export async function serverFails(r: RawWsClient, code: number): Promise<void> {
  await r.until(() => r.closeCode() !== null || r.closed);
  expect(r.closeCode()).toBe(code);
  if (!r.closed) r.socket.write(rawFrame({ opcode: 8, payload: closePayload(code) }));
  await r.until(() => r.closed, 1000);
  expect(r.ended).toBe(true);
}

/** Writes `bytes` in TCP chunks of `size` (Autobahn's "chopped" sends), yielding between them. */
export async function writeChopped(r: RawWsClient, bytes: Buffer, size: number): Promise<void> {
  for (let off = 0; off < bytes.length; off += size) {
    r.socket.write(bytes.subarray(off, off + size));
    if ((off / size) % 64 === 63) await new Promise((res) => setImmediate(res));
  }
}

/** Payload of `n` bytes: ASCII `*` for text (valid UTF-8), a byte ramp for binary. */
export function payloadOf(n: number, binary: boolean): Buffer {
  if (!binary) return Buffer.alloc(n, 0x2a);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
}

/** Splits `payload` into data frames of at most `size` bytes forming one message. */
export function fragmented(payload: Buffer, size: number, binary: boolean): Buffer {
  const frames: Buffer[] = [];
  let off = 0;
  do {
    const end = Math.min(off + size, payload.length);
    frames.push(rawFrame({ opcode: off === 0 ? (binary ? 2 : 1) : 0, fin: end === payload.length, payload: payload.subarray(off, end) }));
    off = end;
  } while (off < payload.length);
  return Buffer.concat(frames);
}
