import type { Clock } from '../ports/clock.port';
import type { IdGenerator } from '../ports/id-generator.port';
import type { IIPTracker } from '../ports/ip-tracker.port';
import type { Logger } from '../ports/logger.port';
import type { RateLimiterFactory } from '../ports/rate-limiter.port';
import { AdmissionService } from './admission.service';
import { ClientRegistry } from './client-registry.service';
import { ConnectionService } from './connection.service';
import type { ContextFactory, HandlerContext } from './context.types';
import { Dispatcher } from './dispatcher.service';
import { HookRunner } from './hook-runner.service';
import type { StelarHooks } from './hooks.types';
import { LocalClusterState } from './local-cluster-state';
import { RateLimitPolicy, type RateLimitOptions } from './rate-limit-policy.service';
import { RoomRegistry } from './room-registry.service';
import { DEFAULT_SERVER_LIMITS, type CodecMap, type ServerLimits } from './server-limits';

/** The ports the domain needs. */
export interface DomainPorts<C extends HandlerContext = HandlerContext> {
  readonly codecs: CodecMap;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly logger: Logger;
  readonly tracker: IIPTracker;
  readonly limiterFactory: RateLimiterFactory;
  /** May also be installed later with `connections.setContextFactory`. */
  readonly contexts?: ContextFactory<C>;
}

/** The domain part of the server options (defaults as in the public StelarOptions). */
export interface DomainOptions extends RateLimitOptions {
  maxConnections?: number;
  allowedOrigins?: readonly string[];
  maxRooms?: number;
  maxRoomsPerClient?: number;
  hooks?: StelarHooks;
  limits?: Partial<ServerLimits>;
}

/** Every domain service, wired together. */
export interface DomainServices<C extends HandlerContext = HandlerContext> {
  readonly clients: ClientRegistry;
  readonly rooms: RoomRegistry;
  readonly hooks: HookRunner;
  readonly rateLimits: RateLimitPolicy;
  readonly admission: AdmissionService;
  readonly dispatcher: Dispatcher<C>;
  readonly connections: ConnectionService<C>;
  /** This node's state for the ClusterBus (`bus.start(onDelivery, clusterState)`). */
  readonly clusterState: LocalClusterState;
  /** The live limits object the connection service reads. */
  readonly limits: ServerLimits;
}

/**
 * Builds and wires every domain service in the one correct order. The composition root may
 * call this from a single container binding, or wire the classes itself.
 */
export function createDomainServices<C extends HandlerContext = HandlerContext>(
  ports: DomainPorts<C>,
  options: DomainOptions = {},
): DomainServices<C> {
  const { codecs, clock, ids, logger } = ports;
  const limits: ServerLimits = { ...DEFAULT_SERVER_LIMITS, ...stripUndefined(options.limits ?? {}) };
  const clients = new ClientRegistry();
  const hooks = new HookRunner(logger, options.hooks ?? {});
  const rooms = new RoomRegistry(hooks, {
    maxRooms: options.maxRooms ?? 10_000,
    maxRoomsPerClient: options.maxRoomsPerClient ?? 50,
  });
  const rateLimits = new RateLimitPolicy(ports.limiterFactory, {
    rateLimit: options.rateLimit,
    eventRateLimits: options.eventRateLimits,
    ...('customRateLimiter' in options ? { customRateLimiter: options.customRateLimiter } : {}),
  });
  const admission = new AdmissionService(clients, ports.tracker, hooks, logger, {
    maxConnections: options.maxConnections ?? 10_000,
    allowedOrigins: options.allowedOrigins,
  });
  const dispatcher = new Dispatcher<C>(clock, logger);
  const connections = new ConnectionService<C>({
    codecs, clock, ids, logger, clients, rooms, rateLimits, admission, hooks, dispatcher, contexts: ports.contexts, limits,
  });
  const clusterState = new LocalClusterState(clients, rooms, () => connections.stats());
  return { clients, rooms, hooks, rateLimits, admission, dispatcher, connections, clusterState, limits };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
