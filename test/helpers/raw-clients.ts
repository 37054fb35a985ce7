import * as net from 'node:net';
import WebSocket from 'ws';

/** A raw `ws` client that records text messages (JSON-decoded) and how it closed. */
export async function rawWs(url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, options);
  const messages: Record<string, unknown>[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (d, isBinary) => {
    if (!isBinary) messages.push(JSON.parse(d.toString()) as Record<string, unknown>);
  });
  ws.on('error', () => undefined);
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('unexpected-response', (_req, res) => {
      (ws as unknown as { status: number }).status = res.statusCode ?? 0;
      resolve(false);
    });
    ws.once('error', () => resolve(false));
  });
  return { ws, messages, closed, opened, status: () => (ws as unknown as { status?: number }).status };
}

/** One TCP frame (docs/PROTOCOL.md): totalLen | type | eventLen | event | payload. */
export function tcpFrame(type: number, event = '', payload: Buffer | string = ''): Buffer {
  const ev = Buffer.from(event, 'utf8');
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const out = Buffer.alloc(7 + ev.length + body.length);
  out.writeUInt32BE(3 + ev.length + body.length, 0);
  out.writeUInt8(type, 4);
  out.writeUInt16BE(ev.length, 5);
  ev.copy(out, 7);
  body.copy(out, 7 + ev.length);
  return out;
}

/** Parses every complete TCP frame in `buf`. */
export function parseTcpFrames(buf: Buffer): { type: number; event: string; payload: Buffer }[] {
  const out: { type: number; event: string; payload: Buffer }[] = [];
  let off = 0;
  while (buf.length - off >= 7) {
    const total = buf.readUInt32BE(off);
    if (buf.length - off < 4 + total) break;
    const type = buf.readUInt8(off + 4);
    const evLen = buf.readUInt16BE(off + 5);
    out.push({
      type,
      event: buf.subarray(off + 7, off + 7 + evLen).toString('utf8'),
      payload: buf.subarray(off + 7 + evLen, off + 4 + total),
    });
    off += 4 + total;
  }
  return out;
}

/** A raw TCP client that records everything it receives and when the server closed it. */
export async function rawTcp(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  socket.on('data', (d) => (received = Buffer.concat([received, d])));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, frames: () => parseTcpFrames(received), closed };
}
