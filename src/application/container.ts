import 'reflect-metadata';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Container } from 'inversify';
import type { ResolutionContext } from 'inversify';
import { TOKENS } from '../ports';
import type { Clock } from '../ports/clock.port';
import type { Logger } from '../ports/logger.port';
import type { IIPTracker } from '../ports/ip-tracker.port';
import type { IRateLimiter, RateLimiterFactory } from '../ports/rate-limiter.port';
import type { MessageCodec } from '../ports/message-codec.port';
import type { IdGenerator } from '../ports/id-generator.port';
import type { Transport } from '../ports/transport.port';
import type { ClusterBus } from '../ports/cluster-bus.port';
import { SystemClock } from '../adapters/memory/system-clock.adapter';
import { TokenBucketRateLimiterFactory } from '../adapters/memory/token-bucket-rate-limiter.factory';
import { MemoryIPTracker } from '../adapters/memory/ip-tracker.adapter';
import { FunctionIdGenerator, UuidIdGenerator } from '../adapters/memory/uuid-id-generator.adapter';
import { MemoryClusterBus } from '../adapters/memory/memory-cluster-bus.adapter';
import { WsJsonCodec } from '../adapters/codec/ws-json.codec';
import { TcpBinaryCodec } from '../adapters/codec/tcp-binary.codec';
import { WsServerTransport } from '../adapters/websocket/ws-server-transport';
import { TcpServerTransport } from '../adapters/tcp/tcp-server-transport';
import { ClientRegistry } from '../domain/client-registry.service';
import { RoomRegistry } from '../domain/room-registry.service';
import { HookRunner } from '../domain/hook-runner.service';
import { RateLimitPolicy } from '../domain/rate-limit-policy.service';
import { AdmissionService } from '../domain/admission.service';
import { Dispatcher } from '../domain/dispatcher.service';
import { ConnectionService } from '../domain/connection.service';
import type { ServerLimits } from '../domain/server-limits';
import { APP_TOKENS } from './server/app-tokens';
import { createLogger } from './server/logger.factory';
import { StelarContextFactory } from './server/stelar-context';
import type { ResolvedOptions } from './server/server-options';
import type { StelarContext } from './server/server-types';
import { createClusterBus } from './server/cluster-bus.factory';
import { HttpRequestHook } from './server/http-request-hook';

/** How a user customises the wiring: runs after the defaults are bound, before any resolution. */
export type ContainerConfigurer = (container: Container) => void;

/**
 * The composition root. Binds every port to its default adapter (in-memory stores, the raw
 * WebSocket and TCP transports, the single-node cluster bus) and assembles the domain services.
 * `configure` may `rebind` any token (e.g. `TOKENS.IRateLimiter` to a Redis limiter) before the
 * first `get`: a singleton resolved earlier would keep its old dependencies.
 */
export function createStelarContainer(options: ResolvedOptions, configure?: ContainerConfigurer): Container {
  const c = new Container({ defaultScope: 'Singleton' });
  const o = options;

  // ---- ports → adapters
  c.bind(APP_TOKENS.Options).toConstantValue(o);
  c.bind<Clock>(TOKENS.Clock).toResolvedValue(() => new SystemClock());
  c.bind<Logger>(TOKENS.Logger).toResolvedValue(() => createLogger(o.logger));
  c.bind<IdGenerator>(TOKENS.IdGenerator).toResolvedValue(() =>
    o.generateClientId ? new FunctionIdGenerator(o.generateClientId) : new UuidIdGenerator(),
  );
  c.bind<RateLimiterFactory>(TOKENS.RateLimiterFactory).toResolvedValue(
    (clock: Clock) => new TokenBucketRateLimiterFactory(clock),
    [TOKENS.Clock],
  );
  if (o.customRateLimiter) c.bind<IRateLimiter>(TOKENS.IRateLimiter).toConstantValue(o.customRateLimiter);
  c.bind<IIPTracker>(TOKENS.IIPTracker).toResolvedValue(
    () => o.customIPTracker ?? new MemoryIPTracker(o.maxConnectionsPerIP),
  );
  c.bind<MessageCodec>(TOKENS.WsCodec).toResolvedValue(() => new WsJsonCodec());
  c.bind<MessageCodec>(TOKENS.TcpCodec).toResolvedValue(() => new TcpBinaryCodec());
  c.bind<ClusterBus>(TOKENS.ClusterBus).toResolvedValue(
    (logger: Logger) => (o.cluster ? createClusterBus(o.cluster, logger) : new MemoryClusterBus()),
    [TOKENS.Logger],
  );
  c.bind(APP_TOKENS.HttpRequestHook).toResolvedValue(() => new HttpRequestHook());
  c.bind<Transport[]>(TOKENS.Transports).toResolvedValue(
    (hook: HttpRequestHook) => createTransports(o, hook.handle),
    [APP_TOKENS.HttpRequestHook],
  );

  // ---- domain services
  c.bind<ServerLimits>(APP_TOKENS.ServerLimits).toResolvedValue(() => ({
    maxPayloadSize: o.maxPayloadSize,
    heartbeatInterval: o.heartbeatInterval,
    heartbeatTimeout: o.heartbeatTimeout,
    connectTimeout: o.connectTimeout,
    maxBufferedBytes: o.maxBufferedBytes,
  }));
  c.bind(APP_TOKENS.ClientRegistry).toResolvedValue(() => new ClientRegistry());
  c.bind(APP_TOKENS.HookRunner).toResolvedValue((logger: Logger) => new HookRunner(logger, o.hooks), [TOKENS.Logger]);
  c.bind(APP_TOKENS.RoomRegistry).toResolvedValue(
    (hooks: HookRunner) => new RoomRegistry(hooks, { maxRooms: o.maxRooms, maxRoomsPerClient: o.maxRoomsPerClient }),
    [APP_TOKENS.HookRunner],
  );
  c.bind(APP_TOKENS.RateLimitPolicy).toDynamicValue(
    (ctx: ResolutionContext) =>
      new RateLimitPolicy(ctx.get<RateLimiterFactory>(TOKENS.RateLimiterFactory), {
        rateLimit: o.rateLimit,
        eventRateLimits: o.eventRateLimits,
        customRateLimiter: ctx.get<IRateLimiter>(TOKENS.IRateLimiter, { optional: true }),
      }),
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
  c.bind(APP_TOKENS.ContextFactory).toResolvedValue(() => new StelarContextFactory());
  c.bind(APP_TOKENS.ConnectionService).toDynamicValue(
    (ctx: ResolutionContext) =>
      new ConnectionService<StelarContext>({
        codecs: { ws: ctx.get<MessageCodec>(TOKENS.WsCodec), tcp: ctx.get<MessageCodec>(TOKENS.TcpCodec) },
        clock: ctx.get(TOKENS.Clock),
        ids: ctx.get(TOKENS.IdGenerator),
        logger: ctx.get(TOKENS.Logger),
        clients: ctx.get(APP_TOKENS.ClientRegistry),
        rooms: ctx.get(APP_TOKENS.RoomRegistry),
        rateLimits: ctx.get(APP_TOKENS.RateLimitPolicy),
        admission: ctx.get(APP_TOKENS.AdmissionService),
        hooks: ctx.get(APP_TOKENS.HookRunner),
        dispatcher: ctx.get(APP_TOKENS.Dispatcher),
        contexts: ctx.get(APP_TOKENS.ContextFactory),
        limits: ctx.get(APP_TOKENS.ServerLimits),
      }),
  );

  configure?.(c);
  return c;
}

/** The transports the options ask for: WebSocket always, TCP when `tcpPort` is a number. */
export function createTransports(
  o: ResolvedOptions,
  httpHandler?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Transport[] {
  const transports: Transport[] = [
    new WsServerTransport({
      port: o.port,
      host: o.host,
      server: o.server,
      path: o.namespace,
      tls: o.tls,
      maxPayloadSize: o.maxPayloadSize,
      maxFrameSize: o.maxFrameSize,
      compression: o.compression,
      connectTimeout: o.connectTimeout,
      trustProxy: o.trustProxy,
      maxBufferedBytes: o.maxBufferedBytes,
      httpHandler,
    }),
  ];
  if (o.tcpPort !== false) {
    transports.push(
      new TcpServerTransport({
        port: o.tcpPort,
        host: o.host,
        tls: o.tls ?? null,
        maxFrameSize: o.maxFrameSize,
        maxPayloadSize: o.maxPayloadSize,
        connectTimeout: o.connectTimeout,
        maxBufferedBytes: o.maxBufferedBytes,
      }),
    );
  }
  return transports;
}
