import type { IncomingMessage } from 'node:http';
import { resolveDashboardOption, resolveMetricsOption } from '../../../src/application/server/operations/operations-options';
import { authorize, basicCredentials, safeEqual } from '../../../src/application/server/operations/http-auth';
import { checkAdminClose } from '../../../src/domain/admin-close';
import { StelarServer } from '../../../src';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('operations options', () => {
  it('metrics: off by default, true → /metrics, paths checked', () => {
    expect(resolveMetricsOption(undefined)).toBe(false);
    expect(resolveMetricsOption(true)).toEqual({ path: '/metrics', auth: undefined, register: undefined });
    expect(resolveMetricsOption({ path: '/prom/' })).toMatchObject({ path: '/prom' });
    expect(() => resolveMetricsOption({ path: 'metrics' })).toThrow(TypeError);
    expect(() => resolveMetricsOption('yes')).toThrow(TypeError);
    expect(() => resolveMetricsOption({ auth: { username: 'a' } })).toThrow(TypeError);
  });

  it('dashboard: never without auth', () => {
    expect(resolveDashboardOption(undefined)).toBe(false);
    expect(() => resolveDashboardOption({})).toThrow(/dashboard\.auth/);
    expect(() => resolveDashboardOption({ auth: { username: '', password: 'x' } })).toThrow(TypeError);
    expect(() => resolveDashboardOption({ auth: { username: 'a:b', password: 'x' } })).toThrow(TypeError);
    expect(resolveDashboardOption({ auth: { username: 'a', password: 'b' } })).toEqual({ path: '/stelar', auth: { username: 'a', password: 'b' } });
    expect(() => new StelarServer({ dashboard: {} as never })).toThrow(/dashboard\.auth/);
  });

  it('Basic auth compares user and password; functions may be async; throwing refuses', async () => {
    const auth = { username: 'admin', password: 'pä55' };
    expect(authorize(auth, req({ authorization: basic('admin', 'pä55') }))).toBe(true);
    expect(authorize(auth, req({ authorization: basic('admin', 'pä56') }))).toBe(false);
    expect(authorize(auth, req({ authorization: basic('Admin', 'pä55') }))).toBe(false);
    expect(authorize(auth, req({ authorization: 'Bearer x' }))).toBe(false);
    expect(authorize(auth, req({}))).toBe(false);
    expect(basicCredentials(basic('u', 'p:with:colons'))).toEqual(['u', 'p:with:colons']);
    expect(await authorize(async (r) => r.headers['x'] === '1', req({ x: '1' }))).toBe(true);
    expect(await authorize(async () => Promise.reject(new Error('down')), req({}))).toBe(false);
    expect(
      authorize(() => {
        throw new Error('bug');
      }, req({})),
    ).toBe(false);
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
  });

  it('admin close codes and reasons are checked', () => {
    expect(() => checkAdminClose(1000, '')).not.toThrow();
    expect(() => checkAdminClose(4999, 'x')).not.toThrow();
    for (const bad of [999, 1005, 1006, 1015, 2999, 5000, 1000.5, '1000']) expect(() => checkAdminClose(bad, '')).toThrow(RangeError);
    expect(() => checkAdminClose(1000, 'é'.repeat(62))).toThrow(RangeError);
    expect(() => checkAdminClose(1000, 5)).toThrow(TypeError);
  });
});

describe('prom-client peer dependency', () => {
  it('is loaded on demand, and its absence names the package', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadPromClient } = require('../../../src/adapters/metrics/prom-client.loader') as typeof import('../../../src/adapters/metrics/prom-client.loader');
    expect(typeof loadPromClient().Registry).toBe('function');
    const missing = () =>
      loadPromClient(() => {
        throw new Error("Cannot find module 'prom-client'");
      });
    expect(missing).toThrow(/the metrics option needs the optional peer dependency 'prom-client'.*npm install prom-client/);
    try {
      missing();
    } catch (err) {
      expect((err as { code?: string }).code).toBe('STELAR_ERR_MISSING_PEER_DEPENDENCY');
    }
    expect(() => loadPromClient(() => ({}))).toThrow(/prom-client/);
  });
});
