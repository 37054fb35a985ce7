import { createDomainServices } from '../../../src/domain/domain-services.factory';
import { DEFAULT_SERVER_LIMITS } from '../../../src/domain/server-limits';
import { MessageType } from '../../../src/domain/message';
import type { BasicContext } from '../../../src/domain/basic-context.factory';
import { FakeClock } from '../../fakes/fake-clock';
import { FakeCodec } from '../../fakes/fake-codec';
import { FakeConnection } from '../../fakes/fake-connection';
import { SequentialIdGenerator } from '../../fakes/fake-id-generator';
import { FakeIPTracker } from '../../fakes/fake-ip-tracker';
import { FakeLogger } from '../../fakes/fake-logger';
import { FakeRateLimiterFactory } from '../../fakes/fake-rate-limiter';

const flush = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('createDomainServices', () => {
  function ports() {
    return {
      codecs: { ws: new FakeCodec('ws'), tcp: new FakeCodec('tcp') },
      clock: new FakeClock(),
      ids: new SequentialIdGenerator(),
      logger: new FakeLogger(),
      tracker: new FakeIPTracker(),
      limiterFactory: new FakeRateLimiterFactory(),
    };
  }

  it('applies the public defaults', () => {
    const p = ports();
    const d = createDomainServices(p);
    expect(d.limits).toEqual(DEFAULT_SERVER_LIMITS);
    expect(d.rooms.limits).toEqual({ maxRooms: 10_000, maxRoomsPerClient: 50 });
    expect(d.admission.maxConnections).toBe(10_000);
    expect(p.limiterFactory.made.map((m) => [m.maxPoints, m.windowMs])).toEqual([[100, 1000]]);
  });

  it('wires a working server core with the basic context until one is installed', async () => {
    const p = ports();
    const d = createDomainServices<BasicContext>(p, {
      maxRooms: 3,
      rateLimit: false,
      limits: { heartbeatInterval: 500, maxPayloadSize: undefined },
      hooks: { onClientConnect: () => {} },
    });
    expect(d.limits.heartbeatInterval).toBe(500);
    expect(d.limits.maxPayloadSize).toBe(DEFAULT_SERVER_LIMITS.maxPayloadSize);
    expect(d.hooks.names()).toEqual(['onClientConnect']);
    const seen: unknown[] = [];
    d.dispatcher.on('e', (ctx) => void seen.push([ctx.id, ctx.data, ctx.record.id]));
    const conn = new FakeConnection();
    d.connections.accept(conn);
    await flush();
    conn.receive(FakeCodec.bytes({ type: MessageType.Event, event: 'e', data: 1 }));
    expect(seen).toEqual([['c1', 1, 'c1']]);
    d.connections.setContextFactory({ create: (record) => ({ id: `ctx-${record.id}`, record }) });
    conn.receive(FakeCodec.bytes({ type: MessageType.Event, event: 'e', data: 2 }));
    expect(seen[1]).toEqual(['ctx-c1', undefined, 'c1']);
    expect(d.clusterState.localClients()).toEqual([{ id: 'c1', rooms: [] }]);
    expect(d.clusterState.localStats().activeConnections).toBe(1);
    d.connections.dispose();
  });
});
