import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Logger } from '../../../ports/logger.port';
import type { MetricsExporter, MetricsExporterFactory } from '../../../ports/metrics.port';
import type { EventLoopLagSampler } from '../../../adapters/metrics/event-loop-lag.sampler';
import { normalizePath } from '../../../adapters/http/upgrade-router';
import type { ServerMetricsSource } from './metrics-source';
import type { ResolvedDashboardOptions, ResolvedMetricsOptions } from './operations-options';
import { withAuth } from './http-auth';
import { DashboardService, type DashboardHostFactory, type DashboardTarget } from './dashboard.service';

export interface ServerOperationsParts {
  readonly metrics: ResolvedMetricsOptions | false;
  readonly dashboard: ResolvedDashboardOptions | false;
  readonly source: ServerMetricsSource;
  readonly sampler: EventLoopLagSampler;
  readonly logger: Logger;
  readonly target: DashboardTarget;
  readonly createHost: DashboardHostFactory;
  /** Default: prom-client (loaded lazily). */
  readonly exporterFactory?: MetricsExporterFactory;
}

function defaultFactory(): MetricsExporterFactory {
  // Required lazily: a server without metrics never loads the adapter (nor prom-client).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../../adapters/metrics/prometheus.exporter') as typeof import('../../../adapters/metrics/prometheus.exporter'))
    .createPrometheusExporter;
}

/**
 * The operations surface of one server: the `/metrics` route, `server.metrics()`, the
 * event-loop lag sampler and the dashboard. Everything here runs at scrape/tick time; the
 * domain only counts plain integers.
 */
export class ServerOperations {
  private exporter: MetricsExporter | null = null;
  private readonly dashboard: DashboardService | null;

  constructor(private readonly p: ServerOperationsParts) {
    // Fail at construction (like cluster mode without ioredis) when prom-client is missing.
    if (p.metrics !== false) this.exporter = this.makeExporter();
    this.dashboard = p.dashboard === false ? null : new DashboardService(p.dashboard, p.target, p.logger, p.createHost);
  }

  /** True when something reads durations and lag (metrics route or dashboard). */
  get active(): boolean {
    return this.p.metrics !== false || this.dashboard !== null;
  }

  private makeExporter(): MetricsExporter {
    const factory = this.p.exporterFactory ?? defaultFactory();
    const register = this.p.metrics === false ? undefined : this.p.metrics.register;
    return factory(this.p.source, { register });
  }

  /** The Prometheus text (also without the `metrics` option: prom-client is loaded on first use). */
  async metrics(): Promise<string> {
    if (this.exporter === null) {
      this.exporter = this.makeExporter();
      this.p.source.counters.timing = true;
      this.p.sampler.start();
    }
    return this.exporter.render();
  }

  /** The HTTP routes (metrics, dashboard); false for any other request (HttpFallback shape). */
  handle(rawReq: unknown, rawRes: unknown): boolean {
    if (!this.active) return false;
    const req = rawReq as IncomingMessage;
    const res = rawRes as ServerResponse;
    const m = this.p.metrics;
    if (m !== false && normalizePath(req.url) === m.path) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' }).end();
        return true;
      }
      withAuth(m.auth, 'stelar metrics', req, res, () => this.serveMetrics(req, res));
      return true;
    }
    return this.dashboard !== null && this.dashboard.handleHttp(req, res);
  }

  private serveMetrics(req: IncomingMessage, res: ServerResponse): void {
    // Re-created after a stop() (a server may be started again).
    const exporter = (this.exporter ??= this.makeExporter());
    exporter.render().then(
      (text) => {
        res.writeHead(200, {
          'Content-Type': exporter.contentType,
          'Content-Length': Buffer.byteLength(text),
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        this.p.logger.error({ err }, 'metrics collection failed');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics collection failed');
      },
    );
  }

  /** After the transports listen: sampler, duration timing, the dashboard's own connection. */
  async start(httpServer: HttpServer | null): Promise<void> {
    if (!this.active) return;
    this.p.source.counters.timing = true;
    this.p.sampler.start();
    if (this.dashboard !== null) {
      if (httpServer === null) throw new Error('the dashboard needs the WebSocket transport\'s HTTP server');
      await this.dashboard.start(httpServer);
    }
  }

  /** Before the transports close: the dashboard first (its sockets share the HTTP server). */
  async stop(): Promise<void> {
    if (this.dashboard !== null) await this.dashboard.stop();
    this.p.sampler.stop();
  }

  /** Unregisters the metrics (a shared registry keeps other servers' series); stops the sampler. */
  dispose(): void {
    this.p.sampler.stop();
    this.exporter?.close();
    this.exporter = null;
  }
}
