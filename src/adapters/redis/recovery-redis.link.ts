/**
 * The Redis connection of the recovery stores (cluster mode with `recovery` on): one ioredis
 * client (or ioredis Cluster) shared by the session store and the stream store, the key names,
 * and the scripts (recovery-scripts.ts) defined on it. Every command is bounded: it fails at once
 * while the link is down (no offline queue) and after `timeoutMs` otherwise (ioredis
 * `commandTimeout`); a command is never re-sent after a lost connection (it may have run).
 */
import type { Clock } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import { loadIoredis, loadIoredisCluster, type RequireLike } from './ioredis.loader';
import { type RedisTarget, isNodeList } from './redis-cluster-bus.options';
import { closeClient, describeRedisTarget, settleWithin } from './redis-client.util';
import { APPEND_DIRECT_LUA, DELETE_SESSION_LUA, DIRECT_AWAY_LUA, DISTRIBUTE_LUA, MARK_LUA, POSITION_LUA, RESET_LUA, SET_SESSION_LUA } from './recovery-scripts';

/** Options of {@link RecoveryRedisLink}. */
export interface RecoveryRedisOptions {
  /** The cluster's Redis (as the bus's `redis` option). */
  readonly redis: RedisTarget;
  /** The cluster's key prefix (the bus's `prefix`). */
  readonly prefix: string;
  /** Publish with SPUBLISH (the bus's `sharded`). */
  readonly sharded: boolean;
  /** Bound of every store command (ms). Default 1000. */
  readonly timeoutMs?: number;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly requireFn?: RequireLike;
}

/** The ioredis surface the stores use (structural: tests run it against a real Redis). */
export interface RecoveryRedisClient {
  readonly status: string;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: any[]) => void): this;
  removeAllListeners(event?: string): this;
  hget(key: string, field: string): Promise<string | null>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  xrangeBuffer(key: string, start: string, end: string, count: 'COUNT', n: number): Promise<[Buffer, Buffer[]][]>;
  pexpire(key: string, ms: number): Promise<number>;
  del(...keys: string[]): Promise<number>;
  defineCommand(name: string, def: { numberOfKeys: number; lua: string }): void;
  publish(channel: string, message: Buffer): Promise<number>;
  spublish(channel: string, message: Buffer): Promise<number>;
  [script: string]: unknown;
}

type Script = (...args: (string | number | Buffer)[]) => Promise<unknown>;

/** Default bound of a store command. */
export const RECOVERY_TIMEOUT_MS = 1000;

export class RecoveryRedisLink {
  readonly client: RecoveryRedisClient;
  readonly prefix: string;
  readonly sharded: boolean;
  readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly where: string;
  private warnedDown = false;
  private started = false;
  private readonly readyListeners: (() => void)[] = [];

  constructor(o: RecoveryRedisOptions) {
    this.prefix = o.prefix;
    this.sharded = o.sharded;
    this.timeoutMs = o.timeoutMs ?? RECOVERY_TIMEOUT_MS;
    this.logger = o.logger;
    this.clock = o.clock;
    this.where = describeRedisTarget(o.redis);
    this.client = createClient(o.redis, this.timeoutMs, o.requireFn);
    const scripts: [string, string][] = [
      ['stelarDistribute', DISTRIBUTE_LUA],
      ['stelarPosition', POSITION_LUA],
      ['stelarReset', RESET_LUA],
    ];
    for (const [name, lua] of scripts) this.client.defineCommand(name, { numberOfKeys: 2, lua });
    // Direct streams: their stream, meta and the session record (one hash tag: the session id).
    this.client.defineCommand('stelarAppendDirect', { numberOfKeys: 3, lua: APPEND_DIRECT_LUA });
    this.client.defineCommand('stelarDirectAway', { numberOfKeys: 3, lua: DIRECT_AWAY_LUA });
    this.client.defineCommand('stelarMark', { numberOfKeys: 1, lua: MARK_LUA });
    this.client.defineCommand('stelarSetSession', { numberOfKeys: 1, lua: SET_SESSION_LUA });
    this.client.defineCommand('stelarDeleteSession', { numberOfKeys: 1, lua: DELETE_SESSION_LUA });
    this.client.on('error', this.onError);
    this.client.on('ready', this.handleReady);
  }

  /** True while commands can be sent. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Connects (bounded); a Redis that is away is retried in the background (the stores answer 'unavailable' meanwhile). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await settleWithin(this.client.connect(), this.timeoutMs * 2, this.clock).catch((err: unknown) => {
      this.logger.warn(`[stelar:recovery] cannot reach Redis at ${this.where} yet (${describe(err)}): resumes report 'unavailable' until it answers`);
    });
  }

  async stop(): Promise<void> {
    this.readyListeners.length = 0;
    await closeClient(this.client as never, this.clock);
  }

  /** Calls `fn` each time the connection is ready again (after a start or an outage). */
  onReady(fn: () => void): void {
    this.readyListeners.push(fn);
  }

  /** Runs one of the defined scripts (bounded like every command). */
  run(name: string, ...args: (string | number | Buffer)[]): Promise<unknown> {
    return (this.client[name] as Script).apply(this.client, args);
  }

  /** Publishes on a bus channel (SPUBLISH when sharded); resolves with the receiver count. */
  publish(channel: string, message: Buffer): Promise<number> {
    return this.sharded ? this.client.spublish(channel, message) : this.client.publish(channel, message);
  }

  // ---- keys (the braces are the Redis Cluster hash tag: a stream's keys share its channel's slot)

  /** Session record of `id`. */
  sessionKey(id: string): string {
    return `${this.prefix}:s:{${id}}`;
  }

  /** `[entries, meta]` keys of a domain stream name (`#room`, `*`, `@sessionId`). */
  streamKeys(stream: string): [string, string] {
    const p = this.prefix;
    const c = stream.charCodeAt(0);
    if (c === 0x23 /* # */) {
      const room = stream.slice(1);
      return [`${p}:h:{${room}}`, `${p}:hm:{${room}}`];
    }
    if (c === 0x40 /* @ */) {
      const id = stream.slice(1);
      return [`${p}:hd:{${id}}`, `${p}:hdm:{${id}}`];
    }
    // Broadcasts: tagged with the broadcast channel's own name, so SPUBLISH from the script stays on its slot.
    return [`${p}:ha:{${p}:all}`, `${p}:ham:{${p}:all}`];
  }

  /** One warning per outage (the caller counts what it lost). */
  noteFailure(what: string, err: unknown): void {
    if (this.warnedDown) return;
    this.warnedDown = true;
    this.logger.warn(`[stelar:recovery] Redis ${what} failed (${describe(err)}): recovery reports 'unavailable' until it is back`);
  }

  private readonly onError = (err: unknown): void => this.noteFailure('connection', err);

  private readonly handleReady = (): void => {
    if (this.warnedDown) this.logger.warn(`[stelar:recovery] Redis at ${this.where} is back`);
    this.warnedDown = false;
    for (const fn of this.readyListeners) fn();
  };
}

function createClient(target: RedisTarget, timeoutMs: number, requireFn: RequireLike | undefined): RecoveryRedisClient {
  // Bounded and at most once: fail at once while disconnected, time out, never re-send.
  const bounded = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeoutMs,
    enableAutoPipelining: true,
  };
  if (isNodeList(target)) {
    const Cluster = loadIoredisCluster(requireFn);
    return new Cluster([...target] as (string | Record<string, unknown>)[], {
      lazyConnect: true,
      clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
      maxRedirections: 0,
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      slotsRefreshTimeout: 1000,
      slotsRefreshInterval: 1000,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      redisOptions: { disconnectTimeout: 200, connectTimeout: 2000, ...bounded },
    }) as unknown as RecoveryRedisClient;
  }
  const Redis = loadIoredis(requireFn);
  const opts: Record<string, unknown> = {
    retryStrategy: (times: number) => Math.min(50 * times, 2000),
    disconnectTimeout: 200,
    connectTimeout: 2000,
    ...(typeof target === 'string' ? {} : target),
    ...bounded,
    lazyConnect: true,
  };
  return (typeof target === 'string' ? new Redis(target, opts) : new Redis(opts)) as unknown as RecoveryRedisClient;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
