import { ContainerModule } from 'inversify';
import { createStelarContainer } from '../../../src/application/container';
import { APP_TOKENS } from '../../../src/application/server/app-tokens';
import { resolveOptions } from '../../../src/application/server/options-validation';
import { DEFAULTS, type StelarOptions } from '../../../src/application/server/server-options';
import { StelarServer } from '../../../src/application/server/stelar-server';
import type { StelarContext } from '../../../src/application/server/server-types';
import { TCP_TOKENS } from '../../../src/adapters/tcp/tcp.module';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import type { TcpServerTransport } from '../../../src/adapters/tcp/tcp-server-transport';
import type { CodecRegistry } from '../../../src/domain/codec-registry';
import type { ConnectionService } from '../../../src/domain/connection.service';
import type { Dispatcher } from '../../../src/domain/dispatcher.service';
import type { LocalClusterState } from '../../../src/domain/local-cluster-state';
import { MessageType } from '../../../src/domain/message';
import { TOKENS } from '../../../src/ports';
import type { IdGenerator } from '../../../src/ports/id-generator.port';
import type { Transport } from '../../../src/ports/transport.port';
import { FakeCodec } from '../../fakes/fake-codec';
import { FakeConnection } from '../../fakes/fake-connection';
import { FakeIPTracker } from '../../fakes/fake-ip-tracker';
import { FakeLogger } from '../../fakes/fake-logger';
import { CountingRateLimiter, FakeRateLimiterFactory } from '../../fakes/fake-rate-limiter';

const flush = async () => {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
};

/** A transport plug-in with a codec and no listener: the domain core without sockets. */
const fakeCodecOnly = (codec: FakeCodec) => new ContainerModule(({ bind }) => void bind(TOKENS.MessageCodec).toConstantValue(codec));

const base: StelarOptions = { logger: false, gracefulShutdown: false };

describe('the composition root', () => {
  it('applies the one table of defaults', () => {
    const factory = new FakeRateLimiterFactory();
    const c = createStelarContainer(resolveOptions({}), (k) => void k.rebind(TOKENS.RateLimiterFactory).toConstantValue(factory));
    expect(c.get(APP_TOKENS.ServerLimits)).toEqual({
      maxPayloadSize: DEFAULTS.maxPayloadSize,
      heartbeatInterval: DEFAULTS.heartbeatInterval,
      heartbeatTimeout: DEFAULTS.heartbeatTimeout,
      connectTimeout: DEFAULTS.connectTimeout,
      maxBufferedBytes: DEFAULTS.maxBufferedBytes,
      maxRequestsInFlight: DEFAULTS.maxRequestsInFlight,
    });
    expect(c.get<{ limits: unknown }>(APP_TOKENS.RoomRegistry).limits).toEqual({ maxRooms: 10_000, maxRoomsPerClient: 50 });
    expect(c.get<{ maxConnections: number }>(APP_TOKENS.AdmissionService).maxConnections).toBe(10_000);
    c.get(APP_TOKENS.RateLimitPolicy);
    expect(factory.made.map((m) => [m.maxPoints, m.windowMs])).toEqual([[100, 1000]]);
  });

  it('wires a working server core from the container alone (no sockets)', async () => {
    const codec = new FakeCodec('ws');
    const c = createStelarContainer(resolveOptions({ ...base, rateLimit: false }), undefined, [fakeCodecOnly(codec)]);
    const conns = c.get<ConnectionService<StelarContext>>(APP_TOKENS.ConnectionService);
    const seen: unknown[] = [];
    c.get<Dispatcher<StelarContext>>(APP_TOKENS.Dispatcher).on('e', (ctx) => void seen.push([ctx.id, ctx.data, ctx.protocol]));
    const conn = new FakeConnection('ws');
    conns.accept(conn);
    await flush();
    conn.receive(FakeCodec.bytes({ type: MessageType.Event, event: 'e', data: 1 }));
    expect(seen).toEqual([[expect.any(String), 1, 'ws']]);
    expect(c.get<LocalClusterState>(APP_TOKENS.LocalState).localClients()).toEqual([{ id: (seen[0] as string[])[0], rooms: [] }]);
    expect(c.get<LocalClusterState>(APP_TOKENS.LocalState).localStats()).toMatchObject({ activeConnections: 1, wsConnections: 1 });
    expect(c.getAll<Transport>(TOKENS.Transport, { optional: true })).toEqual([]);
    conns.dispose();
  });

  it('binds every port token (IRateLimiter only for a custom global limiter) and every application token', () => {
    const c = new StelarServer({ ...base, tcpPort: 0 }).container;
    for (const [name, token] of Object.entries(TOKENS)) {
      expect([name, c.isBound(token)]).toEqual([name, name !== 'IRateLimiter']);
    }
    for (const [name, token] of Object.entries(APP_TOKENS)) expect([name, c.isBound(token)]).toEqual([name, true]);
    expect(new StelarServer({ ...base, customRateLimiter: new CountingRateLimiter() }).container.isBound(TOKENS.IRateLimiter)).toBe(true);
  });

  it('a plug-in codec token reaches both its transport and the domain (rebinding TCP_TOKENS.Codec)', () => {
    const mine = new TcpBinaryCodec();
    const c = new StelarServer({ ...base, tcpPort: 0 }, { configure: (k) => void k.rebind(TCP_TOKENS.Codec).toConstantValue(mine) }).container;
    expect(c.get<CodecRegistry>(APP_TOKENS.Codecs).get('tcp')).toBe(mine);
    const tcp = c.getAll<Transport>(TOKENS.Transport).find((t) => t.protocol === 'tcp') as TcpServerTransport;
    expect((tcp as unknown as { connOptions: { codec: unknown } }).connOptions.codec).toBe(mine);
  });

  it('a rebinding without its sugar option wins (here: the id generator)', async () => {
    let n = 0;
    const ids: IdGenerator = { next: () => `id-${++n}` };
    const c = createStelarContainer(resolveOptions(base), (k) => void k.rebind(TOKENS.IdGenerator).toConstantValue(ids), [fakeCodecOnly(new FakeCodec('ws'))]);
    const conns = c.get<ConnectionService<StelarContext>>(APP_TOKENS.ConnectionService);
    conns.accept(new FakeConnection('ws'));
    await flush();
    expect(c.get<LocalClusterState>(APP_TOKENS.LocalState).localClients()).toEqual([{ id: 'id-1', rooms: [] }]);
    conns.dispose();
  });

  it.each([
    ['customRateLimiter', 'IRateLimiter', { customRateLimiter: new CountingRateLimiter() }, (k: any) => k.rebind(TOKENS.IRateLimiter).toConstantValue(new CountingRateLimiter())],
    ['customIPTracker', 'IIPTracker', { customIPTracker: new FakeIPTracker() }, (k: any) => k.rebind(TOKENS.IIPTracker).toConstantValue(new FakeIPTracker())],
    ['generateClientId', 'IdGenerator', { generateClientId: () => 'x' }, (k: any) => k.rebind(TOKENS.IdGenerator).toConstantValue({ next: () => 'y' })],
    ['logger', 'Logger', { logger: new FakeLogger() }, (k: any) => k.rebind(TOKENS.Logger).toConstantValue(new FakeLogger())],
  ] as const)('option %s and a rebinding of TOKENS.%s cannot both be given', (option, token, opts, rebind) => {
    const o = { gracefulShutdown: false, ...opts } as StelarOptions;
    expect(() => new StelarServer(o, { configure: rebind })).toThrow(
      new TypeError(`StelarServer: option "${option}" and a rebinding of TOKENS.${token} both set the same port; use one of them`),
    );
    // Either one alone is fine, and is what the server uses.
    const alone = new StelarServer(o).container.get(TOKENS[token]);
    expect(alone).toBeDefined();
    expect(() => new StelarServer({ gracefulShutdown: false }, { configure: rebind })).not.toThrow();
  });
});
