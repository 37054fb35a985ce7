import * as net from 'node:net';
import fc from 'fast-check';
import { TcpServerTransport, type TcpServerTransportOptions } from '../../../src/adapters/tcp/tcp-server-transport';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import type { TcpConnection } from '../../../src/adapters/tcp/tcp-connection';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { CloseCode, StelarErrorCode as E } from '../../../src/domain/errors';
import { EchoAcceptor } from './echo-acceptor';
import { RawTcpClient } from './raw-tcp-client';
import { until } from './tcp-test-kit';
import { messageArb } from '../../unit/codec/message-arbitraries';

const codec = new TcpBinaryCodec();
let transport: TcpServerTransport;
let acceptor: EchoAcceptor;
let port: number;
const clients: RawTcpClient[] = [];

async function start(options: Partial<TcpServerTransportOptions> = {}): Promise<void> {
  transport = new TcpServerTransport({ port: 0, host: '127.0.0.1', closeTimeout: 500, ...options });
  acceptor = new EchoAcceptor();
  transport.setAcceptor(acceptor);
  port = await transport.listen();
}

function client(): RawTcpClient {
  const c = new RawTcpClient(port);
  clients.push(c);
  return c;
}

/** A client that has said hello and received its Connect answer. */
async function connected(): Promise<RawTcpClient> {
  const c = client();
  c.hello();
  const [answer] = await c.waitFor(1);
  expect(answer).toMatchObject({ type: MessageType.Connect, maxPayloadSize: 1 << 20 });
  return c;
}

/** Comparable form: bytes as arrays, undefined fields dropped. */
function plain(m: StelarMessage): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)));
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const conn of acceptor?.accepted ?? []) conn.terminate();
  await transport?.close();
});

describe('TcpServerTransport', () => {
  it('listens on an ephemeral port and reports it', async () => {
    await start();
    expect(port).toBeGreaterThan(0);
    expect(transport.port()).toBe(port);
    expect(transport.protocol).toBe('tcp');
    await transport.close();
    expect(transport.port()).toBeNull();
  });

  it('on a dual-stack listener reports IPv4 peers without the ::ffff: prefix', async () => {
    transport = new TcpServerTransport({ port: 0 });
    acceptor = new EchoAcceptor();
    transport.setAcceptor(acceptor);
    port = await transport.listen();
    const c = await connected();
    expect(acceptor.screened[0].remoteAddress).toBe('127.0.0.1');
    expect(acceptor.accepted[0].remoteAddress).toBe('127.0.0.1');
    c.destroy();
  });

  it('rejects listen() when the port is taken', async () => {
    await start();
    const other = new TcpServerTransport({ port, host: '127.0.0.1' });
    await expect(other.listen()).rejects.toThrow(/EADDRINUSE/);
  });

  it('screens, accepts on the hello, and hands the hello to the domain handler', async () => {
    await start();
    const c = client();
    await c.connected;
    await until(() => acceptor.screened.length === 1);
    expect(acceptor.screened[0]).toEqual({ protocol: 'tcp', remoteAddress: '127.0.0.1', originApplies: false, headers: {} });
    expect(acceptor.accepted).toHaveLength(0);
    c.hello({ authorization: 'Bearer t' });
    await c.waitFor(1);
    expect(acceptor.accepted).toHaveLength(1);
    const conn = acceptor.accepted[0];
    expect(conn.protocol).toBe('tcp');
    expect(conn.request).toBeNull();
    expect(conn.remoteAddress).toBe('127.0.0.1');
    expect(conn.socket).toBeInstanceOf(net.Socket);
    expect(conn.isOpen).toBe(true);
    expect(acceptor.received[0]).toMatchObject({
      type: MessageType.Connect,
      version: 1,
      headers: { authorization: 'Bearer t' },
    });
    expect((conn as TcpConnection).helloHeaders).toEqual({ authorization: 'Bearer t' });
  });

  it('echoes every message type through the codec', async () => {
    await start();
    const c = await connected();
    const sent: StelarMessage[] = [
      { type: MessageType.Event, event: 'chat', data: { text: 'hi' } },
      { type: MessageType.Binary, event: 'file', bytes: Uint8Array.of(1, 2, 3), meta: { name: 'a' } },
      { type: MessageType.AckRequest, event: 'getUser', ack: 'getUser', id: 1, data: 5 },
      { type: MessageType.AckResponse, ack: 'x', id: 2, data: 'ok' },
      { type: MessageType.JoinRoom, room: 'general', id: 3 },
      { type: MessageType.LeaveRoom, room: 'general', id: 4 },
      { type: MessageType.Error, code: 'STELAR_ERR_X', message: 'm' },
    ];
    for (const m of sent) c.send(m);
    c.send({ type: MessageType.Ping });
    const got = await c.waitFor(1 + sent.length + 1);
    expect(got.slice(1, 1 + sent.length)).toEqual(sent);
    expect(got[1 + sent.length]).toEqual({ type: MessageType.Pong });
  });

  it('echoes random messages written in random chunks over a real socket (property)', async () => {
    await start();
    const c = await connected();
    const echoable = messageArb.filter(
      (m) => m.type !== MessageType.Connect && m.type !== MessageType.Disconnect && m.type !== MessageType.Pong,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(echoable, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 6 }), async (messages, cuts) => {
        const before = c.messages.length;
        const stream = Buffer.concat(messages.map((m) => codec.encode(m).payload));
        const points = [...new Set(cuts.map((x) => x % stream.length))].sort((a, b) => a - b);
        let prev = 0;
        for (const p of [...points, stream.length]) {
          if (p > prev) c.socket.write(stream.subarray(prev, p));
          prev = p;
          await new Promise((r) => setImmediate(r));
        }
        const got = await c.waitFor(before + messages.length);
        const expected = messages.map((m) => (m.type === MessageType.Ping ? { type: MessageType.Pong } : m));
        expect(got.slice(before, before + messages.length).map(plain)).toEqual(expected.map(plain));
      }),
      { numRuns: 40 },
    );
    expect(acceptor.accepted[0].isOpen).toBe(true);
  });

  it('writes one encoded message as the same bytes to every socket (broadcast)', async () => {
    await start();
    const a = await connected();
    const b = await connected();
    const out = codec.encode({ type: MessageType.Event, event: 'news', data: { n: 1 } });
    for (const conn of acceptor.accepted) expect(conn.send(out)).toBe(true);
    const [ma, mb] = await Promise.all([a.waitFor(2), b.waitFor(2)]);
    expect(ma[1]).toEqual({ type: MessageType.Event, event: 'news', data: { n: 1 } });
    expect(mb[1]).toEqual(ma[1]);
  });

  it('answers an undecodable message without closing (the domain decides)', async () => {
    await start();
    const c = await connected();
    c.socket.write(Uint8Array.of(0, 0, 0, 8, 0, 0, 1, 0x65, 0x7b, 0x7b, 0x7b, 0x7b));
    c.send({ type: MessageType.Event, event: 'after', data: 1 });
    const got = await c.waitFor(3);
    expect(got[1]).toMatchObject({ type: MessageType.Error, code: E.InvalidJson });
    expect(got[2]).toEqual({ type: MessageType.Event, event: 'after', data: 1 });
    expect(acceptor.accepted[0].isOpen).toBe(true);
  });

  it('a garbage length gets Error + Disconnect and a close, while another client keeps working', async () => {
    await start();
    const good = await connected();
    const bad = await connected();
    bad.socket.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3));
    await bad.closed;
    expect(bad.messages.slice(1)).toEqual([
      { type: MessageType.Error, code: E.FrameTooLarge, message: expect.stringMatching(/^Invalid frame/) },
      { type: MessageType.Disconnect, code: CloseCode.MessageTooBig, reason: expect.any(String) },
    ]);
    await until(() => acceptor.closes.length === 1);
    expect(acceptor.protocolErrors.map((e) => e.code)).toEqual([E.FrameTooLarge]);
    expect(acceptor.closes[0]).toMatchObject({ conn: acceptor.accepted[1], code: CloseCode.MessageTooBig });
    good.send({ type: MessageType.Event, event: 'still', data: true });
    const got = await good.waitFor(2);
    expect(got[1]).toEqual({ type: MessageType.Event, event: 'still', data: true });
  });

  it('a frame above maxPayloadSize closes with 1009 from the header alone', async () => {
    await start({ maxPayloadSize: 100 });
    const c = await connected();
    c.socket.write(Uint8Array.of(0, 0, 0, 101, 0));
    await c.closed;
    expect(c.messages[1]).toMatchObject({ type: MessageType.Error, code: E.PayloadTooLarge });
    expect(c.messages[2]).toMatchObject({ type: MessageType.Disconnect, code: 1009 });
  });

  it('a first frame other than Connect is refused with 1002', async () => {
    await start();
    const c = client();
    c.send({ type: MessageType.Event, event: 'early', data: 1 });
    await c.closed;
    expect(c.messages).toEqual([
      { type: MessageType.Error, code: E.InvalidMessage, message: expect.stringMatching(/first frame must be Connect/) },
      { type: MessageType.Disconnect, code: CloseCode.ProtocolError, reason: expect.any(String) },
    ]);
    expect(acceptor.accepted).toHaveLength(0);
    expect(transport.pendingCount()).toBe(0);
  });

  it.each<[string, Uint8Array, string]>([
    ['an undecodable hello', Uint8Array.of(0, 0, 0, 5, 6, 0, 0, 0x7b, 0x7b), E.InvalidJson],
    ['a server-style Connect', codec.encode({ type: 6, clientId: 'x', maxPayloadSize: 1, heartbeatInterval: 1 }).payload, E.InvalidMessage],
    ['a hello of version 2', codec.encode({ type: 6, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 2 }).payload, E.InvalidMessage],
  ])('%s is refused with 1002', async (_name, frame, code) => {
    await start();
    const c = client();
    c.socket.write(frame);
    await c.closed;
    expect(c.messages).toEqual([
      { type: MessageType.Error, code, message: expect.stringMatching(/hello/) },
      { type: MessageType.Disconnect, code: CloseCode.ProtocolError, reason: expect.any(String) },
    ]);
    expect(acceptor.accepted).toHaveLength(0);
  });

  it('closes sockets that send no Connect within connectTimeout', async () => {
    await start({ connectTimeout: 100 });
    const silent = client();
    await silent.closed;
    expect(silent.messages).toEqual([
      { type: MessageType.Error, code: E.ConnectTimeout, message: expect.any(String) },
      { type: MessageType.Disconnect, code: CloseCode.PolicyViolation, reason: expect.any(String) },
    ]);
    expect(transport.pendingCount()).toBe(0);
    expect(acceptor.accepted).toHaveLength(0);
  });

  it('an accepted socket keeps no attempt state: its only Stelar property is the owner binding (idle memory)', async () => {
    await start();
    await connected();
    await connected();
    expect(acceptor.accepted).toHaveLength(2);
    for (const conn of acceptor.accepted) {
      // Every property a Node socket ever had stays in it for the connection's lifetime (8 B
      // each per idle connection): the attempt lives in the transport only until the hello.
      const own = Object.getOwnPropertySymbols(conn.socket).map((s) => s.description).filter((d) => d?.startsWith('stelar.'));
      expect(own).toEqual(['stelar.socketOwner']);
    }
    expect(transport.pendingCount()).toBe(0);
    expect((transport as unknown as { attempts: Map<unknown, unknown> }).attempts.size).toBe(0);
  });

  it('every admitted attempt ends in exactly one accept(conn, info) or abandon(info), with the screened info', async () => {
    await start({ connectTimeout: 150 });
    const ok = await connected();
    const leaver = client();
    await leaver.connected;
    const silent = client();
    await until(() => acceptor.screened.length === 3);
    leaver.destroy();
    await until(() => acceptor.abandoned.length === 1);
    await silent.closed;
    await until(() => acceptor.abandoned.length === 2);
    const [okInfo, leaverInfo, silentInfo] = acceptor.screened;
    expect(acceptor.acceptedInfo).toEqual([okInfo]);
    expect(acceptor.acceptedInfo[0]).toBe(okInfo);
    expect(acceptor.abandoned).toEqual([leaverInfo, silentInfo]);
    expect(acceptor.abandoned[0]).toBe(leaverInfo);
    expect(acceptor.abandoned[1]).toBe(silentInfo);
    // The deadline is reported once, for the log.
    expect(acceptor.ended).toEqual([
      { protocol: 'tcp', remoteAddress: '127.0.0.1', code: E.ConnectTimeout, reason: 'No Connect frame within 150 ms' },
    ]);
    // A refused attempt holds nothing: no abandon for it.
    acceptor.verdict = { status: 429, closeCode: 1008, code: E.TooManyFromIp, reason: 'Too many' };
    const refused = client();
    await refused.closed;
    expect(acceptor.abandoned).toHaveLength(2);
    expect(transport.pendingCount()).toBe(0);
    ok.destroy();
  });

  it('times out silent sockets that arrive at different times, each after its own connectTimeout', async () => {
    await start({ connectTimeout: 120 });
    const first = client();
    await first.connected;
    await new Promise((r) => setTimeout(r, 60));
    const second = client();
    const greeted = client();
    greeted.hello();
    await greeted.waitFor(1);
    let firstClosedAt = 0;
    let secondClosedAt = 0;
    void first.closed.then(() => (firstClosedAt = performance.now()));
    void second.closed.then(() => (secondClosedAt = performance.now()));
    await first.closed;
    // The second arrived about 60 ms later: it is still waiting when the first is dropped.
    expect(secondClosedAt).toBe(0);
    expect(transport.pendingCount()).toBe(1);
    await second.closed;
    expect(secondClosedAt).toBeGreaterThan(firstClosedAt);
    for (const c of [first, second]) {
      expect(c.messages[0]).toMatchObject({ type: MessageType.Error, code: E.ConnectTimeout });
    }
    expect(transport.pendingCount()).toBe(0);
    // The client that said hello in time was accepted and stays open.
    expect(acceptor.accepted).toHaveLength(1);
    expect(acceptor.accepted[0].isOpen).toBe(true);
  });

  it('a hello without headers is accepted with empty helloHeaders and reaches the domain decoded', async () => {
    await start();
    await connected();
    const conn = acceptor.accepted[0] as TcpConnection;
    expect(conn.helloHeaders).toEqual({});
    expect(acceptor.received[0]).toMatchObject({ type: MessageType.Connect, version: 1 });
  });

  it('destroys a silent socket that also ignores the Disconnect (closeTimeout)', async () => {
    await start({ connectTimeout: 50, closeTimeout: 100 });
    // allowHalfOpen: this peer never answers our FIN with its own.
    const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let ended = false;
    let timer: NodeJS.Timeout | undefined;
    sock.on('error', () => {});
    sock.resume();
    // After the server's FIN keep writing: the half-closed server still reads (and discards),
    // and once closeTimeout destroys its socket the next write is answered with RST.
    sock.on('end', () => {
      ended = true;
      timer = setInterval(() => sock.write('x'), 10);
    });
    await new Promise((r) => sock.once('close', r));
    clearInterval(timer);
    expect(ended).toBe(true);
    expect(transport.pendingCount()).toBe(0);
  });

  it.each([
    ['synchronous', false],
    ['asynchronous', true],
  ])('a %s screening refusal sends Error + Disconnect with its close code', async (_kind, async) => {
    await start();
    const refusal = { status: 503, closeCode: CloseCode.TryAgainLater, code: E.ServerFull, reason: 'full' };
    acceptor.verdict = async ? Promise.resolve(refusal) : refusal;
    const c = client();
    c.hello();
    await c.closed;
    expect(c.messages).toEqual([
      { type: MessageType.Error, code: E.ServerFull, message: 'full' },
      { type: MessageType.Disconnect, code: CloseCode.TryAgainLater, reason: 'full' },
    ]);
    expect(acceptor.accepted).toHaveLength(0);
  });

  it('a rejected screening promise refuses with 1011', async () => {
    await start();
    acceptor.verdict = Promise.reject(new Error('store down'));
    (acceptor.verdict as Promise<unknown>).catch(() => {});
    const c = client();
    await c.closed;
    expect(c.messages[1]).toMatchObject({ type: MessageType.Disconnect, code: CloseCode.InternalError });
  });

  it('ping() sends a Ping frame; the Pong reaches onMessage and onPong', async () => {
    await start();
    const c = await connected();
    acceptor.accepted[0].ping();
    const got = await c.waitFor(2);
    expect(got[1]).toEqual({ type: MessageType.Ping });
    c.send({ type: MessageType.Pong });
    await until(() => acceptor.pongs === 1);
    expect(acceptor.received.at(-1)).toEqual({ type: MessageType.Pong });
  });

  // Dropping a slow consumer is the domain's rule, the same for both transports
  // (test/security/slow-consumer-log.test.ts); the transport reports it through send().
  it('send() returns false once the queue is above maxBufferedBytes; the connection stays open', async () => {
    const cap = 1 << 20;
    await start({ maxBufferedBytes: cap });
    const c = await connected();
    c.socket.pause();
    const conn = acceptor.accepted[0];
    const big = codec.encode({ type: MessageType.Binary, event: 'blob', bytes: new Uint8Array(64 * 1024) });
    let maxQueued = 0;
    let refusedSends = 0;
    // 1000 × 64 KiB = 64 MiB, far beyond what the kernel buffers absorb on loopback.
    for (let i = 0; i < 1000 && refusedSends === 0; i++) {
      if (!conn.send(big)) refusedSends++;
      maxQueued = Math.max(maxQueued, conn.bufferedAmount);
      await new Promise((r) => setImmediate(r));
    }
    expect(refusedSends).toBeGreaterThan(0);
    expect(maxQueued).toBeGreaterThan(cap);
    expect(maxQueued).toBeLessThanOrEqual(cap + big.payload.length);
    expect(conn.isOpen).toBe(true);
    expect(acceptor.closes).toEqual([]);
  });

  it('pauses reading while the peer is behind, then resumes and fires onDrain', async () => {
    await start();
    const c = await connected();
    c.socket.pause();
    const conn = acceptor.accepted[0];
    const big = codec.encode({ type: MessageType.Binary, event: 'blob', bytes: new Uint8Array(64 * 1024) });
    // Fill the kernel buffers too: full once a turn passes without the queue reaching the kernel.
    let full = false;
    for (let i = 0; i < 1000 && !full; i++) {
      const accepted = conn.send(big);
      await new Promise((r) => setImmediate(r));
      full = !accepted && conn.bufferedAmount > 0;
    }
    expect(full).toBe(true);
    acceptor.echo = false;
    const before = acceptor.received.length;
    const drainsBefore = acceptor.drains;
    c.send({ type: MessageType.Event, event: 'while-full', data: 1 });
    await new Promise((r) => setTimeout(r, 50));
    expect(acceptor.received.length).toBe(before);
    c.socket.resume();
    await until(() => acceptor.drains > drainsBefore && acceptor.received.length === before + 1);
    expect(acceptor.received.at(-1)).toEqual({ type: MessageType.Event, event: 'while-full', data: 1 });
    expect(conn.isOpen).toBe(true);
  });

  it('close(code, reason) sends Disconnect then ends; onClose fires exactly once', async () => {
    await start();
    const c = await connected();
    const conn = acceptor.accepted[0];
    conn.close(4000, 'bye');
    expect(conn.isOpen).toBe(false);
    conn.close(1000, 'again');
    expect(conn.send(codec.encode({ type: MessageType.Ping }))).toBe(false);
    await c.closed;
    expect(c.messages[1]).toEqual({ type: MessageType.Disconnect, code: 4000, reason: 'bye' });
    await until(() => acceptor.closes.length === 1);
    conn.terminate();
    await new Promise((r) => setTimeout(r, 20));
    expect(acceptor.closes).toEqual([{ conn, code: 4000, reason: 'bye' }]);
    expect(() => conn.close(70000, 'x')).toThrow(RangeError);
  });

  it('reports the peer Disconnect code in onClose; terminate() reports 1006', async () => {
    await start();
    const a = await connected();
    const b = await connected();
    a.send({ type: MessageType.Disconnect, code: 1001, reason: 'going' });
    a.socket.end();
    acceptor.accepted[1].terminate();
    await Promise.all([a.closed, b.closed]);
    await until(() => acceptor.closes.length === 2);
    const byConn = new Map(acceptor.closes.map((c) => [c.conn, c]));
    expect(byConn.get(acceptor.accepted[0])).toMatchObject({ code: 1001, reason: 'going' });
    expect(byConn.get(acceptor.accepted[1])).toMatchObject({ code: CloseCode.Abnormal });
  });

  it('close() stops listening, drops pending sockets and leaves accepted ones open', async () => {
    await start();
    const accepted = await connected();
    const waiting = client();
    await waiting.connected;
    await until(() => transport.pendingCount() === 1);
    await transport.close();
    await waiting.closed;
    expect(acceptor.accepted[0].isOpen).toBe(true);
    accepted.send({ type: MessageType.Event, event: 'x', data: 1 });
    await accepted.waitFor(2);
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port });
        s.on('connect', () => (s.destroy(), resolve('connected')));
        s.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
