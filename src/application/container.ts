import 'reflect-metadata';
import { Container, ContainerModule } from 'inversify';
import { TOKENS } from '../ports';
import type { Clock } from '../ports/clock.port';
import type { ClusterBus, ClusterDelivery } from '../ports/cluster-bus.port';
import type { HttpFallback } from '../ports/http-fallback.port';
import type { IdGenerator } from '../ports/id-generator.port';
import type { IIPTracker } from '../ports/ip-tracker.port';
import type { Logger } from '../ports/logger.port';
import type { MessageCodec } from '../ports/message-codec.port';
import type { IRateLimiter, RateLimiterFactory } from '../ports/rate-limiter.port';
import type { Transport } from '../ports/transport.port';
import { SystemClock } from '../adapters/memory/system-clock.adapter';
import { TokenBucketRateLimiterFactory } from '../adapters/memory/token-bucket-rate-limiter.factory';
import { MemoryIPTracker } from '../adapters/memory/ip-tracker.adapter';
import { FunctionIdGenerator, UuidIdGenerator } from '../adapters/memory/uuid-id-generator.adapter';
import { MemoryClusterBus } from '../adapters/memory/memory-cluster-bus.adapter';
import { MemorySessionStore, RandomSessionTokenGenerator } from '../adapters/memory/memory-session-store.adapter';
import { MemoryStreamStore } from '../adapters/memory/memory-stream-store.adapter';
import { RecoveryService } from '../domain/recovery/recovery.service';
import { ClientSequencer } from '../domain/recovery/client-sequencer';
import { ProcessedMarkGate } from '../domain/recovery/processed-mark.gate';
import type { SessionStore, SessionTokenGenerator } from '../ports/session-store.port';
import type { StreamStore } from '../ports/stream-store.port';
import { AdmissionService } from '../domain/admission.service';
import { ClientRegistry } from '../domain/client-registry.service';
import { CodecRegistry } from '../domain/codec-registry';
import { ConnectionService } from '../domain/connection.service';
import { Dispatcher } from '../domain/dispatcher.service';
import { HeartbeatService } from '../domain/heartbeat.service';
import { HookRunner } from '../domain/hook-runner.service';
import { InboundPipeline } from '../domain/inbound-pipeline.service';
import { LocalClusterState } from '../domain/local-cluster-state';
import { MessageRouter } from '../domain/message-router.service';
import { MessageSender } from '../domain/message-sender.service';
import { RateLimitPolicy } from '../domain/rate-limit-policy.service';
import { RequestReplier } from '../domain/request-replier.service';
import { RequestBound } from '../domain/request-bound.policy';
import { RoomRegistry } from '../domain/room-registry.service';
import type { ServerLimits } from '../domain/server-limits';
import { APP_TOKENS } from './server/app-tokens';
import { builtInTransports } from './server/builtin-transports';
import { createClusterBus } from './server/cluster-bus.factory';
import { createRedisRecoveryStores, type RedisRecoveryStores } from './server/recovery-stores.factory';
import { HealthRoute } from './server/health.handler';
import { createLogger } from './server/logger.factory';
import { RuntimeConfig } from './server/runtime-config';
import { ServerLifecycle } from './server/server-lifecycle';
import { ServerMessaging } from './server/server-messaging.service';
import { DEFAULTS, type ResolvedOptions } from './server/server-options';
import { ServerStats } from './server/server-stats';
import type { StelarContext } from './server/server-types';
import { StelarContextFactory } from './server/stelar-context';
import { Uptime } from './server/uptime';
import { bindOperations } from './server/operations/operations.module';
import type { ServerOperations } from './server/operations/server-operations';
import type { DashboardHostFactory } from './server/operations/dashboard.service';
import type { ServerCounters } from '../domain/metrics/server-counters';

/** How a user customises the wiring: runs after the defaults are bound, before any resolution. */
export type ContainerConfigurer = (container: Container) => void;

/**
 * The option that is sugar for one port binding, and the value it bound (checked after
 * `configure`: a rebinding of the same token is a conflict, see {@link assertSugarKept}).
 */
interface Sugar {
  readonly option: string;
  readonly token: symbol;
  readonly tokenName: string;
  readonly value: unknown;
}

/**
 * The composition root: the one place where the server is assembled. Binds every port to its
 * default adapter, every domain and application service (nothing is built or patched outside),
 * and loads the transport plug-ins (`transports`: container modules, by default the WebSocket
 * and TCP ones the options ask for; each binds its codec under `TOKENS.MessageCodec` and its
 * listener under `TOKENS.Transport`).
 *
 * `configure` may `rebind` any token before the first `get` (a singleton resolved earlier
 * would keep its old dependencies). The options `customRateLimiter`, `customIPTracker`,
 * `generateClientId` and `logger` are sugar for exactly one binding each (`TOKENS.IRateLimiter`,
 * `TOKENS.IIPTracker`, `TOKENS.IdGenerator`, `TOKENS.Logger`); giving the option *and*
 * rebinding its token throws a TypeError naming both, so the two cannot silently disagree.
 * `dashboardHost` builds the dashboard's own server (StelarServer passes its constructor);
 * only the `dashboard` option needs it.
 */
export function createStelarContainer(
  options: ResolvedOptions,
  configure?: ContainerConfigurer,
  transports: readonly ContainerModule[] = builtInTransports(options),
  dashboardHost?: DashboardHostFactory,
): Container {
  const c = new Container({ defaultScope: 'Singleton' });
  // Created on first resolution of a recovery store token (cluster + recovery), started by the lifecycle.
  const recoveryStores: { redis: RedisRecoveryStores | null } = { redis: null };
  const sugar = bindPorts(c, options, recoveryStores);
  bindDomain(c, options);
  bindApplication(c, options, recoveryStores);
  bindOperations(c, options, dashboardHost);
  for (const module of transports) c.load(module);
  if (configure !== undefined) {
    configure(c);
    assertSugarKept(c, sugar);
  }
  return c;
}

/** Ports → default adapters. Returns the sugar options that were given. */
function bindPorts(c: Container, o: ResolvedOptions, recoveryStores: { redis: RedisRecoveryStores | null }): Sugar[] {
  const sugar: Sugar[] = [];
  const given = <T>(option: string, tokenName: keyof typeof TOKENS, value: T): T => {
    sugar.push({ option, token: TOKENS[tokenName], tokenName, value });
    return value;
  };
  c.bind(APP_TOKENS.Options).toConstantValue(o);
  c.bind<Clock>(TOKENS.Clock).toResolvedValue(() => new SystemClock());
  if (o.logger !== undefined) c.bind<Logger>(TOKENS.Logger).toConstantValue(given('logger', 'Logger', createLogger(o.logger)));
  else c.bind<Logger>(TOKENS.Logger).toResolvedValue(() => createLogger(DEFAULTS.logger));
  if (o.generateClientId !== undefined) {
    const ids = given('generateClientId', 'IdGenerator', new FunctionIdGenerator(o.generateClientId));
    c.bind<IdGenerator>(TOKENS.IdGenerator).toConstantValue(ids);
  } else {
    c.bind<IdGenerator>(TOKENS.IdGenerator).toResolvedValue(() => new UuidIdGenerator());
  }
  c.bind<RateLimiterFactory>(TOKENS.RateLimiterFactory).toResolvedValue(
    (clock: Clock) => new TokenBucketRateLimiterFactory(clock),
    [TOKENS.Clock],
  );
  // The one optional port: no global limiter unless one is given (the per-client buckets come
  // from the factory above).
  if (o.customRateLimiter !== undefined) {
    c.bind<IRateLimiter>(TOKENS.IRateLimiter).toConstantValue(given('customRateLimiter', 'IRateLimiter', o.customRateLimiter));
  }
  if (o.customIPTracker !== undefined) {
    c.bind<IIPTracker>(TOKENS.IIPTracker).toConstantValue(given('customIPTracker', 'IIPTracker', o.customIPTracker));
  } else {
    c.bind<IIPTracker>(TOKENS.IIPTracker).toResolvedValue(() => new MemoryIPTracker(o.maxConnectionsPerIP));
  }
  c.bind<ClusterBus>(TOKENS.ClusterBus).toResolvedValue(
    (logger: Logger) => (o.cluster ? createClusterBus(o.cluster, logger) : new MemoryClusterBus()),
    [TOKENS.Logger],
  );
  // Session recovery: sessions and stream histories in memory (one node), or in the cluster's
  // Redis when `cluster` and `recovery` are both on (a rebinding of either token wins).
  const cluster = o.cluster;
  const redisStores = (bus: ClusterBus, logger: Logger, clock: Clock): RedisRecoveryStores =>
    (recoveryStores.redis ??= createRedisRecoveryStores(cluster!, o.recovery, bus.nodeId, logger, clock));
  const storeDeps: [symbol, symbol, symbol] = [TOKENS.ClusterBus, TOKENS.Logger, TOKENS.Clock];
  c.bind<SessionStore>(TOKENS.SessionStore).toResolvedValue(
    (bus: ClusterBus, logger: Logger, clock: Clock) =>
      cluster !== undefined && o.recovery.enabled ? redisStores(bus, logger, clock).sessions : new MemorySessionStore(),
    storeDeps,
  );
  c.bind<StreamStore>(TOKENS.StreamStore).toResolvedValue(
    (bus: ClusterBus, logger: Logger, clock: Clock) =>
      cluster !== undefined && o.recovery.enabled
        ? redisStores(bus, logger, clock).streams
        : new MemoryStreamStore({ historySize: o.recovery.historySize, windowMs: o.recovery.windowMs }),
    storeDeps,
  );
  c.bind<SessionTokenGenerator>(TOKENS.SessionTokenGenerator).toResolvedValue(() => new RandomSessionTokenGenerator());
  c.bind<HttpFallback>(TOKENS.HttpFallback).toResolvedValue(
    (opts: ResolvedOptions, stats: ServerStats, ops: ServerOperations) => {
      const health = new HealthRoute(opts, stats);
      return { handle: (req: unknown, res: unknown) => health.handle(req, res) || ops.handle(req, res) };
    },
    [APP_TOKENS.Options, APP_TOKENS.Stats, APP_TOKENS.Operations],
  );
  return sugar;
}

/** The domain services, each from its dependencies (the order the constructor lists them). */
function bindDomain(c: Container, o: ResolvedOptions): void {
  c.bind<ServerLimits>(APP_TOKENS.ServerLimits).toResolvedValue(() => ({
    maxPayloadSize: o.maxPayloadSize,
    heartbeatInterval: o.heartbeatInterval,
    heartbeatTimeout: o.heartbeatTimeout,
    connectTimeout: o.connectTimeout,
    maxBufferedBytes: o.maxBufferedBytes,
    maxRequestsInFlight: o.maxRequestsInFlight,
  }));
  c.bind(APP_TOKENS.Codecs).toResolvedValue(
    (codecs: MessageCodec[] | undefined) => new CodecRegistry(codecs ?? []),
    [{ serviceIdentifier: TOKENS.MessageCodec, isMultiple: true, optional: true }],
  );
  c.bind(APP_TOKENS.ClientRegistry).toResolvedValue(() => new ClientRegistry());
  c.bind(APP_TOKENS.HookRunner).toResolvedValue((logger: Logger) => new HookRunner(logger, o.hooks), [TOKENS.Logger]);
  c.bind(APP_TOKENS.RoomRegistry).toResolvedValue(
    (hooks: HookRunner) => new RoomRegistry(hooks, { maxRooms: o.maxRooms, maxRoomsPerClient: o.maxRoomsPerClient }),
    [APP_TOKENS.HookRunner],
  );
  c.bind(APP_TOKENS.RateLimitPolicy).toResolvedValue(
    (factory: RateLimiterFactory, custom: IRateLimiter | undefined) =>
      new RateLimitPolicy(factory, { rateLimit: o.rateLimit, eventRateLimits: o.eventRateLimits, customRateLimiter: custom }),
    [TOKENS.RateLimiterFactory, { serviceIdentifier: TOKENS.IRateLimiter, optional: true }],
  );
  c.bind(APP_TOKENS.AdmissionService).toResolvedValue(
    (clients: ClientRegistry, tracker: IIPTracker, hooks: HookRunner, logger: Logger) =>
      new AdmissionService(clients, tracker, hooks, logger, {
        maxConnections: o.maxConnections,
        allowedOrigins: o.allowedOrigins ?? undefined,
      }),
    [APP_TOKENS.ClientRegistry, TOKENS.IIPTracker, APP_TOKENS.HookRunner, TOKENS.Logger],
  );
  c.bind(APP_TOKENS.Dispatcher).toResolvedValue(
    (clock: Clock, logger: Logger) => new Dispatcher<StelarContext>(clock, logger),
    [TOKENS.Clock, TOKENS.Logger],
  );
  c.bind(APP_TOKENS.Recovery).toResolvedValue(
    (sessions: SessionStore, streams: StreamStore, tokens: SessionTokenGenerator, rooms: RoomRegistry) =>
      new RecoveryService(o.recovery, sessions, streams, tokens, o.namespace, (room) => rooms.has(room)),
    [TOKENS.SessionStore, TOKENS.StreamStore, TOKENS.SessionTokenGenerator, APP_TOKENS.RoomRegistry],
  );
  c.bind(APP_TOKENS.MessageSender).toResolvedValue(
    (codecs: CodecRegistry, clients: ClientRegistry, rooms: RoomRegistry, hooks: HookRunner, limits: ServerLimits, logger: Logger, counters: ServerCounters, recovery: RecoveryService, clock: Clock) =>
      new MessageSender(codecs, clients, rooms, hooks, limits, logger, counters, recovery, clock),
    [APP_TOKENS.Codecs, APP_TOKENS.ClientRegistry, APP_TOKENS.RoomRegistry, APP_TOKENS.HookRunner, APP_TOKENS.ServerLimits, TOKENS.Logger, APP_TOKENS.Counters, APP_TOKENS.Recovery, TOKENS.Clock],
  );
  c.bind(APP_TOKENS.RequestReplier).toResolvedValue(
    (sender: MessageSender, logger: Logger, counters: ServerCounters, clock: Clock, limits: ServerLimits) =>
      new RequestReplier(sender, logger, counters, clock, new RequestBound(limits, logger, clock, counters)),
    [APP_TOKENS.MessageSender, TOKENS.Logger, APP_TOKENS.Counters, TOKENS.Clock, APP_TOKENS.ServerLimits],
  );
  // Client → server recovery: at most once per session, batched confirmations (idle without sessions).
  c.bind(APP_TOKENS.ClientSequencer).toResolvedValue(
    (clock: Clock, sender: MessageSender, counters: ServerCounters, sessions: SessionStore) => {
      // A networked store (cluster + recovery): marks are written through before a message runs.
      const gate = sessions.networked === true && sessions.markProcessed !== undefined ? new ProcessedMarkGate(sessions as Required<SessionStore>) : null;
      return new ClientSequencer(clock, (r, m) => sender.sendTo(r, m), counters, gate);
    },
    [TOKENS.Clock, APP_TOKENS.MessageSender, APP_TOKENS.Counters, TOKENS.SessionStore],
  );
  c.bind(APP_TOKENS.MessageRouter).toResolvedValue(
    (dispatcher: Dispatcher<StelarContext>, contexts: StelarContextFactory, rooms: RoomRegistry, sender: MessageSender, logger: Logger, replier: RequestReplier, sequencer: ClientSequencer) =>
      new MessageRouter<StelarContext>(dispatcher, contexts, rooms, sender, logger, replier, sequencer),
    [APP_TOKENS.Dispatcher, APP_TOKENS.ContextFactory, APP_TOKENS.RoomRegistry, APP_TOKENS.MessageSender, TOKENS.Logger, APP_TOKENS.RequestReplier, APP_TOKENS.ClientSequencer],
  );
  c.bind(APP_TOKENS.InboundPipeline).toResolvedValue(
    (codecs: CodecRegistry, clock: Clock, hooks: HookRunner, rateLimits: RateLimitPolicy, limits: ServerLimits, router: MessageRouter<StelarContext>, sender: MessageSender, logger: Logger, counters: ServerCounters) =>
      new InboundPipeline(codecs, clock, hooks, rateLimits, limits, router, sender, logger, counters),
    [APP_TOKENS.Codecs, TOKENS.Clock, APP_TOKENS.HookRunner, APP_TOKENS.RateLimitPolicy, APP_TOKENS.ServerLimits, APP_TOKENS.MessageRouter, APP_TOKENS.MessageSender, TOKENS.Logger, APP_TOKENS.Counters],
  );
  c.bind(APP_TOKENS.HeartbeatService).toResolvedValue(
    (clock: Clock, clients: ClientRegistry, limits: ServerLimits, logger: Logger) => new HeartbeatService(clock, clients, limits, logger),
    [TOKENS.Clock, APP_TOKENS.ClientRegistry, APP_TOKENS.ServerLimits, TOKENS.Logger],
  );
  // The transports' acceptor (a port token, so plug-in modules inject it without naming the domain).
  c.bind(TOKENS.ConnectionAcceptor).toService(APP_TOKENS.ConnectionService);
  c.bind(APP_TOKENS.ConnectionService).toResolvedValue(
    (
      codecs: CodecRegistry, clock: Clock, ids: IdGenerator, logger: Logger, clients: ClientRegistry, rooms: RoomRegistry,
      rateLimits: RateLimitPolicy, admission: AdmissionService, hooks: HookRunner, dispatcher: Dispatcher<StelarContext>,
      contexts: StelarContextFactory, limits: ServerLimits, sender: MessageSender, router: MessageRouter<StelarContext>,
      inbound: InboundPipeline, heartbeats: HeartbeatService, counters: ServerCounters, recovery: RecoveryService, sequencer: ClientSequencer,
    ) =>
      new ConnectionService<StelarContext>({
        codecs, clock, ids, logger, clients, rooms, rateLimits, admission, hooks, dispatcher, contexts, limits, sender, router, inbound, heartbeats, counters, recovery, sequencer,
      }),
    [
      APP_TOKENS.Codecs, TOKENS.Clock, TOKENS.IdGenerator, TOKENS.Logger, APP_TOKENS.ClientRegistry, APP_TOKENS.RoomRegistry,
      APP_TOKENS.RateLimitPolicy, APP_TOKENS.AdmissionService, APP_TOKENS.HookRunner, APP_TOKENS.Dispatcher,
      APP_TOKENS.ContextFactory, APP_TOKENS.ServerLimits, APP_TOKENS.MessageSender, APP_TOKENS.MessageRouter,
      APP_TOKENS.InboundPipeline, APP_TOKENS.HeartbeatService, APP_TOKENS.Counters, APP_TOKENS.Recovery, APP_TOKENS.ClientSequencer,
    ],
  );
}

/** The application services around the domain: delivery, contexts, stats, lifecycle, config. */
function bindApplication(c: Container, o: ResolvedOptions, recoveryStores: { redis: RedisRecoveryStores | null }): void {
  c.bind(APP_TOKENS.Messaging).toResolvedValue(
    (sender: MessageSender, clients: ClientRegistry, rooms: RoomRegistry, replier: RequestReplier, bus: ClusterBus, logger: Logger, recovery: RecoveryService, clock: Clock) =>
      new ServerMessaging(sender, clients, rooms, replier, bus, logger, recovery, clock),
    [APP_TOKENS.MessageSender, APP_TOKENS.ClientRegistry, APP_TOKENS.RoomRegistry, APP_TOKENS.RequestReplier, TOKENS.ClusterBus, TOKENS.Logger, APP_TOKENS.Recovery, TOKENS.Clock],
  );
  c.bind(APP_TOKENS.ContextFactory).toResolvedValue(
    (messaging: ServerMessaging) => new StelarContextFactory(messaging),
    [APP_TOKENS.Messaging],
  );
  c.bind(APP_TOKENS.Uptime).toResolvedValue((clock: Clock) => new Uptime(clock), [TOKENS.Clock]);
  c.bind(APP_TOKENS.Stats).toResolvedValue(
    (conns: ConnectionService<StelarContext>, uptime: Uptime) => new ServerStats(conns, uptime),
    [APP_TOKENS.ConnectionService, APP_TOKENS.Uptime],
  );
  c.bind(APP_TOKENS.LocalState).toResolvedValue(
    (clients: ClientRegistry, rooms: RoomRegistry, stats: ServerStats, messaging: ServerMessaging, conns: ConnectionService<StelarContext>) =>
      new LocalClusterState(
        clients,
        rooms,
        () => stats.numbers(),
        (id, code, reason) => messaging.disconnect(id, code, reason),
        (id) => conns.sessionTaken(id),
      ),
    [APP_TOKENS.ClientRegistry, APP_TOKENS.RoomRegistry, APP_TOKENS.Stats, APP_TOKENS.Messaging, APP_TOKENS.ConnectionService],
  );
  const allTransports = { serviceIdentifier: TOKENS.Transport, isMultiple: true, optional: true } as const;
  c.bind(APP_TOKENS.Lifecycle).toResolvedValue(
    (opts: ResolvedOptions, transports: Transport[], conns: ConnectionService<StelarContext>, clients: ClientRegistry, bus: ClusterBus, logger: Logger, state: LocalClusterState, uptime: Uptime, ops: ServerOperations, rooms: RoomRegistry) => {
      // Interest routing: the bus subscribes only to the rooms and clients this node holds.
      if (bus.interest !== undefined) {
        rooms.setInterest(bus.interest);
        clients.setInterest(bus.interest);
      }
      const cluster = {
        onDelivery: (d: ClusterDelivery) => void conns.deliverFromCluster(d),
        state,
        beforeStop: () => ops.stop(),
        // The Redis recovery stores, when bound (cluster + recovery): connected after the bus, closed after it.
        afterStart: () => recoveryStores.redis?.start() ?? Promise.resolve(),
        afterStop: () => recoveryStores.redis?.stop() ?? Promise.resolve(),
      };
      return new ServerLifecycle(opts, transports, conns, clients, bus, logger, cluster, uptime);
    },
    [APP_TOKENS.Options, allTransports, APP_TOKENS.ConnectionService, APP_TOKENS.ClientRegistry, TOKENS.ClusterBus, TOKENS.Logger, APP_TOKENS.LocalState, APP_TOKENS.Uptime, APP_TOKENS.Operations, APP_TOKENS.RoomRegistry],
  );
  c.bind(APP_TOKENS.RuntimeConfig).toResolvedValue(
    (opts: ResolvedOptions, conns: ConnectionService<StelarContext>, rooms: RoomRegistry, hooks: HookRunner, rateLimits: RateLimitPolicy, admission: AdmissionService, tracker: IIPTracker, transports: Transport[]) =>
      new RuntimeConfig(opts, { conns, rooms, hooks, rateLimits, admission, tracker, transports }),
    [APP_TOKENS.Options, APP_TOKENS.ConnectionService, APP_TOKENS.RoomRegistry, APP_TOKENS.HookRunner, APP_TOKENS.RateLimitPolicy, APP_TOKENS.AdmissionService, TOKENS.IIPTracker, allTransports],
  );
}

/**
 * After `configure`: every sugar option given must still be what its token resolves to. A
 * rebinding of the same token would otherwise silently win over the option (or lose to it).
 */
function assertSugarKept(c: Container, sugar: readonly Sugar[]): void {
  for (const s of sugar) {
    let bound: unknown;
    try {
      bound = c.get(s.token);
    } catch {
      bound = undefined; // unbound or bound twice: a conflict as well
    }
    if (bound !== s.value) {
      throw new TypeError(
        `StelarServer: option "${s.option}" and a rebinding of TOKENS.${s.tokenName} both set the same port; use one of them`,
      );
    }
  }
}
