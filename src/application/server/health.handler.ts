import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StelarStats } from './server-types';
import type { HttpFallback } from '../../ports/http-fallback.port';
import type { ResolvedOptions } from './server-options';

/** What the health route needs from the server, read at request time (config is live). */
export interface HealthSource {
  stats(): StelarStats;
  readonly path: string | false;
  readonly allowedOrigins: readonly string[] | null;
  readonly customHandler?: (req: IncomingMessage, res: ServerResponse, stats: StelarStats) => void;
}

/** The seed's /health JSON: status, every stats field, uptimeSeconds and memoryMB. */
export function healthBody(stats: StelarStats): Record<string, unknown> {
  return {
    status: 'ok',
    ...stats,
    uptimeSeconds: Math.floor(stats.uptime / 1000),
    memoryMB: Math.round((stats.memoryUsage.heapUsed / 1024 / 1024) * 100) / 100,
  };
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Handles `GET|HEAD|OPTIONS <healthEndpoint>`; returns false for any other request so the
 * transport (or the user's app) can deal with it. CORS headers are added for allowed origins
 * (any origin when no allow-list is configured); OPTIONS preflight answers 204.
 */
export function handleHealthRequest(source: HealthSource, req: IncomingMessage, res: ServerResponse): boolean {
  if (source.path === false || pathOf(req.url) !== source.path) return false;
  const origin = req.headers.origin;
  const allowed = source.allowedOrigins;
  if (origin && (allowed === null || allowed.includes(origin))) {
    res.setHeader('Access-Control-Allow-Origin', allowed === null ? '*' : origin);
    res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    if (allowed !== null) res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') {
    res.writeHead(204, { 'Content-Length': '0' });
    res.end();
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS', 'Content-Length': '0' });
    res.end();
    return true;
  }
  const stats = source.stats();
  if (source.customHandler) {
    source.customHandler(req, res, stats);
    return true;
  }
  const body = JSON.stringify(healthBody(stats));
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

/**
 * The health route as the HTTP fallback of the transports (`TOKENS.HttpFallback`): reads the
 * live options (healthEndpoint, allowedOrigins, customHealthHandler change with updateConfig).
 */
export class HealthRoute implements HttpFallback {
  constructor(
    private readonly opts: Pick<ResolvedOptions, 'healthEndpoint' | 'allowedOrigins' | 'customHealthHandler'>,
    private readonly source: { stats(): StelarStats },
  ) {}

  handle(req: unknown, res: unknown): boolean {
    const o = this.opts;
    return handleHealthRequest(
      { stats: () => this.source.stats(), path: o.healthEndpoint, allowedOrigins: o.allowedOrigins, customHandler: o.customHealthHandler },
      req as IncomingMessage,
      res as ServerResponse,
    );
  }
}
