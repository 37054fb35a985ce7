import { ServerKit, MODES, until, type Mode } from '../helpers/server-kit';
import { FakeLogger } from '../fakes/fake-logger';
import { rawTcp } from '../helpers/raw-clients';
import { floodRoom } from '../helpers/flood';
import { RawWsClient } from '../helpers/raw-ws-client';
import { rawFrame } from '../helpers/ws-frames';
import { WsJsonCodec } from '../../src/adapters/codec/ws-json.codec';
import { TcpBinaryCodec } from '../../src/adapters/codec/tcp-binary.codec';
import { MessageType, type StelarMessage } from '../../src/domain/message';
import type { StelarServer } from '../../src';

const kit = new ServerKit();
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await kit.teardown();
});

const wsCodec = new WsJsonCodec();
const tcpCodec = new TcpBinaryCodec();

/** A raw peer that completes its handshake and can stop reading; sends whole batches in one write. */
interface RawPeer {
  send(messages: StelarMessage[]): void;
  pause(): void;
  closed(): boolean;
}

async function rawPeer(server: StelarServer, mode: Mode): Promise<RawPeer> {
  if (mode === 'tcp') {
    const raw = await rawTcp(server.getTcpPort()!);
    let closed = false;
    raw.socket.on('close', () => (closed = true));
    closers.push(() => raw.socket.destroy());
    raw.socket.write(tcpCodec.encode({ type: MessageType.Connect, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 1 }).payload);
    await until(() => raw.frames().some((f) => f.type === MessageType.Connect));
    return {
      send: (ms) => raw.socket.write(Buffer.concat(ms.map((m) => Buffer.from(tcpCodec.encode(m).payload)))),
      pause: () => raw.socket.pause(),
      closed: () => closed,
    };
  }
  const raw = await RawWsClient.connect(server.getPort()!, RawWsClient.request('/'));
  closers.push(() => raw.destroy());
  await raw.until(() => raw.sink.events.length > 0);
  return {
    send: (ms) =>
      raw.socket.write(
        Buffer.concat(ms.map((m) => rawFrame({ opcode: 1, payload: Buffer.from(wsCodec.encode(m).payload) }))),
      ),
    pause: () => raw.socket.pause(),
    closed: () => raw.closed,
  };
}

const slowLines = (logger: FakeLogger) => logger.lines.filter((l) => l.message.includes('slow consumer'));

// Issue #14 finding 8 ("TCP slow-consumer drops are not logged while WS ones are") and the one
// backpressure policy of issue #12: over maxBufferedBytes a non-volatile message drops the
// client with exactly one `slow consumer` log line (STELAR_ERR_SLOW_CONSUMER), volatile ones
// are skipped, and this is the same on both transports.
describe.each(MODES)('slow consumers over %s', (mode) => {
  it('a fan-out drop is logged once, with the code, and the others keep receiving', async () => {
    const logger = new FakeLogger();
    const server = await kit.server({ maxBufferedBytes: 256 * 1024, rateLimit: false, logger });
    const fast = await kit.connect(server, mode);
    await fast.joinRoom('feed');
    let fastGot = 0;
    fast.on('tick', () => fastGot++);
    const slow = await rawPeer(server, mode);
    slow.send([{ type: MessageType.JoinRoom, room: 'feed', id: 1 }]);
    await until(() => server.getRoomMembers('feed').length === 2);
    const slowId = server.getRoomMembers('feed').find((id) => id !== fast.getId())!;
    slow.pause();

    const payload = 'x'.repeat(8 * 1024);
    let sent = await floodRoom(server, 'feed', payload, 2);
    expect(server.getRoomMembers('feed')).toEqual([fast.getId()]);
    // More traffic after the drop does not log again.
    for (let i = 0; i < 10; i++) server.to('feed', 'tick', payload);
    sent += 10;
    await until(() => fastGot === sent, 10_000, 'every tick at the fast reader');
    const lines = slowLines(logger);
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe('warn');
    expect(lines[0].message).toContain(slowId);
    expect(lines[0].message).toContain('STELAR_ERR_SLOW_CONSUMER');
    await until(() => server.getStats().activeConnections === 1);
  });

  it('answers to a peer that does not read them drop it the same way (one log line)', async () => {
    const logger = new FakeLogger();
    const server = await kit.server({ maxBufferedBytes: 256 * 1024, rateLimit: false, logger });
    const answer = 'y'.repeat(64 * 1024);
    server.onAck('chunk', () => answer);
    const slow = await rawPeer(server, mode);
    slow.pause();
    // 200 requests in one write: their 12.5 MB of answers cannot all fit under the bound.
    slow.send(
      Array.from({ length: 200 }, (_, i) => ({ type: MessageType.AckRequest, event: 'chunk', ack: 'chunk', id: i + 1, data: null }) as StelarMessage),
    );
    await until(() => slowLines(logger).length > 0, 10_000, 'the slow consumer log line');
    await until(() => server.getStats().activeConnections === 0);
    expect(slowLines(logger)).toHaveLength(1);
    expect(slowLines(logger)[0].message).toContain('STELAR_ERR_SLOW_CONSUMER');
  });

  it('volatile messages skip a slow reader without dropping it', async () => {
    const logger = new FakeLogger();
    const server = await kit.server({ maxBufferedBytes: 256 * 1024, rateLimit: false, logger });
    const slow = await rawPeer(server, mode);
    slow.send([{ type: MessageType.JoinRoom, room: 'feed', id: 1 }]);
    await until(() => server.getRoomMembers('feed').length === 1);
    slow.pause();
    const payload = 'v'.repeat(64 * 1024);
    // 200 × 64 KiB volatile = 12.5 MB offered: far more than the kernel buffers and the bound.
    for (let i = 0; i < 200; i++) {
      server.to('feed', 'tick', payload, undefined, { volatile: true });
      await new Promise((r) => setImmediate(r));
    }
    expect(server.getRoomMembers('feed')).toHaveLength(1);
    expect(slow.closed()).toBe(false);
    expect(slowLines(logger)).toEqual([]);
  });
});
