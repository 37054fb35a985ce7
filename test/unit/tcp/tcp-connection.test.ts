import { TcpConnection, PAUSE_SCREENING, type TcpConnectionOptions } from '../../../src/adapters/tcp/tcp-connection';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import type { Connection, ConnectionHandler } from '../../../src/ports/connection.port';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { CloseCode, StelarErrorCode as E, type ProtocolError } from '../../../src/domain/errors';
import { FakeSocket } from './fake-socket';

const codec = new TcpBinaryCodec();
const OPTIONS: TcpConnectionOptions = {
  maxFrameSize: 1024,
  maxPayloadSize: 512,
  maxBufferedBytes: 64 * 1024,
  closeTimeout: 1000,
};

/** Records every handler callback. */
class RecordingHandler implements ConnectionHandler {
  readonly messages: StelarMessage[] = [];
  readonly errors: ProtocolError[] = [];
  readonly closes: [number, string][] = [];
  pongs = 0;
  drains = 0;
  onMessage(_c: Connection, payload: Uint8Array, binary: boolean): void {
    expect(binary).toBe(true);
    this.messages.push(codec.decode(payload, true));
  }
  onProtocolError(_c: Connection, err: ProtocolError): void {
    this.errors.push(err);
  }
  onPong(): void {
    this.pongs++;
  }
  onDrain(): void {
    this.drains++;
  }
  onClose(_c: Connection, code: number, reason: string): void {
    this.closes.push([code, reason]);
  }
}

const tick = () => new Promise((r) => setImmediate(r));
/** Decodes every frame of every flush. */
function written(socket: FakeSocket): StelarMessage[] {
  const out: StelarMessage[] = [];
  for (const chunk of socket.flushes.flat()) {
    let off = 0;
    while (off < chunk.length) {
      const len = chunk.readUInt32BE(off);
      out.push(codec.decode(chunk.subarray(off + 4, off + 4 + len), true));
      off += 4 + len;
    }
  }
  return out;
}

function setup() {
  const socket = new FakeSocket();
  const handler = new RecordingHandler();
  const conn = new TcpConnection(socket.asSocket(), OPTIONS, handler);
  return { socket, handler, conn };
}

describe('TcpConnection', () => {
  it('exposes the Connection port facts', () => {
    const { conn, socket } = setup();
    expect(conn.protocol).toBe('tcp');
    expect(conn.request).toBeNull();
    expect(conn.remoteAddress).toBe('10.1.2.3');
    expect(conn.socket).toBe(socket);
    expect(conn.isOpen).toBe(true);
    expect(conn.owner).toBeUndefined();
  });

  it('coalesces the writes of one event-loop turn into one flush', async () => {
    const { conn, socket } = setup();
    const out = codec.encode({ type: MessageType.Event, event: 'e', data: 1 });
    conn.send(out);
    conn.send(out);
    conn.ping();
    expect(socket.flushes).toHaveLength(0);
    expect(conn.bufferedAmount).toBe(2 * out.payload.length + 7);
    await tick();
    // Small frames are copied into one buffer: one write, one chunk.
    expect(socket.flushes).toHaveLength(1);
    expect(socket.flushes[0]).toHaveLength(1);
    conn.send(out);
    await tick();
    expect(socket.flushes).toHaveLength(2);
    // A turn with a single frame writes the encoded bytes as-is (no re-framing, no copy).
    expect(socket.flushes[1][0].buffer).toBe((out.payload as Buffer).buffer);
    expect(written(socket).map((m) => m.type)).toEqual([0, 0, 2, 0]);
  });

  it('large frames of one turn go out as one writev, without copying', async () => {
    const { conn, socket } = setup();
    const a = codec.encode({ type: MessageType.Binary, event: 'a', bytes: new Uint8Array(12 * 1024).fill(1) });
    const b = codec.encode({ type: MessageType.Binary, event: 'b', bytes: new Uint8Array(12 * 1024).fill(2) });
    conn.send(a);
    conn.send(b);
    await tick();
    expect(socket.flushes).toHaveLength(1);
    expect(socket.flushes[0]).toHaveLength(2);
    expect(socket.flushes[0][0].buffer).toBe((a.payload as Buffer).buffer);
    expect(socket.flushes[0][1].buffer).toBe((b.payload as Buffer).buffer);
    expect(written(socket).map((m) => (m.type === MessageType.Binary ? m.event : ''))).toEqual(['a', 'b']);
  });

  it('one broadcast to N connections costs one flush per connection', async () => {
    const conns = Array.from({ length: 5 }, setup);
    const out = codec.encode({ type: MessageType.Event, event: 'news', data: 'x' });
    for (let i = 0; i < 3; i++) for (const { conn } of conns) conn.send(out);
    await tick();
    for (const { socket } of conns) {
      expect(socket.flushes).toHaveLength(1);
      expect(written(socket)).toEqual([0, 1, 2].map(() => ({ type: 0, event: 'news', data: 'x' })));
      // The same frames are coalesced once and that buffer is written to every socket.
      expect(socket.flushes[0][0]).toBe(conns[0].socket.flushes[0][0]);
    }
  });

  it('connections that queued different frames get their own coalesced buffers', async () => {
    const [a, b] = [setup(), setup()];
    const x = codec.encode({ type: MessageType.Event, event: 'x', data: 1 });
    const y = codec.encode({ type: MessageType.Event, event: 'y', data: 2 });
    a.conn.send(x);
    a.conn.send(y);
    b.conn.send(x);
    b.conn.send(x);
    await tick();
    expect(written(a.socket).map((m) => (m.type === 0 ? m.event : ''))).toEqual(['x', 'y']);
    expect(written(b.socket).map((m) => (m.type === 0 ? m.event : ''))).toEqual(['x', 'x']);
  });

  it('reports each inbound frame; a Pong also fires onPong', () => {
    const { socket, handler } = setup();
    socket.input(Buffer.concat([codec.encode({ type: 3 }).payload, codec.encode({ type: 0, event: 'a', data: 2 }).payload]));
    return tick().then(() => {
      expect(handler.messages).toEqual([{ type: 3 }, { type: 0, event: 'a', data: 2 }]);
      expect(handler.pongs).toBe(1);
    });
  });

  it('setHandler switches where frames go', async () => {
    const { socket, handler, conn } = setup();
    const other = new RecordingHandler();
    conn.setHandler(other);
    expect(conn.getHandler()).toBe(other);
    socket.input(codec.encode({ type: 2 }).payload);
    await tick();
    expect(handler.messages).toEqual([]);
    expect(other.messages).toEqual([{ type: 2 }]);
  });

  it('a framing error: onProtocolError, Error + Disconnect in one flush, then FIN', async () => {
    const { socket, handler, conn } = setup();
    socket.input(Uint8Array.of(0, 0, 2, 1)); // 513 > maxPayloadSize 512
    await tick();
    expect(handler.errors.map((e) => e.code)).toEqual([E.PayloadTooLarge]);
    expect(conn.isOpen).toBe(false);
    expect(socket.flushes).toHaveLength(1);
    expect(written(socket)).toEqual([
      { type: MessageType.Error, code: E.PayloadTooLarge, message: expect.any(String) },
      { type: MessageType.Disconnect, code: CloseCode.MessageTooBig, reason: expect.any(String) },
    ]);
    expect(socket.ended).toBe(true);
  });

  it('close() → Disconnect + FIN; onClose once with the code; destroyed after closeTimeout', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { socket, handler, conn } = setup();
      conn.close(1000, 'bye');
      conn.close(1001, 'again');
      expect(conn.send(codec.encode({ type: 2 }))).toBe(false);
      await tick();
      expect(written(socket)).toEqual([{ type: MessageType.Disconnect, code: 1000, reason: 'bye' }]);
      expect(socket.ended).toBe(true);
      expect(socket.destroyed).toBe(false);
      jest.advanceTimersByTime(OPTIONS.closeTimeout);
      expect(socket.destroyed).toBe(true);
      await tick();
      expect(handler.closes).toEqual([[1000, 'bye']]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ignores frames after close()', async () => {
    const { socket, handler, conn } = setup();
    conn.close(1000, '');
    socket.input(codec.encode({ type: 0, event: 'late', data: 1 }).payload);
    await tick();
    expect(handler.messages).toEqual([]);
  });

  it('the peer Disconnect code is what onClose reports; a bare drop is 1006', async () => {
    const a = setup();
    a.socket.input(codec.encode({ type: MessageType.Disconnect, code: 4002, reason: 'later' }).payload);
    await tick();
    a.socket.destroy();
    const b = setup();
    b.socket.destroy();
    await tick();
    expect(a.handler.closes).toEqual([[4002, 'later']]);
    expect(b.handler.closes).toEqual([[CloseCode.Abnormal, '']]);
  });

  it('close() after the peer Disconnect sends only FIN (the peer discards frames after its Disconnect)', async () => {
    const { socket, handler, conn } = setup();
    socket.input(codec.encode({ type: MessageType.Disconnect, code: 1001, reason: 'away' }).payload);
    await tick();
    conn.close(1000, '');
    await tick();
    expect(socket.flushes).toHaveLength(0);
    expect(socket.ended).toBe(true);
    socket.destroy();
    await tick();
    expect(handler.closes).toEqual([[1001, 'away']]);
  });

  it('pauses reading while the peer is behind and fires onDrain when it catches up', async () => {
    const { socket, handler, conn } = setup();
    socket.stalled = true;
    const big = codec.encode({ type: 1, event: 'b', bytes: new Uint8Array(30 * 1024) });
    expect(conn.send(big)).toBe(true);
    expect(conn.send(big)).toBe(true);
    expect(socket.isPaused()).toBe(false);
    expect(conn.send(big)).toBe(false); // 90 KiB buffered > maxBufferedBytes 64 KiB
    expect(conn.bufferedAmount).toBeGreaterThan(OPTIONS.maxBufferedBytes);
    expect(socket.isPaused()).toBe(true);
    await tick();
    socket.unstall();
    await tick();
    expect(handler.drains).toBe(1);
    expect(socket.isPaused()).toBe(false);
  });

  // The slow-consumer rule moved to the domain (message-sender.service.ts, the same for both
  // transports; test/security/slow-consumer-log.test.ts): the connection only reports.
  it('a peer over maxBufferedBytes stays open: send() says false and the domain decides', async () => {
    const { socket, handler, conn } = setup();
    socket.stalled = true;
    const big = codec.encode({ type: 1, event: 'b', bytes: new Uint8Array(30 * 1024) });
    for (let i = 0; i < 4; i++) conn.send(big);
    expect(conn.send(big)).toBe(false);
    expect(conn.isOpen).toBe(true);
    expect(socket.destroyed).toBe(false);
    await tick();
    expect(handler.closes).toEqual([]);
    socket.unstall();
    await tick();
    expect(written(socket)).toHaveLength(5);
  });

  it('screening pause and backpressure pause are independent', () => {
    const { socket, conn } = setup();
    conn.pauseReading(PAUSE_SCREENING);
    expect(socket.isPaused()).toBe(true);
    conn.resumeReading(PAUSE_SCREENING);
    expect(socket.isPaused()).toBe(false);
  });

  it('terminate() destroys at once and reports 1006', async () => {
    const { socket, handler, conn } = setup();
    conn.terminate();
    conn.terminate();
    expect(socket.destroyed).toBe(true);
    await tick();
    expect(handler.closes).toEqual([[CloseCode.Abnormal, 'terminated']]);
  });

  it('close() validates its code', () => {
    const { conn } = setup();
    expect(() => conn.close(1.5, '')).toThrow(RangeError);
    expect(() => conn.close(65536, '')).toThrow(RangeError);
  });
});
