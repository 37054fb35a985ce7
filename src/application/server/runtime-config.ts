import type { IIPTracker } from '../../ports/ip-tracker.port';
import type { Transport } from '../../ports/transport.port';
import type { ConnectionService } from '../../domain/connection.service';
import type { RoomRegistry } from '../../domain/room-registry.service';
import type { HookRunner } from '../../domain/hook-runner.service';
import type { RateLimitPolicy } from '../../domain/rate-limit-policy.service';
import type { AdmissionService } from '../../domain/admission.service';
import { MemoryIPTracker } from '../../adapters/memory/ip-tracker.adapter';
import { assertKnownOptions, validateLiveOptions } from './options-validation';
import { DEFAULTS, type ResolvedOptions, type StelarOptions } from './server-options';
import type { StelarContext } from './server-types';

/** `getConfig()`: the live configuration, with functions and instances reduced to names/flags. */
export interface StelarConfigSnapshot {
  port: number;
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
  heartbeatInterval: number;
  heartbeatTimeout: number;
  connectTimeout: number;
  gracefulShutdown: boolean;
  shutdownTimeout: number;
  healthEndpoint: string | false;
  allowedOrigins: string[] | null;
  compression: boolean;
  tls: boolean;
  trustProxy: boolean;
  cluster: boolean;
  /** Session recovery: false, or its resolved settings. */
  recovery: false | { windowMs: number; historySize: number; skipMiddleware: boolean };
  hasCustomRateLimiter: boolean;
  hasCustomIPTracker: boolean;
  hasCustomHealthHandler: boolean;
  hasCustomClientId: boolean;
  /** Names of the events with their own rate limit. */
  eventRateLimits: string[];
  /** Names of the hooks set. */
  hooks: string[];
}

interface Services {
  conns: ConnectionService<StelarContext>;
  rooms: RoomRegistry;
  hooks: HookRunner;
  rateLimits: RateLimitPolicy;
  admission: AdmissionService;
  tracker: IIPTracker;
  transports: readonly Transport[];
}

/** updateConfig()/getConfig() and the rate-limit setters, applied to the live domain services. */
export class RuntimeConfig {
  constructor(
    private readonly opts: ResolvedOptions,
    private readonly s: Services,
  ) {}

  update(partial: Partial<StelarOptions>): void {
    if (typeof partial !== 'object' || partial === null) throw new TypeError('updateConfig expects an object');
    assertKnownOptions(partial);
    validateLiveOptions(partial as Record<string, unknown>);
    const o = this.opts;
    const p = partial;
    if (p.maxConnections !== undefined) o.maxConnections = p.maxConnections;
    if (p.allowedOrigins !== undefined) o.allowedOrigins = p.allowedOrigins && p.allowedOrigins.length ? [...p.allowedOrigins] : null;
    if (p.maxConnections !== undefined || p.allowedOrigins !== undefined) {
      this.s.admission.configure({ maxConnections: o.maxConnections, allowedOrigins: o.allowedOrigins ?? [] });
    }
    if (p.maxConnectionsPerIP !== undefined) {
      o.maxConnectionsPerIP = p.maxConnectionsPerIP;
      if (this.s.tracker instanceof MemoryIPTracker) this.s.tracker.setMaxPerIp(p.maxConnectionsPerIP);
    }
    if (p.maxRooms !== undefined) o.maxRooms = p.maxRooms;
    if (p.maxRoomsPerClient !== undefined) o.maxRoomsPerClient = p.maxRoomsPerClient;
    if (p.maxRooms !== undefined || p.maxRoomsPerClient !== undefined) {
      this.s.rooms.setLimits({ maxRooms: o.maxRooms, maxRoomsPerClient: o.maxRoomsPerClient });
    }
    if (p.rateLimit !== undefined) {
      o.rateLimit =
        p.rateLimit === false
          ? false
          : { maxPoints: p.rateLimit.maxPoints ?? (o.rateLimit ? o.rateLimit.maxPoints : DEFAULTS.rateLimit.maxPoints), windowMs: p.rateLimit.windowMs ?? (o.rateLimit ? o.rateLimit.windowMs : DEFAULTS.rateLimit.windowMs) };
      this.s.rateLimits.configure({ rateLimit: o.rateLimit });
    }
    if (p.eventRateLimits !== undefined) {
      o.eventRateLimits = { ...p.eventRateLimits };
      this.s.rateLimits.configure({ eventRateLimits: o.eventRateLimits });
    }
    if ('customRateLimiter' in p) {
      o.customRateLimiter = p.customRateLimiter;
      this.s.rateLimits.configure({ customRateLimiter: p.customRateLimiter });
    }
    if (p.hooks !== undefined) {
      o.hooks = { ...o.hooks, ...p.hooks };
      this.s.hooks.update(p.hooks);
    }
    const limits: Record<string, number> = {};
    for (const k of ['maxPayloadSize', 'heartbeatInterval', 'heartbeatTimeout', 'connectTimeout', 'maxBufferedBytes', 'maxRequestsInFlight'] as const) {
      const v = p[k];
      if (v !== undefined) {
        o[k] = v;
        limits[k] = v;
      }
    }
    if (Object.keys(limits).length) this.s.conns.updateLimits(limits);
    if (p.maxPayloadSize !== undefined) {
      // Frames must be able to carry the largest message (plus its envelope).
      o.maxFrameSize = Math.max(o.maxFrameSize, p.maxPayloadSize + 1024);
      for (const t of this.s.transports) t.updateLimits?.({ maxPayloadSize: o.maxPayloadSize, maxFrameSize: o.maxFrameSize });
    }
    if (p.shutdownTimeout !== undefined) o.shutdownTimeout = p.shutdownTimeout;
    if (p.healthEndpoint !== undefined) o.healthEndpoint = p.healthEndpoint;
    if (p.customHealthHandler !== undefined) o.customHealthHandler = p.customHealthHandler;
  }

  snapshot(): StelarConfigSnapshot {
    const o = this.opts;
    return {
      port: o.port,
      namespace: o.namespace,
      tcpPort: o.tcpPort,
      maxConnections: o.maxConnections,
      maxConnectionsPerIP: o.maxConnectionsPerIP,
      maxRooms: o.maxRooms,
      maxRoomsPerClient: o.maxRoomsPerClient,
      maxPayloadSize: o.maxPayloadSize,
      maxFrameSize: o.maxFrameSize,
      maxBufferedBytes: o.maxBufferedBytes,
      maxRequestsInFlight: o.maxRequestsInFlight,
      rateLimit: o.rateLimit === false ? false : { ...o.rateLimit },
      heartbeatInterval: o.heartbeatInterval,
      heartbeatTimeout: o.heartbeatTimeout,
      connectTimeout: o.connectTimeout,
      gracefulShutdown: o.gracefulShutdown,
      shutdownTimeout: o.shutdownTimeout,
      healthEndpoint: o.healthEndpoint,
      allowedOrigins: o.allowedOrigins ? [...o.allowedOrigins] : null,
      compression: o.compression,
      tls: o.tls !== undefined,
      trustProxy: o.trustProxy,
      cluster: o.cluster !== undefined,
      recovery: o.recovery.enabled
        ? { windowMs: o.recovery.windowMs, historySize: o.recovery.historySize, skipMiddleware: o.recovery.skipMiddleware }
        : false,
      hasCustomRateLimiter: o.customRateLimiter !== undefined,
      hasCustomIPTracker: o.customIPTracker !== undefined,
      hasCustomHealthHandler: o.customHealthHandler !== undefined,
      hasCustomClientId: o.generateClientId !== undefined,
      eventRateLimits: Object.keys(o.eventRateLimits),
      hooks: this.s.hooks.names(),
    };
  }

  setEventRateLimit(event: string, limit: { maxPoints: number; windowMs: number }): void {
    validateLiveOptions({ eventRateLimits: { [event]: limit } });
    this.opts.eventRateLimits[event] = { ...limit };
    this.s.rateLimits.setEventLimit(event, limit);
  }

  removeEventRateLimit(event: string): void {
    delete this.opts.eventRateLimits[event];
    this.s.rateLimits.removeEventLimit(event);
  }

  setClientRateLimit(clientId: string, limit: { maxPoints: number; windowMs: number }): void {
    validateLiveOptions({ rateLimit: limit });
    this.s.rateLimits.setClientLimit(clientId, limit);
  }

  removeClientRateLimit(clientId: string): void {
    this.s.rateLimits.removeClientLimit(clientId);
  }
}
