import type { IncomingMessage } from 'node:http';

/**
 * Who may read `/metrics` or open the dashboard: a function of the HTTP request (true admits;
 * it may be async), or HTTP Basic credentials (compared in constant time).
 */
export type HttpAuth = ((req: IncomingMessage) => boolean | Promise<boolean>) | { username: string; password: string };

/** `metrics: true | { … }`: the Prometheus endpoint (prom-client peer dependency). */
export interface MetricsOptions {
  /** HTTP path on the server's port. Default '/metrics'. */
  path?: string;
  /** Optional: protect the endpoint (Prometheus supports Basic auth and bearer tokens). */
  auth?: HttpAuth;
  /** A prom-client Registry to add Stelar's metrics to (default: Stelar's own, with process metrics). */
  register?: unknown;
}

/** `dashboard: { auth }`: the built-in live dashboard. `auth` is required. */
export interface DashboardOptions {
  /** HTTP path of the page; its own connection uses `<path>/ws`. Default '/stelar'. */
  path?: string;
  auth: HttpAuth;
}

export interface ResolvedMetricsOptions {
  readonly path: string;
  readonly auth: HttpAuth | undefined;
  readonly register: unknown;
}

export interface ResolvedDashboardOptions {
  readonly path: string;
  readonly auth: HttpAuth;
}

function fail(name: string, expected: string, got: unknown): never {
  throw new TypeError(`Invalid option "${name}": expected ${expected}, got ${typeof got === 'string' ? JSON.stringify(got) : typeof got}`);
}

function checkPath(name: string, p: unknown, fallback: string): string {
  if (p === undefined) return fallback;
  if (typeof p !== 'string' || !/^\/[\w\-./]*$/.test(p) || p.length > 200) fail(name, 'a path like "/metrics"', p);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function checkAuth(name: string, a: unknown): HttpAuth {
  if (typeof a === 'function') return a as HttpAuth;
  const o = a as { username?: unknown; password?: unknown } | null;
  if (typeof o === 'object' && o !== null && typeof o.username === 'string' && typeof o.password === 'string') {
    if (o.username.length === 0 || o.password.length === 0) fail(name, 'a non-empty username and password', '');
    if (o.username.includes(':')) fail(name, 'a username without ":" (HTTP Basic)', o.username);
    return { username: o.username, password: o.password };
  }
  return fail(name, '(req) => boolean or { username, password }', a);
}

export function resolveMetricsOption(v: unknown): ResolvedMetricsOptions | false {
  if (v === undefined || v === false) return false;
  if (v === true) return { path: '/metrics', auth: undefined, register: undefined };
  if (typeof v !== 'object' || v === null) return fail('metrics', 'true, false or { path?, auth?, register? }', v);
  const o = v as MetricsOptions;
  return {
    path: checkPath('metrics.path', o.path, '/metrics'),
    auth: o.auth === undefined ? undefined : checkAuth('metrics.auth', o.auth),
    register: o.register,
  };
}

export function resolveDashboardOption(v: unknown): ResolvedDashboardOptions | false {
  if (v === undefined || v === false) return false;
  if (typeof v !== 'object' || v === null) return fail('dashboard', '{ path?, auth }', v);
  const o = v as DashboardOptions;
  // Never open by accident: no auth, no dashboard.
  if (o.auth === undefined) return fail('dashboard.auth', '(req) => boolean or { username, password } (required)', undefined);
  return { path: checkPath('dashboard.path', o.path, '/stelar'), auth: checkAuth('dashboard.auth', o.auth) };
}
