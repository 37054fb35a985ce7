import * as net from 'node:net';
import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { EchoAcceptor } from '../../helpers/ws-echo-acceptor';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { rawFrame } from '../../helpers/ws-frames';
import { ECHO_EXAMPLE_OPTIONS, closePayload } from './autobahn-peer';

/** Walks unmasked server frames by hand: opcode, RSV1 and the close code if any. */
function walk(bytes: Buffer): Array<{ opcode: number; rsv1: boolean; code?: number }> {
  const out: Array<{ opcode: number; rsv1: boolean; code?: number }> = [];
  let off = 0;
  while (off + 2 <= bytes.length) {
    const opcode = bytes[off] & 0x0f;
    const rsv1 = (bytes[off] & 0x40) !== 0;
    let len = bytes[off + 1] & 0x7f;
    let head = 2;
    if (len === 126) {
      len = bytes.readUInt16BE(off + 2);
      head = 4;
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(off + 2));
      head = 10;
    }
    if (off + head + len > bytes.length) throw new Error('truncated frame');
    out.push(opcode === 8 && len >= 2 ? { opcode, rsv1, code: bytes.readUInt16BE(off + head) } : { opcode, rsv1 });
    off += head + len;
  }
  if (off !== bytes.length) throw new Error('trailing bytes');
  return out;
}

// RFC 6455 §5.5.1: after sending a close frame an endpoint sends no more data. With
// permessage-deflate some echoes are still in zlib when the close comes; they must go out before
// the close frame (client close) or not at all (protocol failure), never after it.
describe('close frames are the last frame even while echoes are being compressed', () => {
  let transport: WsServerTransport;
  let acceptor: EchoAcceptor;
  let socket: net.Socket | null = null;

  beforeEach(async () => {
    transport = new WsServerTransport({ ...ECHO_EXAMPLE_OPTIONS, compression: { threshold: 0 } });
    acceptor = new EchoAcceptor();
    transport.setAcceptor(acceptor);
    await transport.listen();
  });
  afterEach(async () => {
    socket?.destroy();
    for (const c of acceptor.connections) c.terminate();
    await transport.close();
  });

  async function run(tail: Buffer, answerClose: boolean): Promise<{ frames: ReturnType<typeof walk>; ended: boolean }> {
    const s = net.connect(transport.port() as number, '127.0.0.1');
    socket = s;
    await new Promise((r) => s.once('connect', r));
    const chunks: Buffer[] = [];
    let ended = false;
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => (ended = true));
    s.on('error', () => {});
    s.write(RawWsClient.request('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' }));
    const big = Buffer.from('{"lorem":"ipsum dolor sit amet"},'.repeat(8000));
    const messages = Array.from({ length: 12 }, () => rawFrame({ opcode: 1, payload: big }));
    s.write(Buffer.concat([...messages, tail]));
    let answered = false;
    const start = Date.now();
    while (!s.destroyed && Date.now() - start < 5000) {
      await new Promise((r) => setTimeout(r, 5));
      if (answerClose && !answered) {
        const all = Buffer.concat(chunks);
        const body = all.subarray(all.indexOf('\r\n\r\n') + 4);
        try {
          const close = walk(body).find((f) => f.opcode === 8);
          if (close) {
            answered = true;
            s.write(rawFrame({ opcode: 8, payload: closePayload(close.code as number) }));
          }
        } catch {
          // a frame is still arriving
        }
      }
      if (ended) break;
    }
    await new Promise((r) => setTimeout(r, 20));
    const all = Buffer.concat(chunks);
    return { frames: walk(all.subarray(all.indexOf('\r\n\r\n') + 4)), ended };
  }

  it('client close after 12 large messages: 12 compressed echoes, then the close, then TCP FIN', async () => {
    const { frames, ended } = await run(rawFrame({ opcode: 8, payload: closePayload(1000) }), false);
    expect(frames.map((f) => (f.opcode === 8 ? `close:${f.code}` : `${f.opcode}${f.rsv1 ? '+rsv1' : ''}`))).toEqual([
      ...Array(12).fill('1+rsv1'),
      'close:1000',
    ]);
    expect(ended).toBe(true);
  });

  it('protocol error after 12 large messages: the 1002 close is the last frame sent', async () => {
    const { frames, ended } = await run(rawFrame({ opcode: 3, payload: 'x' }), true);
    const closeAt = frames.findIndex((f) => f.opcode === 8);
    expect(closeAt).toBeGreaterThanOrEqual(0);
    expect(frames[closeAt].code).toBe(1002);
    expect(closeAt).toBe(frames.length - 1);
    expect(frames.slice(0, closeAt).every((f) => f.opcode === 1 && f.rsv1)).toBe(true);
    expect(ended).toBe(true);
  });
});
