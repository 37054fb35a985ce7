/**
 * Loads the optional `ioredis` peer dependency on demand, so the package works (single node)
 * when it is not installed, and cluster mode fails fast with a message that names the package.
 */

/** The subset of an ioredis client the cluster bus uses (kept structural so tests can fake it). */
export interface RedisClientLike {
  readonly status: string;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(reconnect?: boolean): void;
  publish(channel: string | Buffer, message: string | Buffer): Promise<number>;
  spublish(channel: string | Buffer, message: string | Buffer): Promise<number>;
  subscribe(...channels: (string | Buffer)[]): Promise<unknown>;
  unsubscribe(...channels: (string | Buffer)[]): Promise<unknown>;
  ssubscribe(...channels: (string | Buffer)[]): Promise<unknown>;
  sunsubscribe(...channels: (string | Buffer)[]): Promise<unknown>;
  smembers(key: string): Promise<string[]>;
  get(key: string): Promise<string | null>;
  exists(key: string): Promise<number>;
  set(key: string, value: string): Promise<unknown>;
  sadd(key: string, ...members: string[]): Promise<number>;
  srem(key: string, ...members: string[]): Promise<number>;
  del(key: string): Promise<number>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
  pipeline(): RedisPipelineLike;
  on(event: string, listener: (...args: any[]) => void): this;
  removeAllListeners(event?: string): this;
}

/** The subset of an ioredis pipeline the presence tracker uses. */
export interface RedisPipelineLike {
  sadd(key: string, member: string): this;
  srem(key: string, ...members: string[]): this;
  set(key: string, value: string, px: 'PX', ms: number): this;
  del(key: string): this;
  exists(key: string): this;
  pexpire(key: string, ms: number): this;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** The ioredis constructor: `new Redis(url, options)` or `new Redis(options)`. */
export interface RedisConstructorLike {
  new (url: string, options: Record<string, unknown>): RedisClientLike;
  new (options: Record<string, unknown>): RedisClientLike;
}

/** The ioredis Cluster constructor: `new Cluster(startupNodes, options)`. */
export interface RedisClusterConstructorLike {
  new (nodes: (string | Record<string, unknown>)[], options: Record<string, unknown>): RedisClientLike;
}

/** A `require`-shaped function (injectable so the "not installed" path can be tested). */
export type RequireLike = (id: string) => unknown;

/** Thrown when a feature needs an optional peer (`ioredis`, `prom-client`) that cannot be loaded. */
export class MissingPeerDependencyError extends Error {
  readonly code = 'STELAR_ERR_MISSING_PEER_DEPENDENCY';
  constructor(
    readonly packageName: string,
    cause: unknown,
    feature = 'cluster mode',
  ) {
    super(
      `Stelar ${feature} needs the optional peer dependency '${packageName}', which could ` +
        `not be loaded. Install it with \`npm install ${packageName}\`. (${describe(cause)})`,
      { cause },
    );
    this.name = 'MissingPeerDependencyError';
  }
}

/**
 * Returns the ioredis constructor, loading the module with `requireFn` (default: Node's
 * `require`, called here and not at module load so the package never needs ioredis otherwise).
 * @throws MissingPeerDependencyError when the module is missing or is not ioredis-shaped.
 */
export function loadIoredis(requireFn: RequireLike = require): RedisConstructorLike {
  let mod: unknown;
  try {
    mod = requireFn('ioredis');
  } catch (err) {
    throw new MissingPeerDependencyError('ioredis', err);
  }
  // ioredis >= 5 exports the class as the module itself, as `.default` and as `.Redis`.
  const m = mod as { Redis?: unknown; default?: unknown } | undefined;
  const ctor = typeof mod === 'function' ? mod : (m?.Redis ?? m?.default);
  if (typeof ctor !== 'function') {
    throw new MissingPeerDependencyError('ioredis', new Error('module has no Redis constructor'));
  }
  return ctor as RedisConstructorLike;
}

/**
 * Returns ioredis's Cluster constructor (Redis Cluster mode), loaded like {@link loadIoredis}.
 * @throws MissingPeerDependencyError when the module is missing or has no Cluster.
 */
export function loadIoredisCluster(requireFn: RequireLike = require): RedisClusterConstructorLike {
  let mod: unknown;
  try {
    mod = requireFn('ioredis');
  } catch (err) {
    throw new MissingPeerDependencyError('ioredis', err);
  }
  const ctor = (mod as { Cluster?: unknown } | undefined)?.Cluster;
  if (typeof ctor !== 'function') {
    throw new MissingPeerDependencyError('ioredis', new Error('module has no Cluster constructor'));
  }
  return ctor as RedisClusterConstructorLike;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
