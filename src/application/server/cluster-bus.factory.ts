import type { ClusterBus } from '../../ports/cluster-bus.port';
import type { Logger } from '../../ports/logger.port';
import type { ClusterOptions } from './server-options';

/** Builds the Redis cluster bus for the `cluster` option (ioredis is loaded lazily). */
export function createClusterBus(options: ClusterOptions, logger: Logger): ClusterBus {
  // Required lazily so that a single-node server never loads the Redis adapter (or ioredis).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { RedisClusterBus } = require('../../adapters/redis') as typeof import('../../adapters/redis');
  return new RedisClusterBus({ ...options, logger } as ConstructorParameters<typeof RedisClusterBus>[0]);
}
