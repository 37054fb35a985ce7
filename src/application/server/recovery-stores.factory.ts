import type { Clock } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import type { SessionStore } from '../../ports/session-store.port';
import type { StreamStore } from '../../ports/stream-store.port';
import type { RecoveryConfig } from '../../domain/recovery/recovery-config';
import type { ClusterOptions } from './server-options';

/** The Redis session and stream stores of one server, sharing one connection. */
export interface RedisRecoveryStores {
  readonly sessions: SessionStore;
  readonly streams: StreamStore;
  /** After the cluster bus started: connects (a Redis away is retried; resumes answer 'unavailable'). */
  start(): Promise<void>;
  /** After the bus stopped: timers cleared, connection closed. */
  stop(): Promise<void>;
}

/**
 * Session recovery in a cluster (`cluster` and `recovery` both on): sessions and histories in
 * the cluster's Redis, under its prefix (docs/CLUSTER.md, "Session recovery in a cluster").
 * The Redis adapters (and ioredis) are loaded lazily, as for the cluster bus.
 */
export function createRedisRecoveryStores(
  cluster: ClusterOptions,
  recovery: RecoveryConfig,
  nodeId: string,
  logger: Logger,
  clock: Clock,
): RedisRecoveryStores {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { RecoveryRedisLink } = require('../../adapters/redis/recovery-redis.link') as typeof import('../../adapters/redis/recovery-redis.link');
  const { RedisSessionStore } = require('../../adapters/redis/redis-session-store.adapter') as typeof import('../../adapters/redis/redis-session-store.adapter');
  const { RedisStreamStore } = require('../../adapters/redis/redis-stream-store.adapter') as typeof import('../../adapters/redis/redis-stream-store.adapter');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const link = new RecoveryRedisLink({
    redis: cluster.redis as ConstructorParameters<typeof RecoveryRedisLink>[0]['redis'],
    prefix: cluster.prefix ?? 'stelar',
    sharded: cluster.sharded === true,
    logger,
    clock,
  });
  const sessions = new RedisSessionStore(link, { windowMs: recovery.windowMs }, clock, nodeId);
  // The envelopes the store publishes carry an origin no node has, so every node (this one too) delivers them.
  const origin = `${Buffer.from(nodeId).subarray(0, 250).toString()}\u0000h`;
  const { randomEpoch } = require('../../adapters/memory/memory-stream-store.adapter') as typeof import('../../adapters/memory/memory-stream-store.adapter'); // eslint-disable-line @typescript-eslint/no-require-imports
  const streams = new RedisStreamStore(link, { historySize: recovery.historySize, windowMs: recovery.windowMs }, origin, clock, randomEpoch, nodeId);
  return {
    sessions,
    streams,
    async start() {
      await link.start();
      sessions.start();
      streams.start();
    },
    async stop() {
      sessions.stop();
      streams.stop();
      await link.stop();
    },
  };
}
