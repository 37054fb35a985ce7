/**
 * Redis for the cluster tests. The shared 127.0.0.1:6379 is used when it answers PING; otherwise
 * a private redis-server is started on a free port. Tests that restart Redis always get a private
 * one. Under CI=true a missing Redis fails the suite; elsewhere the suite is skipped, loudly.
 */
import { randomBytes } from 'node:crypto';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require('../../scripts/redis-test-server.js') as RedisTestServerModule;

interface PrivateRedisHandle {
  port: number;
  pid: number;
  url: string;
  stop(keepDir?: boolean): Promise<void>;
  restart(downMs?: number): Promise<void>;
}
interface RedisTestServerModule {
  hasRedisServer(): boolean;
  pingSync(port: number): boolean;
  startPrivateRedis(opts?: { port?: number }): Promise<PrivateRedisHandle>;
}

/** A Redis the tests may use; `stop()` is a no-op for the shared one. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly isPrivate: boolean;
  stop(): Promise<void>;
}

/** A private redis-server this test process started (and may restart). */
export type PrivateRedis = PrivateRedisHandle;

/** The shared Redis port (6379; `STELAR_TEST_SHARED_REDIS_PORT` overrides, e.g. to force the
 * private-server path). */
export const SHARED_REDIS_PORT = Number(process.env.STELAR_TEST_SHARED_REDIS_PORT ?? 6379);

const isCi = process.env.CI === 'true';
let probed: { shared: boolean; binary: boolean } | undefined;

/** What is available (probed once per test file, synchronously so `describe` can decide). */
export function redisAvailability(): { shared: boolean; binary: boolean } {
  probed ??= { shared: server.pingSync(SHARED_REDIS_PORT), binary: server.hasRedisServer() };
  return probed;
}

/**
 * `describe` when some Redis is usable (shared or startable); otherwise a loud skip, or under
 * CI=true a failing test. With `needsPrivate`, a redis-server binary is required.
 */
export function describeWithRedis(name: string, fn: () => void, needsPrivate = false): void {
  const a = redisAvailability();
  const ok = needsPrivate ? a.binary : a.shared || a.binary;
  if (ok) {
    describe(name, fn);
    return;
  }
  const why = needsPrivate
    ? 'this suite restarts Redis and needs a private redis-server, but none is installed'
    : `no Redis answers on 127.0.0.1:${SHARED_REDIS_PORT} and no redis-server binary is installed`;
  if (isCi) {
    describe(name, () => {
      it('has a Redis to test against (required under CI=true)', () => {
        throw new Error(`Redis missing under CI: ${why} (apt-get install redis-server)`);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!! SKIPPING "${name}": ${why}.\n` +
      `!! Install redis-server (apt-get install redis-server) to run the cluster tests.\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`,
  );
  describe.skip(name, fn);
}

/** The shared Redis when reachable, else a fresh private one. */
export async function acquireRedis(): Promise<TestRedis> {
  if (redisAvailability().shared) {
    return {
      url: `redis://127.0.0.1:${SHARED_REDIS_PORT}`,
      port: SHARED_REDIS_PORT,
      isPrivate: false,
      stop: async () => {},
    };
  }
  const p = await server.startPrivateRedis();
  return { url: p.url, port: p.port, isPrivate: true, stop: () => p.stop() };
}

/** Always a private redis-server on a free port (for tests that restart or kill Redis). */
export function startPrivateRedis(): Promise<PrivateRedis> {
  return server.startPrivateRedis();
}

/** A key/channel prefix no other test (or helper sharing 6379) uses. */
export function uniquePrefix(tag = 'test'): string {
  return `stelar-${tag}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
