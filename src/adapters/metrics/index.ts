export { createPrometheusExporter } from './prometheus.exporter';
export { EventLoopLagSampler, LAG_SAMPLE_MS } from './event-loop-lag.sampler';
export { METRIC_DEFS } from './metric-definitions';
export { loadPromClient } from './prom-client.loader';
