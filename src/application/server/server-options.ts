import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { TlsOptions } from 'node:tls';
import type { IRateLimiter } from '../../ports/rate-limiter.port';
import type { IIPTracker } from '../../ports/ip-tracker.port';
import type { Logger, LogLevel } from '../../ports/logger.port';
import type { StelarHooks } from '../../domain/hooks.types';
import type { StelarStats } from './server-types';

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
}

/** Constructor options for `new StelarServer(options)`. All fields are optional. */
export interface StelarOptions {
  // Connection
  /** HTTP/WebSocket port. Default 3000; 0 picks an ephemeral port. */
  port?: number;
  /** Host to bind. Default: all interfaces. */
  host?: string;
  /** Attach to an existing HTTP(S) server instead of creating one. */
  server?: HttpServer;
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

  // Rate limiting
  rateLimit?: RateLimitConfig | false;
  eventRateLimits?: EventRateLimits;
  customRateLimiter?: IRateLimiter;

  // Timeouts
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
  connectTimeout?: number;

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
}

/** Options after defaults are applied. */
export interface ResolvedOptions {
  port: number;
  host: string | undefined;
  server: HttpServer | undefined;
  namespace: string;
  tcpPort: number | false;
  maxConnections: number;
  maxConnectionsPerIP: number;
  maxRooms: number;
  maxRoomsPerClient: number;
  maxPayloadSize: number;
  maxFrameSize: number;
  maxBufferedBytes: number;
  rateLimit: { maxPoints: number; windowMs: number } | false;
  eventRateLimits: EventRateLimits;
  customRateLimiter: IRateLimiter | undefined;
  heartbeatInterval: number;
  heartbeatTimeout: number;
  connectTimeout: number;
  gracefulShutdown: boolean;
  shutdownTimeout: number;
  onShutdownComplete: ((signal: NodeJS.Signals) => void) | undefined;
  healthEndpoint: string | false;
  customHealthHandler: StelarOptions['customHealthHandler'];
  allowedOrigins: string[] | null;
  tls: TlsOptions | undefined;
  trustProxy: boolean;
  logger: Logger | LogLevel | false;
  customIPTracker: IIPTracker | undefined;
  generateClientId: (() => string) | undefined;
  hooks: StelarHooks;
  compression: boolean;
  cluster: ClusterOptions | undefined;
}

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
  rateLimit: { maxPoints: 100, windowMs: 1000 },
  heartbeatInterval: 30_000,
  heartbeatTimeout: 60_000,
  connectTimeout: 10_000,
  shutdownTimeout: 10_000,
  healthEndpoint: '/health',
} as const;
