import { pipelineStages } from './pipeline-stages';
import { CodecRegistry } from '../../../src/domain/codec-registry';
import { AdmissionService } from '../../../src/domain/admission.service';
import { ClientRegistry } from '../../../src/domain/client-registry.service';
import { ConnectionService } from '../../../src/domain/connection.service';
import { Dispatcher } from '../../../src/domain/dispatcher.service';
import { HookRunner } from '../../../src/domain/hook-runner.service';
import { RateLimitPolicy } from '../../../src/domain/rate-limit-policy.service';
import { RoomRegistry } from '../../../src/domain/room-registry.service';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { WsJsonCodec } from '../../../src/adapters/codec/ws-json.codec';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { TokenBucketRateLimiterFactory } from '../../../src/adapters/memory/token-bucket-rate-limiter.factory';
import { MemoryIPTracker } from '../../../src/adapters/memory/ip-tracker.adapter';
import { FakeClock } from '../../fakes/fake-clock';
import { FakeConnection } from '../../fakes/fake-connection';
import { FakeContextFactory, type FakeContext } from '../../fakes/fake-context-factory';
import { SequentialIdGenerator } from '../../fakes/fake-id-generator';
import { FakeLogger } from '../../fakes/fake-logger';

// The domain against the real codecs and memory adapters: what travels is what the protocol says.
function setup() {
  const clock = new FakeClock();
  const logger = new FakeLogger();
  const codecs = { ws: new WsJsonCodec(), tcp: new TcpBinaryCodec() };
  const clients = new ClientRegistry();
  const hooks = new HookRunner(logger);
  const rooms = new RoomRegistry(hooks, { maxRooms: 10, maxRoomsPerClient: 10 });
  const rateLimits = new RateLimitPolicy(new TokenBucketRateLimiterFactory(clock), { rateLimit: { maxPoints: 5, windowMs: 1000 } });
  const admission = new AdmissionService(clients, new MemoryIPTracker(10), hooks, logger, { maxConnections: 10 });
  const dispatcher = new Dispatcher<FakeContext>(clock, logger);
  const limits = { maxPayloadSize: 4096, heartbeatInterval: 1000, heartbeatTimeout: 3000, connectTimeout: 1000, maxBufferedBytes: 1 << 20 };
  const registry = new CodecRegistry(Object.values(codecs));
  const contexts = new FakeContextFactory();
  const stages = pipelineStages<FakeContext>({ codecs: registry, clock, logger, clients, rooms, hooks, rateLimits, dispatcher, contexts, limits });
  const service = new ConnectionService<FakeContext>({
    codecs: registry, clock, ids: new SequentialIdGenerator(), logger, clients, rooms, rateLimits, admission, hooks, dispatcher, contexts, limits,
    ...stages,
  });
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((r) => setImmediate(r));
      clock.advance(0);
    }
  };
  // Inbound as each transport delivers it: WS message bodies; TCP frame bodies without totalLen.
  const send = (conn: FakeConnection, m: StelarMessage) => {
    const out = codecs[conn.protocol as 'ws' | 'tcp'].encode(m);
    conn.receive(conn.protocol === 'tcp' ? out.payload.subarray(4) : out.payload, out.binary);
  };
  const received = (conn: FakeConnection) =>
    conn.sent.map((o) => codecs[conn.protocol as 'ws' | 'tcp'].decode(conn.protocol === 'tcp' ? o.payload.subarray(4) : o.payload, o.binary));
  return { service, dispatcher, clock, send, received, settle, clients };
}

describe('ConnectionService with the real codecs', () => {
  it.each(['ws', 'tcp'] as const)('%s: connect, event, request, join, ping round trip', async (protocol) => {
    const s = setup();
    s.dispatcher.onAck('sum', (ctx) => (ctx.data as number[]).reduce((a, b) => a + b, 0));
    s.dispatcher.on('echo', (ctx) => void s.service.sendTo(ctx.record, { type: MessageType.Event, event: 'echo', data: ctx.data }));
    const conn = new FakeConnection(protocol);
    s.service.accept(conn);
    if (protocol === 'tcp') {
      s.send(conn, { type: MessageType.Connect, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 1 });
    }
    await s.settle();
    s.send(conn, { type: MessageType.Event, event: 'echo', data: { a: [1, 'é'] } });
    s.send(conn, { type: MessageType.AckRequest, event: 'sum', ack: 'sum', id: 3, data: [1, 2, 3] });
    s.send(conn, { type: MessageType.JoinRoom, room: 'lobby', id: 4 });
    s.send(conn, { type: MessageType.Ping });
    const got = s.received(conn);
    expect(got[0]).toMatchObject({ type: MessageType.Connect, clientId: 'c1', maxPayloadSize: 4096, heartbeatInterval: 1000 });
    expect(got.slice(1)).toEqual([
      { type: MessageType.Event, event: 'echo', data: { a: [1, 'é'] } },
      { type: MessageType.AckResponse, ack: 'sum', id: 3, data: 6 },
      { type: MessageType.JoinRoom, room: 'lobby', id: 4, ok: true },
      { type: MessageType.Pong },
    ]);
    expect(conn.closes).toEqual([]);
    s.service.dispose();
  });

  it('a ws broadcast and a tcp broadcast decode to the same message', async () => {
    const s = setup();
    const w = new FakeConnection('ws');
    const t = new FakeConnection('tcp');
    s.service.accept(w);
    s.service.accept(t);
    await s.settle();
    expect(s.service.broadcast({ type: MessageType.Binary, event: 'file', bytes: new Uint8Array([0, 255]), meta: { name: 'a.bin' } })).toBe(2);
    expect(s.received(w).at(-1)).toEqual(s.received(t).at(-1));
    s.service.dispose();
  });
});
