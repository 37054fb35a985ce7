/**
 * The bus's two Redis links, over a single Redis or a Redis Cluster, with plain or sharded
 * pub/sub. Everything above this file is one code path: it publishes, subscribes and
 * unsubscribes channels and receives `(channel, message)` buffers, whichever mode runs below.
 *
 * - Single Redis, plain: PUBLISH / SUBSCRIBE on two connections.
 * - Single Redis, `sharded`: SPUBLISH / SSUBSCRIBE (Redis ≥ 7) on the same two connections.
 * - Redis Cluster (`redis` is a list of nodes), `sharded`: ioredis Cluster; SPUBLISH goes to the
 *   shard owning the channel's slot, and the subscriber keeps one connection per shard master
 *   (ioredis `shardedSubscribers`), so a room's traffic stays on its shard.
 * - Redis Cluster, plain: PUBLISH is forwarded by Redis to every cluster node (works, but every
 *   shard carries every message: use `sharded: true` at scale).
 */
import {
  type RedisClientLike,
  type RedisClusterConstructorLike,
  type RedisConstructorLike,
  type RequireLike,
  loadIoredis,
  loadIoredisCluster,
} from './ioredis.loader';
import { type RedisConnectionOptions, type RedisTarget, isNodeList } from './redis-cluster-bus.options';
import { createRedisClient } from './redis-client.util';

/** The publisher and subscriber connections and the mode-specific commands. */
export class RedisLinks {
  readonly pub: RedisClientLike;
  readonly sub: RedisClientLike;
  /** The subscriber event that carries `(channel: Buffer, message: Buffer)`. */
  readonly messageEvent: 'messageBuffer' | 'smessageBuffer';
  /** True over a Redis Cluster (a SUBSCRIBE/SSUBSCRIBE carries channels of one slot only). */
  readonly clusterMode: boolean;

  constructor(
    target: RedisTarget,
    readonly sharded: boolean,
    requireFn: RequireLike | undefined,
  ) {
    this.messageEvent = sharded ? 'smessageBuffer' : 'messageBuffer';
    this.clusterMode = isNodeList(target);
    if (isNodeList(target)) {
      const Cluster = loadIoredisCluster(requireFn);
      this.pub = createClusterClient(Cluster, target, 'pub', sharded);
      this.sub = createClusterClient(Cluster, target, 'sub', sharded);
    } else {
      const Redis: RedisConstructorLike = loadIoredis(requireFn);
      this.pub = createRedisClient(Redis, target, 'pub');
      this.sub = createRedisClient(Redis, target, 'sub');
    }
  }

  /** PUBLISH or SPUBLISH; resolves with the number of subscribers that received it. */
  publish(channel: string | Buffer, message: Buffer): Promise<number> {
    return this.sharded ? this.pub.spublish(channel, message) : this.pub.publish(channel, message);
  }

  /** SUBSCRIBE or SSUBSCRIBE `channels` (one command per channel over a Redis Cluster). */
  subscribe(channels: (string | Buffer)[]): Promise<unknown> {
    if (channels.length === 0) return Promise.resolve();
    const one = (c: (string | Buffer)[]) => (this.sharded ? this.sub.ssubscribe(...c) : this.sub.subscribe(...c));
    return this.clusterMode && this.sharded ? Promise.all(channels.map((c) => one([c]))) : one(channels);
  }

  /** UNSUBSCRIBE or SUNSUBSCRIBE `channels`. */
  unsubscribe(channels: (string | Buffer)[]): Promise<unknown> {
    if (channels.length === 0) return Promise.resolve();
    const one = (c: (string | Buffer)[]) =>
      this.sharded ? this.sub.sunsubscribe(...c) : this.sub.unsubscribe(...c);
    return this.clusterMode && this.sharded ? Promise.all(channels.map((c) => one([c]))) : one(channels);
  }
}

/**
 * An ioredis Cluster client with the same guarantees as the single-Redis ones
 * (redis-client.util.ts): the publisher never queues offline nor resends; the subscriber
 * resubscribes by itself after failovers and slot moves.
 */
function createClusterClient(
  Cluster: RedisClusterConstructorLike,
  nodes: readonly (string | RedisConnectionOptions)[],
  role: 'pub' | 'sub',
  sharded: boolean,
): RedisClientLike {
  const nodeOptions: Record<string, unknown> = { disconnectTimeout: 200, connectTimeout: 2000 };
  const opts: Record<string, unknown> = {
    lazyConnect: true,
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshTimeout: 1000,
    // Notice a failover within about a second even when no command hits the moved slots.
    slotsRefreshInterval: 1000,
    redisOptions: nodeOptions,
  };
  if (role === 'pub') {
    // Never re-sent: not after a lost connection or CLUSTERDOWN (the publish may have gone
    // through: a resend could double it), and not after MOVED/TRYAGAIN either (the command did
    // not run, but a retry arrives after publishes sent since: out of order). Such a publish
    // fails and is counted; the slot map is refreshed every second (and on MOVED by the others).
    Object.assign(opts, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      maxRedirections: 0,
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
    });
    Object.assign(nodeOptions, { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
  } else {
    opts.shardedSubscribers = sharded;
  }
  return new Cluster([...nodes] as (string | Record<string, unknown>)[], opts);
}
