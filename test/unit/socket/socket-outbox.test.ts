import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { WsConnection } from '../../../src/adapters/websocket/ws-connection';
import type { ConnectionHandler } from '../../../src/ports/connection.port';

/** A socket stand-in recording what the connection hands to it, call by call. */
class RecordingSocket extends EventEmitter {
  readonly calls: Array<{ op: 'write' | 'end' | 'cork' | 'uncork'; data?: Buffer }> = [];
  writable = true;
  writableEnded = false;
  destroyed = false;
  writableLength = 0;

  write(data: Buffer | string, encoding?: BufferEncoding): boolean {
    if (this.throwOnWrite) throw new Error('write exploded');
    this.calls.push({ op: 'write', data: typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : data });
    return true;
  }
  end(): this {
    if (this.writableEnded) throw new Error('end() called twice');
    this.writableEnded = true;
    this.writable = false;
    this.calls.push({ op: 'end' });
    return this;
  }
  cork(): void {
    this.calls.push({ op: 'cork' });
  }
  uncork(): void {
    this.calls.push({ op: 'uncork' });
  }
  paused = false;
  writableNeedDrain = false;
  throwOnWrite = false;
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    this.writable = false;
    return this;
  }

  /** Every byte written, in order. */
  bytes(): Buffer {
    return Buffer.concat(this.calls.filter((c) => c.op === 'write').map((c) => c.data as Buffer));
  }
  writes(): number {
    return this.calls.filter((c) => c.op === 'write').length;
  }
}

const handler: ConnectionHandler = { onMessage() {}, onProtocolError() {}, onClose() {} };

function connection(maxBufferedBytes = 1 << 20, onDrain?: () => void): { conn: WsConnection; socket: RecordingSocket } {
  const socket = new RecordingSocket();
  const conn = new WsConnection(socket as unknown as Socket, {
    isServer: true,
    maxPayloadSize: 1 << 20,
    maxFrameSize: 1 << 20,
    closeTimer: { closeTimeout: 1000 },
    maxBufferedBytes,
    deflate: null,
    remoteAddress: '127.0.0.1',
    request: null,
  });
  conn.setHandler(onDrain === undefined ? handler : { ...handler, onDrain });
  conn.start(null);
  return { conn, socket };
}

const text = (s: string) => ({ payload: Buffer.from(s), binary: false });
const afterFlush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An unmasked text frame of a short payload (RFC 6455 §5.2). */
function textFrame(s: string): Buffer {
  return Buffer.concat([Buffer.from([0x81, Buffer.byteLength(s)]), Buffer.from(s)]);
}

describe('write batching of a WebSocket connection (write-scheduler + SocketOutbox)', () => {
  it('holds the frames of one turn and writes them with a single socket write', async () => {
    const { conn, socket } = connection();
    conn.send(text('a'));
    conn.send(text('bb'));
    conn.send(text('ccc'));
    expect(socket.writes()).toBe(0);
    expect(conn.bufferedAmount).toBe(3 + 4 + 5);
    await afterFlush();
    expect(socket.writes()).toBe(1);
    expect(socket.bytes()).toEqual(Buffer.concat([textFrame('a'), textFrame('bb'), textFrame('ccc')]));
    expect(conn.bufferedAmount).toBe(0);
  });

  it('flushes every connection that wrote, each once', async () => {
    const a = connection();
    const b = connection();
    a.conn.send(text('x'));
    b.conn.send(text('y'));
    a.conn.send(text('z'));
    await afterFlush();
    expect(a.socket.writes()).toBe(1);
    expect(b.socket.writes()).toBe(1);
    expect(a.socket.bytes()).toEqual(Buffer.concat([textFrame('x'), textFrame('z')]));
    expect(b.socket.bytes()).toEqual(textFrame('y'));
  });

  it('sends the 101 response and the first frames in one write, response first', async () => {
    const { conn, socket } = connection();
    const head = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n';
    conn.writeHandshake(head);
    await Promise.resolve(); // the domain's first message usually comes from a continuation
    conn.send(text('hello'));
    await afterFlush();
    expect(socket.writes()).toBe(1);
    expect(socket.bytes()).toEqual(Buffer.concat([Buffer.from(head, 'latin1'), textFrame('hello')]));
  });

  it('writes a large batch as a corked series (no copy), bytes in order', async () => {
    const { conn, socket } = connection();
    const big = 'x'.repeat(10_000);
    conn.send(text(big));
    conn.send(text(big));
    conn.send(text('tail'));
    await afterFlush();
    const ops = socket.calls.map((c) => c.op);
    expect(ops[0]).toBe('cork');
    expect(ops[ops.length - 1]).toBe('uncork');
    const frame = (s: string) =>
      Buffer.concat([Buffer.from([0x81, 126, s.length >> 8, s.length & 0xff]), Buffer.from(s)]);
    expect(socket.bytes()).toEqual(Buffer.concat([frame(big), frame(big), textFrame('tail')]));
  });

  it('flushes held frames before the FIN when the close handshake ends the socket', () => {
    const { conn, socket } = connection();
    conn.send(text('last'));
    // The peer's close frame (masked, code 1000) arrives in the same turn.
    const body = Buffer.from([0x03, 0xe8]);
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(body.map((b, i) => b ^ mask[i % 4]));
    conn.socketData(Buffer.concat([Buffer.from([0x88, 0x82]), mask, masked]));
    const ops = socket.calls.map((c) => c.op);
    expect(ops).toEqual(['write', 'end']);
    expect(socket.bytes()).toEqual(Buffer.concat([textFrame('last'), Buffer.from([0x88, 0x02, 0x03, 0xe8])]));
  });

  it('does not end an already ended socket again when the peer FIN follows', () => {
    const { conn, socket } = connection();
    const mask = Buffer.from([0, 0, 0, 0]);
    conn.socketData(Buffer.concat([Buffer.from([0x88, 0x82]), mask, Buffer.from([0x03, 0xe8])]));
    expect(socket.writableEnded).toBe(true);
    expect(() => conn.socketEnd()).not.toThrow();
    expect(socket.calls.filter((c) => c.op === 'end')).toHaveLength(1);
  });

  it('drops held frames when the socket is gone before the flush', async () => {
    const { conn, socket } = connection();
    conn.send(text('lost'));
    socket.destroy();
    await afterFlush();
    expect(socket.writes()).toBe(0);
  });

  it('a broadcast pass copies its frames once and writes the same buffer to every socket', async () => {
    const conns = [connection(), connection(), connection()];
    const a = text('news-1');
    const b = text('news-2');
    for (const { conn } of conns) {
      conn.send(a);
      conn.send(b);
    }
    await afterFlush();
    const shared = conns[0].socket.calls[0].data;
    for (const { socket } of conns) {
      expect(socket.writes()).toBe(1);
      expect(socket.calls[0].data).toBe(shared);
      expect(socket.bytes()).toEqual(Buffer.concat([textFrame('news-1'), textFrame('news-2')]));
    }
  });

  it('connections that queued different frames in the same pass get their own buffers', async () => {
    const [x, y, z] = [connection(), connection(), connection()];
    const a = text('a');
    const b = text('b');
    x.conn.send(a);
    x.conn.send(b);
    y.conn.send(a);
    y.conn.send(a);
    z.conn.send(a);
    z.conn.send(b);
    await afterFlush();
    expect(x.socket.bytes()).toEqual(Buffer.concat([textFrame('a'), textFrame('b')]));
    expect(y.socket.bytes()).toEqual(Buffer.concat([textFrame('a'), textFrame('a')]));
    expect(z.socket.bytes()).toEqual(Buffer.concat([textFrame('a'), textFrame('b')]));
    expect(y.socket.calls[0].data).not.toBe(x.socket.calls[0].data);
    // A connection reuses its own frame list: a later pass is never served a stale batch.
    x.conn.send(a);
    x.conn.send(a);
    await afterFlush();
    expect(x.socket.calls[1].data).toEqual(Buffer.concat([textFrame('a'), textFrame('a')]));
  });

  it('send() is false over maxBufferedBytes and reading pauses; a flush with room is the drain', async () => {
    let drains = 0;
    // A limit below the socket's high-water mark: the socket takes the bytes without asking
    // for a 'drain', so the flush itself must end the wait (else reading would stay paused).
    const { conn, socket } = connection(10, () => drains++);
    expect(conn.send(text('abc'))).toBe(true); // 5 bytes buffered
    expect(conn.send(text('defgh'))).toBe(false); // 12 bytes > 10
    expect(socket.paused).toBe(true);
    expect(drains).toBe(0);
    await afterFlush();
    expect(socket.paused).toBe(false);
    expect(drains).toBe(1);
    expect(conn.bufferedAmount).toBe(0);
  });

  it('a socket that asks for a drain keeps reading paused until its drain event', async () => {
    let drains = 0;
    const { conn, socket } = connection(10, () => drains++);
    socket.writableNeedDrain = true;
    expect(conn.send(text('0123456789ab'))).toBe(false);
    await afterFlush();
    expect(socket.paused).toBe(true);
    expect(drains).toBe(0);
    socket.writableNeedDrain = false;
    socket.emit('drain');
    expect(socket.paused).toBe(false);
    expect(drains).toBe(1);
    socket.emit('drain'); // not waiting any more: ignored
    expect(drains).toBe(1);
  });

  it('a flush that throws destroys only its own connection', async () => {
    const bad = connection();
    const good = connection();
    bad.socket.throwOnWrite = true;
    bad.conn.send(text('x'));
    good.conn.send(text('y'));
    await afterFlush();
    expect(bad.socket.destroyed).toBe(true);
    expect(good.socket.destroyed).toBe(false);
    expect(good.socket.bytes()).toEqual(textFrame('y'));
  });
});
