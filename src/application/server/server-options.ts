import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { TlsOptions } from 'node:tls';
import type { IRateLimiter } from '../../ports/rate-limiter.port';
import type { IIPTracker } from '../../ports/ip-tracker.port';
import type { Logger, LogLevel } from '../../ports/logger.port';
import type { StelarHooks } from '../../domain/hooks.types';
import type { StelarStats } from './server-types';
import type { RecoveryConfig, RecoveryOption } from '../../domain/recovery/recovery-config';
import type {
  DashboardOptions,
  MetricsOptions,
  ResolvedDashboardOptions,
  ResolvedMetricsOptions,
} from './operations/operations-options';
export type { DashboardOptions, MetricsOptions, HttpAuth } from './operations/operations-options';

import type { EventRateLimits } from '../../domain/rate-limit-policy.service';
/** Per-event rate limits: event name → token bucket (`{ maxPoints, windowMs }`). */
export type { EventRateLimits };

/** A token bucket: `maxPoints` messages per `windowMs`. */
export interface RateLimitConfig {
  maxPoints?: number;
  windowMs?: number;
}

/** Redis clustering (see docs/CLUSTER.md). */
export interface ClusterOptions {
  /** `redis://host:port` or ioredis options; a list of them is a Redis Cluster's startup nodes. */
  redis: string | Record<string, unknown> | readonly (string | Record<string, unknown>)[];
  /** Sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis ≥ 7): a room's traffic stays on its shard. */
  sharded?: boolean;
  /** Key and channel prefix. Default 'stelar'. */
  prefix?: string;
  /** Cluster-wide query timeout in ms. Default 1000. */
  queryTimeoutMs?: number;
  /** This node's id (unique in the cluster). Default `<hostname>-<pid>-<random>`. */
  nodeId?: string;
  /** Presence refresh interval in ms. Default 5000. */
  heartbeatMs?: number;
  /** Presence key TTL in ms (> heartbeatMs). Default 3 × heartbeatMs. */
  nodeTtlMs?: number;
  /** Most deliveries held while Redis is away or slow (oldest dropped first). Default 10000. */
  outboundQueueMax?: number;
  /** Most payload bytes held in that queue. Default 8 MiB. */
  outboundQueueBytes?: number;
  /** A held delivery older than this is dropped instead of sent late. Default 10000 ms. */
  outboundMaxAgeMs?: number;
  /** Most publishes awaiting Redis's reply before new ones are held. Default 1000. */
  maxInFlight?: number;
  /** Redis silent this long with commands pending: the link is reconnected. Default 3000 ms. */
  stallTimeoutMs?: number;
  /** Longest a join confirmation waits for the room's subscription. Default 2000 ms. */
  subscribeWaitMs?: number;
  /** Most deliveries to one room packed into one Redis publish per event-loop turn (1 = no batching). Default 64. */
  publishBatchMax?: number;
  /** Most bytes of one such batch. Default 64 KiB. */
  publishBatchBytes?: number;
}

/** Every key of the `cluster` option (passed to the Redis cluster bus, docs/CLUSTER.md). */
export const CLUSTER_OPTIONS: { readonly [K in keyof ClusterOptions]-?: true } = {
  redis: true,
  prefix: true,
  queryTimeoutMs: true,
  nodeId: true,
  heartbeatMs: true,
  nodeTtlMs: true,
  sharded: true,
  outboundQueueMax: true,
  outboundQueueBytes: true,
  outboundMaxAgeMs: true,
  maxInFlight: true,
  stallTimeoutMs: true,
  subscribeWaitMs: true,
  publishBatchMax: true,
  publishBatchBytes: true,
};

/** Constructor options for `new StelarServer(options)`. All fields are optional. */
export interface StelarOptions {
  // Connection
  /** HTTP/WebSocket port. Default 3000; 0 picks an ephemeral port. */
  port?: number;
  /** Host to bind. Default: all interfaces. */
  host?: string;
  /** Attach to an existing HTTP(S) server instead of creating one. */
  server?: HttpServer;
  /**
   * Who parses HTTP request heads on a port Stelar owns (no `server`): `'stelar'` (default) a raw
   * net/tls listener with Stelar's strict, bounded HTTP/1.1 head parser; `'node'` Node's
   * http/https server. Ignored with `server` (a user's server always uses Node's parser).
   */
  httpParser?: 'stelar' | 'node';
  /** WebSocket path namespace. Default '/'. */
  namespace?: string;
  /** TCP port (false = disabled). Default false. */
  tcpPort?: number | false;

  // Limits
  maxConnections?: number;
  maxConnectionsPerIP?: number;
  maxRooms?: number;
  maxRoomsPerClient?: number;
  /** Largest inbound message body in bytes. Default 10 MiB. */
  maxPayloadSize?: number;
  /** Largest single frame in bytes. Default 10 MiB. */
  maxFrameSize?: number;
  /** Per-connection send-buffer cap before the slow-consumer policy applies. Default 4 MiB. */
  maxBufferedBytes?: number;
  /**
   * Requests one connection may have in flight (handlers not done); one more is answered with
   * STELAR_ERR_TOO_MANY_REQUESTS and its handler not run. Default 1024.
   */
  maxRequestsInFlight?: number;

  // Rate limiting
  rateLimit?: RateLimitConfig | false;
  eventRateLimits?: EventRateLimits;
  customRateLimiter?: IRateLimiter;

  // Timeouts
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
  connectTimeout?: number;

  // Reconnect storms (docs/API.md, "Admission under load")
  /** Listen backlog of the listeners Stelar creates (capped by the kernel's somaxconn). Default 4096. */
  listenBacklog?: number;
  /** Most handshakes in progress per listener and stage before new sockets are shed (503 + Retry-After / TCP refusal). Default 1024. */
  maxPendingHandshakes?: number;
  /** Shed new handshakes while the event-loop lag is above this many ms; 0 never. Default 200. */
  shedLagMs?: number;
  /** The retry hint (ms) a shed socket gets; `Retry-After` is it in whole seconds. Default 1000. */
  shedRetryAfter?: number;

  // Operations
  gracefulShutdown?: boolean;
  shutdownTimeout?: number;
  /** Called after a signal-triggered shutdown instead of `process.exit(0)`. */
  onShutdownComplete?: (signal: NodeJS.Signals) => void;
  healthEndpoint?: string | false;
  customHealthHandler?: (req: IncomingMessage, res: ServerResponse, stats: StelarStats) => void;

  // Security
  allowedOrigins?: string[] | null;
  tls?: TlsOptions;
  /** Honour X-Forwarded-For for remoteAddress and per-IP limits. Default false. */
  trustProxy?: boolean;

  // Logging
  logger?: Logger | LogLevel | false;

  // Extensibility
  customIPTracker?: IIPTracker;
  generateClientId?: () => string;
  hooks?: StelarHooks;
  /** permessage-deflate. Default false. */
  compression?: boolean;
  /** Several nodes behind one Redis. */
  cluster?: ClusterOptions;
  /**
   * Session recovery (docs/API.md, "Session recovery"): `false` (default), `true`, or
   * `{ windowMs = 120000, historySize = 1000, skipMiddleware = false }`. Single node in phase 1.
   */
  recovery?: RecoveryOption;

  // Operations surface (docs/OPERATIONS.md)
  /** Prometheus metrics on `/metrics` (needs the `prom-client` peer dependency). Default false. */
  metrics?: boolean | MetricsOptions;
  /** The built-in live dashboard on `/stelar`; `auth` is required. Default off. */
  dashboard?: DashboardOptions | false;
}

/**
 * When an option takes effect: `'live'` options can also be changed by `updateConfig`;
 * `'construction'` ones are read once (updateConfig ignores them, as docs/API.md says).
 */
export type OptionPhase = 'live' | 'construction';

/**
 * Every server option, once (the compiler keeps this in step with {@link StelarOptions}: a new
 * option is one entry here). The constructor and `updateConfig` refuse any other key, with a
 * "did you mean" suggestion.
 */
export const SERVER_OPTIONS: { readonly [K in keyof StelarOptions]-?: OptionPhase } = {
  port: 'construction',
  host: 'construction',
  server: 'construction',
  namespace: 'construction',
  tcpPort: 'construction',
  maxConnections: 'live',
  maxConnectionsPerIP: 'live',
  maxRooms: 'live',
  maxRoomsPerClient: 'live',
  maxPayloadSize: 'live',
  maxFrameSize: 'construction',
  maxBufferedBytes: 'live',
  maxRequestsInFlight: 'live',
  rateLimit: 'live',
  eventRateLimits: 'live',
  customRateLimiter: 'live',
  heartbeatInterval: 'live',
  heartbeatTimeout: 'live',
  connectTimeout: 'live',
  listenBacklog: 'construction',
  maxPendingHandshakes: 'construction',
  shedLagMs: 'construction',
  shedRetryAfter: 'construction',
  gracefulShutdown: 'construction',
  shutdownTimeout: 'live',
  onShutdownComplete: 'construction',
  healthEndpoint: 'live',
  customHealthHandler: 'live',
  allowedOrigins: 'live',
  tls: 'construction',
  trustProxy: 'construction',
  logger: 'construction',
  customIPTracker: 'construction',
  generateClientId: 'construction',
  hooks: 'live',
  compression: 'construction',
  httpParser: 'construction',
  cluster: 'construction',
  recovery: 'construction',
  metrics: 'construction',
  dashboard: 'construction',
};

/** Options after defaults are applied. */
export interface ResolvedOptions {
  port: number;
  host: string | undefined;
  server: HttpServer | undefined;
  httpParser: 'stelar' | 'node';
  namespace: string;
  tcpPort: number | false;
  maxConnections: number;
  maxConnectionsPerIP: number;
  maxRooms: number;
  maxRoomsPerClient: number;
  maxPayloadSize: number;
  maxFrameSize: number;
  maxBufferedBytes: number;
  maxRequestsInFlight: number;
  rateLimit: { maxPoints: number; windowMs: number } | false;
  eventRateLimits: EventRateLimits;
  customRateLimiter: IRateLimiter | undefined;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  connectTimeout: number;
  listenBacklog: number;
  maxPendingHandshakes: number;
  shedLagMs: number;
  shedRetryAfter: number;
  gracefulShutdown: boolean;
  shutdownTimeout: number;
  onShutdownComplete: ((signal: NodeJS.Signals) => void) | undefined;
  healthEndpoint: string | false;
  customHealthHandler: StelarOptions['customHealthHandler'];
  allowedOrigins: string[] | null;
  tls: TlsOptions | undefined;
  trustProxy: boolean;
  /** As given: undefined means `DEFAULTS.logger`, so a rebinding of TOKENS.Logger is not a conflict. */
  logger: Logger | LogLevel | false | undefined;
  customIPTracker: IIPTracker | undefined;
  generateClientId: (() => string) | undefined;
  hooks: StelarHooks;
  compression: boolean;
  cluster: ClusterOptions | undefined;
  recovery: RecoveryConfig;
  metrics: ResolvedMetricsOptions | false;
  dashboard: ResolvedDashboardOptions | false;
}

/**
 * The one table of server defaults. `resolveOptions` applies them; the container passes the
 * resolved values to every service and transport (whose own fallbacks apply only when an
 * adapter is used on its own).
 */
export const DEFAULTS = {
  port: 3000,
  namespace: '/',
  maxConnections: 10_000,
  maxConnectionsPerIP: 50,
  maxRooms: 10_000,
  maxRoomsPerClient: 50,
  maxPayloadSize: 10 * 1024 * 1024,
  maxFrameSize: 10 * 1024 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxRequestsInFlight: 1024,
  rateLimit: { maxPoints: 100, windowMs: 1000 },
  heartbeatInterval: 30_000,
  heartbeatTimeout: 60_000,
  connectTimeout: 10_000,
  listenBacklog: 4096,
  maxPendingHandshakes: 1024,
  shedLagMs: 200,
  shedRetryAfter: 1000,
  shutdownTimeout: 10_000,
  healthEndpoint: '/health',
  logger: 'info',
} as const;

/**
 * The default health path when Stelar is attached to the user's server (`server` option): under
 * `/stelar/` so it never shadows the app's own `/health` route (`/stelar/health` for the root
 * namespace, `/stelar/chat/health` for `/chat`). An explicit `healthEndpoint` is used as given.
 */
export function sharedServerHealthPath(namespace: string): string {
  let ns = namespace;
  while (ns.length > 1 && ns.endsWith('/')) ns = ns.slice(0, -1);
  return `/stelar${ns === '/' ? '' : ns}/health`;
}
