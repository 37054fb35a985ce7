import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { ClusterBus } from '../../../ports/cluster-bus.port';
import type { LogFields, Logger } from '../../../ports/logger.port';
import type { ClientRecord } from '../../../domain/client-record';
import type { RoomRegistry } from '../../../domain/room-registry.service';
import type { EventLoopLagSampler } from '../../../adapters/metrics/event-loop-lag.sampler';
import { normalizePath } from '../../../adapters/http/upgrade-router';
import type { StelarOptions } from '../server-options';
import type { StelarContext, StelarMiddleware, StelarAckHandler } from '../server-types';
import { authorize, safeEqual, withAuth } from './http-auth';
import type { ResolvedDashboardOptions } from './operations-options';
import type { ServerMetricsSource } from './metrics-source';
import { DashboardSnapshots, listClients } from './dashboard-snapshot';
import { dashboardAssets, dashboardHtml } from './dashboard-assets';

/** What the dashboard reads from, and acts on, in the server it watches. */
export interface DashboardTarget {
  readonly namespace: string;
  readonly source: ServerMetricsSource;
  readonly sampler: EventLoopLagSampler;
  readonly rooms: RoomRegistry;
  readonly bus: ClusterBus;
  clients(): Iterable<ClientRecord>;
  disconnect(id: string, code: number, reason: string): boolean;
  removeFromRoom(id: string, room: string): boolean;
  sendTest(room: string | null, event: string, data: unknown): void;
}

/** The dashboard's own Stelar server (a StelarServer on `<path>/ws`; structural to avoid a cycle). */
export interface DashboardHost {
  start(): Promise<number>;
  stop(): Promise<void>;
  use(mw: StelarMiddleware): unknown;
  onAck(name: string, handler: StelarAckHandler): unknown;
  broadcast(event: string, data: unknown): void;
  getStats(): { activeConnections: number };
}

export type DashboardHostFactory = (options: StelarOptions) => DashboardHost;

/** The watched server's logger, marking the dashboard host's own lines. */
function dashboardLogger(logger: Logger): Logger {
  const wrap =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (m: LogFields | string, ...args: unknown[]): void =>
      typeof m === 'string' ? logger[level](`dashboard: ${m}`, ...args) : logger[level]({ ...m, component: 'dashboard' }, ...args);
  // `child` keeps a pino logger structured when createLogger sees this wrapper.
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error'), child: () => logger } as Logger;
}

/** Page tokens: how long one stays valid, and most kept (oldest evicted). */
const TOKEN_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_TOKENS = 256;
const TICK_MS = 1000;
/** Cluster nodes are asked every this many ticks (a cluster-wide query). */
const NODES_EVERY = 5;
/** Close code of a dashboard disconnect when none is given (application range). */
export const DASHBOARD_CLOSE_CODE = 4000;

/**
 * The built-in dashboard: the page (behind `auth`), its assets, and a StelarServer of its own on
 * `<path>/ws` (same HTTP server, its own namespace and limits) that pushes a tick every second
 * and answers the actions. Ordinary clients cannot join that namespace: its middleware admits
 * only a page token (minted for an authorised page load) or a request that passes `auth`.
 */
export class DashboardService {
  private readonly tokens = new Map<string, number>();
  private host: DashboardHost | null = null;
  private timer: NodeJS.Timeout | null = null;
  private snapshots: DashboardSnapshots | null = null;
  private ticks = 0;
  private nodes: { nodeId: string; activeConnections: number; totalRooms: number }[] = [];

  constructor(
    private readonly o: ResolvedDashboardOptions,
    private readonly target: DashboardTarget,
    private readonly logger: Logger,
    private readonly createHost: DashboardHostFactory,
  ) {}

  private get base(): string {
    return this.o.path === '/' ? '' : this.o.path;
  }

  handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const p = normalizePath(req.url);
    const base = this.base;
    let kind: 'page' | 'js' | 'css';
    if (p === (base || '/')) kind = 'page';
    else if (p === `${base}/dashboard.js`) kind = 'js';
    else if (p === `${base}/dashboard.css`) kind = 'css';
    else return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' }).end();
      return true;
    }
    withAuth(this.o.auth, 'stelar dashboard', req, res, () => this.serve(kind, req, res));
    return true;
  }

  private serve(kind: 'page' | 'js' | 'css', req: IncomingMessage, res: ServerResponse): void {
    const headers: Record<string, string | number> = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
    let body: string | Buffer;
    if (kind === 'page') {
      body = dashboardHtml(this.base, this.mintToken(), this.target.namespace);
      headers['Content-Type'] = 'text/html; charset=utf-8';
      headers['Content-Security-Policy'] = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'";
      headers['X-Frame-Options'] = 'DENY';
    } else {
      const assets = dashboardAssets();
      if (assets === null) {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('dashboard assets missing: run npm run build');
        return;
      }
      body = kind === 'js' ? assets.js : assets.css;
      headers['Content-Type'] = kind === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8';
    }
    headers['Content-Length'] = Buffer.byteLength(body);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private mintToken(): string {
    const now = Date.now();
    for (const [t, exp] of this.tokens) if (exp <= now || this.tokens.size >= MAX_TOKENS) this.tokens.delete(t);
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, now + TOKEN_TTL_MS);
    return token;
  }

  private validToken(token: string | null): boolean {
    if (token === null || token.length === 0) return false;
    const now = Date.now();
    let ok = false;
    // Compare against every live token in constant time each (no early exit on a prefix).
    for (const [t, exp] of this.tokens) if (exp > now && safeEqual(t, token)) ok = true;
    return ok;
  }

  /** Starts the dashboard's own Stelar server on the watched server's HTTP server. */
  async start(httpServer: HttpServer): Promise<void> {
    if (this.host !== null) return;
    const host = this.createHost({
      server: httpServer,
      namespace: `${this.base}/ws`,
      tcpPort: false,
      logger: dashboardLogger(this.logger),
      gracefulShutdown: false,
      healthEndpoint: false,
      maxConnections: 32,
      maxConnectionsPerIP: 16,
      rateLimit: { maxPoints: 30, windowMs: 1000 },
    });
    host.use(this.admit);
    this.routes(host);
    await host.start();
    this.host = host;
    this.snapshots = new DashboardSnapshots(this.target.source, this.target.rooms, this.target.sampler, Date.now());
    this.timer = setInterval(this.tick, TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    const host = this.host;
    this.host = null;
    this.tokens.clear();
    if (host !== null) await host.stop();
  }

  private readonly admit: StelarMiddleware = (ctx, next) => {
    const req = ctx.req;
    if (req === null) return;
    const token = new URL(req.url ?? '/', 'http://dashboard').searchParams.get('token');
    if (this.validToken(token)) return next();
    const r = authorize(this.o.auth, req);
    if (r === true) return next();
    if (r !== false) return void r.then((ok) => ok && next());
    this.logger.info({ ip: ctx.remoteAddress, dashboard: this.o.path }, 'dashboard connection refused');
  };

  private readonly tick = (): void => {
    const host = this.host;
    const snaps = this.snapshots;
    if (host === null || snaps === null) return;
    if (host.getStats().activeConnections === 0) {
      snaps.tick(); // keeps the rate base fresh for the next viewer
      return;
    }
    if (this.target.bus.clustered && this.ticks++ % NODES_EVERY === 0) this.refreshNodes();
    host.broadcast('tick', { ...snaps.tick(), nodes: this.target.bus.clustered ? this.nodes : null });
  };

  private refreshNodes(): void {
    this.target.bus.stats().then(
      (r) => {
        const ids = r.nodeIds ?? [];
        this.nodes = r.value.map((s, i) => ({
          nodeId: ids[i] ?? `node ${i + 1}`,
          activeConnections: s.activeConnections ?? 0,
          totalRooms: s.totalRooms ?? 0,
        }));
      },
      (err: unknown) => this.logger.warn({ err }, 'dashboard: cluster stats failed'),
    );
  }

  private action(ctx: StelarContext, fields: Record<string, unknown>): void {
    this.logger.info({ ...fields, by: ctx.remoteAddress, dashboard: this.o.path }, 'dashboard action');
  }

  private routes(host: DashboardHost): void {
    host.onAck('admin:clients', (ctx) => listClients(this.target.clients(), String(ctx.data?.q ?? '')));
    host.onAck('admin:disconnect', (ctx) => {
      const id = String(ctx.data?.id ?? '');
      const code = typeof ctx.data?.code === 'number' ? ctx.data.code : DASHBOARD_CLOSE_CODE;
      const reason = typeof ctx.data?.reason === 'string' ? ctx.data.reason : 'disconnected from the dashboard';
      this.action(ctx, { action: 'disconnect', clientId: id, code, reason });
      return { ok: this.target.disconnect(id, code, reason) };
    });
    host.onAck('admin:leave', (ctx) => {
      const id = String(ctx.data?.id ?? '');
      const room = String(ctx.data?.room ?? '');
      this.action(ctx, { action: 'remove from room', clientId: id, room });
      return { ok: this.target.removeFromRoom(id, room) };
    });
    host.onAck('admin:broadcast', (ctx) => {
      const room = typeof ctx.data?.room === 'string' && ctx.data.room !== '' ? ctx.data.room : null;
      const event = typeof ctx.data?.event === 'string' && ctx.data.event !== '' ? ctx.data.event : 'stelar:test';
      this.action(ctx, { action: 'broadcast', room, event });
      this.target.sendTest(room, event, ctx.data?.data ?? { test: true, at: Date.now() });
      return { ok: true };
    });
  }
}
