import type { BucketHistogram } from '../domain/metrics/bucket-histogram';
import type { ServerCounters } from '../domain/metrics/server-counters';
import type { ClusterBusCounters } from './cluster-bus.port';

/** Live connections of one transport. */
export interface ConnectionGauge {
  readonly protocol: string;
  readonly count: number;
}

/**
 * What a metrics exporter reads at collect time (never on the hot path): the domain's plain
 * counters and a few gauges computed on demand.
 */
export interface MetricsSource {
  /** WebSocket namespace of the server (the `namespace` label). */
  readonly namespace: string;
  readonly counters: ServerCounters;
  /** Event-loop lag samples, in ms. */
  readonly eventLoopLag: BucketHistogram;
  connections(): ConnectionGauge[];
  /** Clients still running their connection middleware. */
  admitting(): number;
  rooms(): number;
  /** Sum of room sizes (a client in 3 rooms counts 3). */
  roomMembers(): number;
  /** Bytes queued in every connection's send buffer. */
  sendBufferBytes(): number;
  /** The cluster bus counters, when the server is clustered. */
  cluster(): ClusterBusCounters | undefined;
}

/** Renders the Prometheus text exposition of one or more sources. */
export interface MetricsExporter {
  /** The Content-Type of {@link render}'s output. */
  readonly contentType: string;
  render(): Promise<string>;
  /** Unregisters this source (its metrics leave a shared registry with the last source). */
  close(): void;
}

/** Builds an exporter; `register` is the user's prom-client Registry, if any. */
export type MetricsExporterFactory = (source: MetricsSource, options: { register?: unknown }) => MetricsExporter;

export const MetricsExporterFactory = Symbol.for('stelar.MetricsExporterFactory');
