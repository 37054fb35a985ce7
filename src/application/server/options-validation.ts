import { resolveDashboardOption, resolveMetricsOption } from './operations/operations-options';
import { STELAR_HOOK_NAMES } from '../../domain/hooks.types';
import { CLUSTER_OPTIONS, DEFAULTS, SERVER_OPTIONS, sharedServerHealthPath, type ResolvedOptions, type StelarOptions, type RateLimitConfig } from './server-options';
import { assertKnownKeys, unknownNameMessage } from '../unknown-options';
import { resolveRecovery } from '../../domain/recovery/recovery-config';
import { MAX_REQUESTS_IN_FLIGHT } from '../../domain/client-record';

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error', 'silent']);
const HOOK_NAMES: ReadonlySet<string> = new Set(STELAR_HOOK_NAMES);
const OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(SERVER_OPTIONS));
const CLUSTER_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(CLUSTER_OPTIONS));

/** Throws `StelarServer: unknown option "prot" (did you mean "port"?)` for a key no option has. */
export function assertKnownOptions(o: object): void {
  assertKnownKeys('StelarServer', 'option', o, OPTION_NAMES);
}

function fail(name: string, expected: string, got: unknown): never {
  throw new TypeError(`StelarServer: option "${name}" must be ${expected} (got ${describe(got)})`);
}

/** `recovery`, resolved; its errors are prefixed like the other options'. */
function recoveryOption(value: unknown): ReturnType<typeof resolveRecovery> {
  try {
    return resolveRecovery(value);
  } catch (err) {
    const e = err as Error;
    throw new (e instanceof RangeError ? RangeError : TypeError)(`StelarServer: option ${e.message}`);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v == null) return String(v);
  return typeof v;
}

function int(o: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  const v = o[name];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(name, `an integer between ${min} and ${max}`, v);
  }
}

function bucket(name: string, v: unknown, partial: boolean): void {
  if (typeof v !== 'object' || v === null) fail(name, 'an object { maxPoints, windowMs }', v);
  const b = v as RateLimitConfig;
  for (const k of ['maxPoints', 'windowMs'] as const) {
    const n = b[k];
    if (n === undefined && partial) continue;
    if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) fail(`${name}.${k}`, 'a positive number', n);
  }
}

function fn(o: Record<string, unknown>, name: string): void {
  if (o[name] !== undefined && typeof o[name] !== 'function') fail(name, 'a function', o[name]);
}

/** Validates the parts of options that may change at runtime (also used by updateConfig). */
export function validateLiveOptions(o: Record<string, unknown>): void {
  int(o, 'maxConnections', 0);
  int(o, 'maxConnectionsPerIP', 1);
  int(o, 'maxRooms', 0);
  int(o, 'maxRoomsPerClient', 0);
  int(o, 'maxPayloadSize', 1, 2 ** 32 - 1);
  int(o, 'maxBufferedBytes', 1024);
  int(o, 'maxRequestsInFlight', 1, MAX_REQUESTS_IN_FLIGHT);
  int(o, 'heartbeatInterval', 1);
  int(o, 'heartbeatTimeout', 1);
  int(o, 'connectTimeout', 1);
  int(o, 'shutdownTimeout', 0);
  if (o.rateLimit !== undefined && o.rateLimit !== false) bucket('rateLimit', o.rateLimit, true);
  if (o.eventRateLimits !== undefined) {
    if (typeof o.eventRateLimits !== 'object' || o.eventRateLimits === null) {
      fail('eventRateLimits', 'an object of { maxPoints, windowMs }', o.eventRateLimits);
    }
    for (const [k, v] of Object.entries(o.eventRateLimits)) bucket(`eventRateLimits.${k}`, v, false);
  }
  if (o.allowedOrigins !== undefined && o.allowedOrigins !== null) {
    if (!Array.isArray(o.allowedOrigins) || o.allowedOrigins.some((x) => typeof x !== 'string')) {
      fail('allowedOrigins', 'an array of origin strings or null', o.allowedOrigins);
    }
  }
  if (o.healthEndpoint !== undefined && o.healthEndpoint !== false) {
    if (typeof o.healthEndpoint !== 'string' || !o.healthEndpoint.startsWith('/')) {
      fail('healthEndpoint', 'a path starting with "/" or false', o.healthEndpoint);
    }
  }
  fn(o, 'customHealthHandler');
  if (o.hooks !== undefined) {
    if (typeof o.hooks !== 'object' || o.hooks === null) fail('hooks', 'an object', o.hooks);
    for (const [k, v] of Object.entries(o.hooks)) {
      if (!HOOK_NAMES.has(k)) throw new TypeError(`StelarServer: ${unknownNameMessage('hook', k, [...HOOK_NAMES])}`);
      if (v !== undefined && typeof v !== 'function') fail(`hooks.${k}`, 'a function', v);
    }
  }
}

/** Applies documented defaults and throws a clear TypeError for any invalid value. */
export function resolveOptions(input: StelarOptions = {}): ResolvedOptions {
  if (typeof input !== 'object' || input === null) fail('options', 'an object', input);
  const o = input as Record<string, unknown>;
  assertKnownOptions(o);
  int(o, 'port', 0, 65535);
  if (o.tcpPort !== undefined && o.tcpPort !== false) int(o, 'tcpPort', 0, 65535);
  int(o, 'maxFrameSize', 14, 2 ** 32 - 1);
  int(o, 'listenBacklog', 1, 65535);
  int(o, 'maxPendingHandshakes', 1);
  int(o, 'shedLagMs', 0);
  int(o, 'shedRetryAfter', 1, 3_600_000);
  validateLiveOptions(o);
  if (o.namespace !== undefined && (typeof o.namespace !== 'string' || !o.namespace.startsWith('/'))) {
    fail('namespace', 'a path starting with "/"', o.namespace);
  }
  if (o.server !== undefined && (typeof o.server !== 'object' || typeof (o.server as { on?: unknown }).on !== 'function')) {
    fail('server', 'an http.Server or https.Server', o.server);
  }
  if (o.httpParser !== undefined && o.httpParser !== 'stelar' && o.httpParser !== 'node') fail('httpParser', "'stelar' or 'node'", o.httpParser);
  if (o.tls !== undefined && (typeof o.tls !== 'object' || o.tls === null)) fail('tls', 'TLS options', o.tls);
  if (o.logger !== undefined && o.logger !== false) {
    const l = o.logger;
    const isLogger = typeof l === 'object' && l !== null && ['debug', 'info', 'warn', 'error'].every((m) => typeof (l as Record<string, unknown>)[m] === 'function');
    if (!isLogger && !(typeof l === 'string' && LOG_LEVELS.has(l))) {
      fail('logger', "a level ('debug'|'info'|'warn'|'error'|'silent'), a Logger or false", l);
    }
  }
  for (const k of ['generateClientId', 'onShutdownComplete']) fn(o, k);
  for (const [k, methods] of [
    ['customRateLimiter', ['check', 'reset', 'cleanup', 'size']],
    ['customIPTracker', ['check', 'add', 'remove', 'getCount', 'cleanup']],
  ] as const) {
    const v = o[k] as Record<string, unknown> | undefined;
    if (v !== undefined && (typeof v !== 'object' || v === null || methods.some((m) => typeof v[m] !== 'function'))) {
      fail(k, `an object implementing ${methods.join('/')}`, v);
    }
  }
  if (o.cluster !== undefined) {
    const c = o.cluster as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null || (typeof c.redis !== 'string' && (typeof c.redis !== 'object' || c.redis === null))) {
      fail('cluster', "{ redis: 'redis://host:port' | [...nodes], prefix?, sharded? }", c);
    }
    assertKnownKeys('StelarServer', 'cluster option', c, CLUSTER_OPTION_NAMES);
  }
  const hbi = (o.heartbeatInterval as number | undefined) ?? DEFAULTS.heartbeatInterval;
  const hbt = (o.heartbeatTimeout as number | undefined) ?? Math.max(DEFAULTS.heartbeatTimeout, hbi * 2);
  const rl = input.rateLimit;
  return {
    port: input.port ?? DEFAULTS.port,
    host: input.host,
    server: input.server,
    httpParser: input.httpParser ?? 'stelar',
    namespace: input.namespace ?? DEFAULTS.namespace,
    tcpPort: input.tcpPort ?? false,
    maxConnections: input.maxConnections ?? DEFAULTS.maxConnections,
    maxConnectionsPerIP: input.maxConnectionsPerIP ?? DEFAULTS.maxConnectionsPerIP,
    maxRooms: input.maxRooms ?? DEFAULTS.maxRooms,
    maxRoomsPerClient: input.maxRoomsPerClient ?? DEFAULTS.maxRoomsPerClient,
    maxPayloadSize: input.maxPayloadSize ?? DEFAULTS.maxPayloadSize,
    maxFrameSize: input.maxFrameSize ?? Math.max(DEFAULTS.maxFrameSize, (input.maxPayloadSize ?? 0) + 1024),
    maxBufferedBytes: input.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
    maxRequestsInFlight: input.maxRequestsInFlight ?? DEFAULTS.maxRequestsInFlight,
    rateLimit:
      rl === false
        ? false
        : { maxPoints: rl?.maxPoints ?? DEFAULTS.rateLimit.maxPoints, windowMs: rl?.windowMs ?? DEFAULTS.rateLimit.windowMs },
    eventRateLimits: { ...(input.eventRateLimits ?? {}) },
    customRateLimiter: input.customRateLimiter,
    heartbeatInterval: hbi,
    heartbeatTimeout: hbt,
    connectTimeout: input.connectTimeout ?? DEFAULTS.connectTimeout,
    listenBacklog: input.listenBacklog ?? DEFAULTS.listenBacklog,
    maxPendingHandshakes: input.maxPendingHandshakes ?? DEFAULTS.maxPendingHandshakes,
    shedLagMs: input.shedLagMs ?? DEFAULTS.shedLagMs,
    shedRetryAfter: input.shedRetryAfter ?? DEFAULTS.shedRetryAfter,
    gracefulShutdown: input.gracefulShutdown ?? true,
    shutdownTimeout: input.shutdownTimeout ?? DEFAULTS.shutdownTimeout,
    onShutdownComplete: input.onShutdownComplete,
    healthEndpoint:
      input.healthEndpoint ??
      (input.server !== undefined ? sharedServerHealthPath(input.namespace ?? DEFAULTS.namespace) : DEFAULTS.healthEndpoint),
    customHealthHandler: input.customHealthHandler,
    allowedOrigins: input.allowedOrigins && input.allowedOrigins.length > 0 ? [...input.allowedOrigins] : null,
    tls: input.tls,
    trustProxy: input.trustProxy ?? false,
    logger: input.logger,
    customIPTracker: input.customIPTracker,
    generateClientId: input.generateClientId,
    hooks: { ...(input.hooks ?? {}) },
    compression: input.compression ?? false,
    cluster: input.cluster,
    recovery: recoveryOption(input.recovery),
    metrics: resolveMetricsOption(input.metrics),
    dashboard: resolveDashboardOption(input.dashboard),
  };
}
