/**
 * Loads the optional `prom-client` peer dependency on demand (only when the `metrics` option is
 * on), like ioredis for the cluster: a server without metrics never needs it.
 */
import { MissingPeerDependencyError, type RequireLike } from '../redis/ioredis.loader';

/** The parts of prom-client Stelar uses (structural, so a user's own copy fits). */
export interface PromRegistryLike {
  readonly contentType: string;
  metrics(): Promise<string>;
  registerMetric(metric: unknown): void;
  removeSingleMetric(name: string): void;
  getSingleMetric(name: string): unknown;
}

export interface PromClientLike {
  Registry: new () => PromRegistryLike;
  Counter: new (config: Record<string, unknown>) => unknown;
  Gauge: new (config: Record<string, unknown>) => unknown;
  collectDefaultMetrics(config: { register: PromRegistryLike }): void;
}

/**
 * @throws MissingPeerDependencyError naming `prom-client` when it cannot be loaded.
 */
export function loadPromClient(requireFn: RequireLike = require): PromClientLike {
  let mod: unknown;
  try {
    mod = requireFn('prom-client');
  } catch (err) {
    throw new MissingPeerDependencyError('prom-client', err, 'the metrics option');
  }
  const m = mod as Partial<PromClientLike> | undefined;
  if (typeof m?.Registry !== 'function' || typeof m.Gauge !== 'function' || typeof m.Counter !== 'function') {
    throw new MissingPeerDependencyError('prom-client', new Error('module has no Registry/Gauge/Counter'), 'the metrics option');
  }
  return m as PromClientLike;
}
