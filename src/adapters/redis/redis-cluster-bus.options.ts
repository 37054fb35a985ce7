/**
 * Options of the Redis cluster bus, their defaults and validation (caller mistakes throw
 * TypeError/RangeError synchronously from the constructor).
 */
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import type { RequireLike } from './ioredis.loader';
import { MAX_NODE_ID_BYTES } from './cluster-envelope.codec';

/**
 * ioredis connection options (a structural subset, so the type does not require ioredis to be
 * installed). Every other ioredis option is passed through unchanged.
 */
export interface RedisConnectionOptions {
  host?: string;
  port?: number;
  path?: string;
  username?: string;
  password?: string;
  db?: number;
  tls?: object;
  connectTimeout?: number;
  /** Reconnect delay after the n-th failed attempt; return a non-number to give up. */
  retryStrategy?: (times: number) => number | void | null;
  [option: string]: unknown;
}

/** One Redis (URL or ioredis options), or the startup nodes of a Redis Cluster (a list). */
export type RedisTarget = string | RedisConnectionOptions | readonly (string | RedisConnectionOptions)[];

/** True when `t` lists Redis Cluster startup nodes. */
export function isNodeList(t: RedisTarget): t is readonly (string | RedisConnectionOptions)[] {
  return Array.isArray(t);
}

/** Options of {@link RedisClusterBus}. */
export interface RedisClusterBusOptions {
  /**
   * `redis://[user:pass@]host:port[/db]` URL or ioredis connection options; a list of them is a
   * Redis Cluster's startup nodes.
   */
  redis: RedisTarget;
  /** SPUBLISH/SSUBSCRIBE (Redis ≥ 7) instead of PUBLISH/SUBSCRIBE. Default false. */
  sharded?: boolean;
  /** Most deliveries held while Redis is away or slow; the oldest goes first. Default 10000. */
  outboundQueueMax?: number;
  /** Most payload bytes held in that queue. Default 8 MiB. */
  outboundQueueBytes?: number;
  /** A held delivery older than this is dropped rather than sent late. Default 10000 ms. */
  outboundMaxAgeMs?: number;
  /** Most publishes awaiting Redis's reply before new ones are held. Default 2000. */
  maxInFlight?: number;
  /** Redis silent this long with commands pending: the link is declared stalled. Default 3000 ms. */
  stallTimeoutMs?: number;
  /** Longest a join confirmation waits for the room's subscription. Default 2000 ms. */
  subscribeWaitMs?: number;
  /**
   * Most deliveries to one channel packed into one Redis publish (a batch envelope) per
   * event-loop turn; 1 publishes each delivery alone. Integer 1-65535. Default 64.
   */
  publishBatchMax?: number;
  /** Most bytes of one batch envelope (a larger delivery goes alone). Integer ≥ 256. Default 64 KiB. */
  publishBatchBytes?: number;
  /** Prefix of every Redis key and channel, to share one Redis between apps. Default `stelar`. */
  prefix?: string;
  /** This node's id (≤ 255 UTF-8 bytes). Default `<hostname>-<pid>-<random>`. */
  nodeId?: string;
  /** How often the node refreshes its presence key. Default 5000 ms. */
  heartbeatMs?: number;
  /** Presence key TTL: a dead node drops out after at most this long. Default 3 × heartbeatMs. */
  nodeTtlMs?: number;
  /** How long cluster-wide queries wait for other nodes' answers. Default 1000 ms. */
  queryTimeoutMs?: number;
  /** Where warnings go (Redis outages, dropped deliveries, malformed envelopes). */
  logger?: Logger;
  /** Timer source (tests); default the system clock with unref()'d timers. */
  clock?: Clock;
  /** Module loader used to load ioredis (tests); default Node's `require`. */
  requireFn?: RequireLike;
}

/** Options after defaults and validation. */
export interface ResolvedClusterBusOptions {
  readonly prefix: string;
  readonly nodeId: string;
  readonly heartbeatMs: number;
  readonly nodeTtlMs: number;
  readonly queryTimeoutMs: number;
  readonly sharded: boolean;
  readonly outboundQueueMax: number;
  readonly outboundQueueBytes: number;
  readonly outboundMaxAgeMs: number;
  readonly maxInFlight: number;
  readonly stallTimeoutMs: number;
  readonly subscribeWaitMs: number;
  readonly publishBatchMax: number;
  readonly publishBatchBytes: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** Default most deliveries per batch envelope. */
export const DEFAULT_PUBLISH_BATCH_MAX = 64;
/** Default most bytes per batch envelope. */
export const DEFAULT_PUBLISH_BATCH_BYTES = 64 * 1024;
/** Batch bounds accepted (the batch's u16 count; Redis takes messages up to 512 MB, 16 MiB is plenty). */
const MAX_PUBLISH_BATCH = 0xffff;
const MIN_PUBLISH_BATCH_BYTES = 256;
const MAX_PUBLISH_BATCH_BYTES = 16 * 1024 * 1024;

/** Default presence refresh period (the TTL defaults to three times this). */
export const DEFAULT_HEARTBEAT_MS = 5000;
/** Default wait for other nodes' answers to a cluster-wide query. */
export const DEFAULT_QUERY_TIMEOUT_MS = 1000;

/** Validates `opts` and fills in defaults. */
export function resolveClusterBusOptions(opts: RedisClusterBusOptions): ResolvedClusterBusOptions {
  if (opts === null || typeof opts !== 'object') {
    throw new TypeError('RedisClusterBus options must be an object');
  }
  const one = (r: unknown) => typeof r === 'string' || (r !== null && typeof r === 'object' && !Array.isArray(r));
  if (Array.isArray(opts.redis) ? opts.redis.length === 0 || !opts.redis.every(one) : !one(opts.redis)) {
    throw new TypeError(
      "RedisClusterBus option 'redis' must be a URL string, ioredis options, or a non-empty list of them",
    );
  }
  if (opts.sharded !== undefined && typeof opts.sharded !== 'boolean') {
    throw new TypeError("RedisClusterBus option 'sharded' must be a boolean");
  }
  const prefix = opts.prefix ?? 'stelar';
  if (typeof prefix !== 'string' || prefix.length === 0 || /\s/.test(prefix)) {
    throw new TypeError("RedisClusterBus option 'prefix' must be a non-empty string without spaces");
  }
  const nodeId = opts.nodeId ?? `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  if (typeof nodeId !== 'string' || nodeId.length === 0) {
    throw new TypeError("RedisClusterBus option 'nodeId' must be a non-empty string");
  }
  if (Buffer.byteLength(nodeId) > MAX_NODE_ID_BYTES) {
    throw new RangeError(`RedisClusterBus option 'nodeId' must be at most ${MAX_NODE_ID_BYTES} bytes`);
  }
  const heartbeatMs = positive('heartbeatMs', opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  const nodeTtlMs = positive('nodeTtlMs', opts.nodeTtlMs ?? heartbeatMs * 3);
  if (nodeTtlMs <= heartbeatMs) {
    throw new RangeError("RedisClusterBus option 'nodeTtlMs' must be greater than 'heartbeatMs'");
  }
  const queryTimeoutMs = positive('queryTimeoutMs', opts.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
  return {
    prefix,
    nodeId,
    heartbeatMs,
    nodeTtlMs,
    queryTimeoutMs,
    sharded: opts.sharded ?? false,
    outboundQueueMax: positive('outboundQueueMax', opts.outboundQueueMax ?? 10_000, 'count'),
    outboundQueueBytes: positive('outboundQueueBytes', opts.outboundQueueBytes ?? 8 * 1024 * 1024, 'count'),
    outboundMaxAgeMs: positive('outboundMaxAgeMs', opts.outboundMaxAgeMs ?? 10_000),
    maxInFlight: positive('maxInFlight', opts.maxInFlight ?? 2000, 'count'),
    stallTimeoutMs: positive('stallTimeoutMs', opts.stallTimeoutMs ?? 3000),
    subscribeWaitMs: positive('subscribeWaitMs', opts.subscribeWaitMs ?? 2000),
    publishBatchMax: integerIn('publishBatchMax', opts.publishBatchMax ?? DEFAULT_PUBLISH_BATCH_MAX, 1, MAX_PUBLISH_BATCH),
    publishBatchBytes: integerIn(
      'publishBatchBytes',
      opts.publishBatchBytes ?? DEFAULT_PUBLISH_BATCH_BYTES,
      MIN_PUBLISH_BATCH_BYTES,
      MAX_PUBLISH_BATCH_BYTES,
    ),
    logger: opts.logger ?? consoleWarnLogger,
    clock: opts.clock ?? systemClock,
  };
}

function positive(name: string, v: unknown, unit: 'ms' | 'count' = 'ms'): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    const what = unit === 'ms' ? 'a positive number of ms' : 'a positive number';
    throw new RangeError(`RedisClusterBus option '${name}' must be ${what}`);
  }
  return v;
}

function integerIn(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`RedisClusterBus option '${name}' must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** Default logger: warnings and errors to the console, nothing else. */
const consoleWarnLogger: Logger = {
  debug() {},
  info() {},
  warn: (m, ...a) => console.warn(m, ...a),
  error: (m, ...a) => console.error(m, ...a),
};

/** Default clock: real timers, all unref()'d so the bus never keeps a process alive. */
const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  setTimeoutWith: (fn, ms, arg) => setTimeout(fn, ms, arg).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};
