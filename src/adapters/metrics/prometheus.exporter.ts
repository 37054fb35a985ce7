/**
 * Stelar's metrics on a prom-client Registry. Nothing is counted here: every metric reads the
 * domain's plain integer counters at scrape time (each is a metric object whose `get()` the
 * registry calls), so the hot paths never call into prom-client (docs/OPERATIONS.md lists every
 * metric).
 *
 * Several Stelar servers (namespaces) may share one registry (the user's, through
 * `metrics: { register }`): the first registers the metrics, each source adds its `namespace`
 * label, and the last to close removes them.
 */
import type { MetricsExporter, MetricsExporterFactory, MetricsSource } from '../../ports/metrics.port';
import type { BucketHistogram } from '../../domain/metrics/bucket-histogram';
import { loadPromClient, type PromRegistryLike } from './prom-client.loader';
import { METRIC_DEFS, type MetricDef, type Sample } from './metric-definitions';

interface Group {
  readonly sources: Set<MetricsSource>;
  readonly names: string[];
}

const groups = new WeakMap<PromRegistryLike, Group>();
/** Process metrics (CPU, memory, GC, event loop) registered once per process, on their own registry. */
let processRegistry: PromRegistryLike | null = null;

/** A histogram whose buckets the domain already counted, in the shape prom-client renders. */
class PreBucketedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly sources: Set<MetricsSource>,
    private readonly pick: (s: MetricsSource) => BucketHistogram,
    /** ms → the metric's unit (seconds). */
    private readonly scale: number,
  ) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const s of this.sources) {
      const h = this.pick(s);
      const cumulative = h.cumulative();
      const labels = { namespace: s.namespace };
      h.bounds.forEach((b, i) =>
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: b * this.scale }, value: cumulative[i] }),
      );
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: h.sum * this.scale });
      values.push({ metricName: `${this.name}_count`, labels, value: h.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

/**
 * A counter or gauge read from the domain's integers at scrape time, in the shape prom-client
 * renders (`get()`): the values go straight to the registry, without a prom-client Counter or
 * Gauge in between (whose collect() would reset and re-increment each series, hashing its
 * labels, on every scrape).
 */
class CollectedMetric {
  readonly aggregator = 'sum';
  constructor(
    private readonly def: Extract<MetricDef, { kind: 'counter' | 'gauge' }>,
    private readonly sources: Set<MetricsSource>,
  ) {}

  get name(): string {
    return this.def.name;
  }

  get help(): string {
    return this.def.help;
  }

  get type(): string {
    return this.def.kind;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Sample[] } {
    const values: Sample[] = [];
    for (const s of this.sources) {
      const namespace = s.namespace;
      for (const [labels, value] of this.def.samples(s)) values.push({ labels: { namespace, ...labels }, value });
    }
    return { name: this.def.name, help: this.def.help, type: this.def.kind, aggregator: this.aggregator, values: this.sources.size > 1 ? sumSame(values) : values };
  }

  reset(): void {}
}

/** Two servers of one namespace on one registry: one series each label set, summed (as prom-client did). */
function sumSame(values: Sample[]): Sample[] {
  const byKey = new Map<string, Sample>();
  for (const v of values) {
    const key = JSON.stringify(v.labels);
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, v);
    else seen.value += v.value;
  }
  return [...byKey.values()];
}

function register(registry: PromRegistryLike, group: Group, def: MetricDef): void {
  const sources = group.sources;
  group.names.push(def.name);
  registry.registerMetric(
    def.kind === 'histogram' ? new PreBucketedHistogram(def.name, def.help, sources, def.histogram, def.scale) : new CollectedMetric(def, sources),
  );
}

/** The default {@link MetricsExporterFactory}: prom-client, loaded lazily. */
export const createPrometheusExporter: MetricsExporterFactory = (source, options) => {
  const prom = loadPromClient();
  const own = options.register === undefined;
  const registry = (options.register as PromRegistryLike | undefined) ?? new prom.Registry();
  if (typeof registry.metrics !== 'function' || typeof registry.registerMetric !== 'function') {
    throw new TypeError('metrics.register must be a prom-client Registry');
  }
  let group = groups.get(registry);
  if (group === undefined) {
    group = { sources: new Set(), names: [] };
    groups.set(registry, group);
    for (const def of METRIC_DEFS) register(registry, group, def);
  }
  group.sources.add(source);
  if (own && processRegistry === null) {
    processRegistry = new prom.Registry();
    prom.collectDefaultMetrics({ register: processRegistry });
  }
  let closed = false;
  const g = group;
  const exporter: MetricsExporter = {
    contentType: registry.contentType,
    async render() {
      const text = await registry.metrics();
      // With its own registry, Stelar adds the process metrics; a user's registry has its own.
      return own && processRegistry !== null ? text + (await processRegistry.metrics()) : text;
    },
    close() {
      if (closed) return;
      closed = true;
      g.sources.delete(source);
      if (g.sources.size > 0) return;
      for (const name of g.names) registry.removeSingleMetric(name);
      groups.delete(registry);
    },
  };
  return exporter;
};
