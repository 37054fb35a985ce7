/** The Redis cluster adapter (loads the optional `ioredis` peer dependency lazily). */
export { RedisClusterBus, type RedisClusterBusCounters } from './redis-cluster-bus.adapter';
export {
  type RedisClusterBusOptions,
  type RedisConnectionOptions,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
} from './redis-cluster-bus.options';
export { MissingPeerDependencyError, loadIoredis } from './ioredis.loader';
export { sumStats, type ClusterClientInfo } from './cluster-query.merge';
