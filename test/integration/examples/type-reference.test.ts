/**
 * The type reference's TypeScript examples, compiled as printed against the package's types
 * (`npx tsc --noEmit -p .` type-checks this file; `npm test` runs tsc first) and run once so the
 * values they build are checked too. Only what the reference leaves to the reader is filled in:
 * `RedisClient` / `redisClient`, `verifyToken`, and `server` for the snippets that use one.
 */
import {
  StelarServer,
  StelarClient,
  type StelarStats,
  type IRateLimiter,
  type IIPTracker,
  type StelarMiddleware,
  type StelarEventHandler,
  type StelarWildcardHandler,
  type StelarOptions,
  type EventRateLimits,
  type StelarHooks,
  type StelarClientInfo,
  type StelarContext,
} from '../../../src';

interface RedisClient {
  incr(key: string): Promise<number>;
  expire(key: string, seconds: number): Promise<number>;
  del(key: string): Promise<number>;
}
const store = new Map<string, number>();
const redisClient: RedisClient = {
  incr: async (k) => {
    const n = (store.get(k) ?? 0) + 1;
    store.set(k, n);
    return n;
  },
  expire: async () => 1,
  del: async (k) => (store.delete(k) ? 1 : 0),
};
const verifyToken = (token: string): string => token.replace(/^Bearer\s+/i, '');

// ---- IRateLimiter (as printed)
class RedisRateLimiter implements IRateLimiter {
  constructor(private redis: RedisClient) {}

  async check(id: string, cost = 1): Promise<boolean> {
    const key = `ratelimit:${id}`;
    const count = await this.redis.incr(key);
    if (count === 1) await this.redis.expire(key, 1);
    return count <= 100;
  }

  async reset(id: string) { await this.redis.del(`ratelimit:${id}`); }
  async cleanup() { /* Redis TTLs handle expiry */ }
  async size() { return 0; }
}

// ---- IIPTracker (as printed)
class CustomIPTracker implements IIPTracker {
  private blocked = new Set(['1.2.3.4', '5.6.7.8']);
  private vip = new Set(['10.0.0.1']);
  private counts = new Map<string, number>();

  check(ip: string): boolean {
    if (this.blocked.has(ip)) return false;
    if (this.vip.has(ip)) return true;
    return (this.counts.get(ip) ?? 0) < 20;
  }

  add(ip: string) { this.counts.set(ip, (this.counts.get(ip) ?? 0) + 1); }
  remove(ip: string) {
    const n = (this.counts.get(ip) ?? 1) - 1;
    n <= 0 ? this.counts.delete(ip) : this.counts.set(ip, n);
  }
  getCount(ip: string) { return this.counts.get(ip) ?? 0; }
  cleanup() { for (const [ip, n] of this.counts) if (n <= 0) this.counts.delete(ip); }
}

const servers: StelarServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
function track(s: StelarServer): StelarServer {
  servers.push(s);
  return s;
}
const quiet = { logger: false, gracefulShutdown: false } as const;

describe('type reference examples compile and run', () => {
  it('IRateLimiter and IIPTracker implementations plug into StelarOptions', async () => {
    const server = track(new StelarServer({
      port: 0,
      customRateLimiter: new RedisRateLimiter(redisClient),
      customIPTracker: new CustomIPTracker(),
      ...quiet,
    }));
    await server.start();
    expect(server.getConfig()).toMatchObject({ hasCustomRateLimiter: true, hasCustomIPTracker: true });
    const tracker = new CustomIPTracker();
    expect([tracker.check('1.2.3.4'), tracker.check('10.0.0.1'), tracker.check('9.9.9.9')]).toEqual([false, true, true]);
  });

  it('StelarHooks, EventRateLimits and StelarOptions', async () => {
    const hooks: StelarHooks = {
      onClientJoinRoom: ({ clientId, room, metadata }) => {
        const role = metadata.get('role');
        if (room.startsWith('admin-') && role !== 'admin') return false;
      },
      onBeforeBroadcast: ({ event }) => {
        if (event === 'blocked-topic') return false;
      },
      onClientConnect: ({ clientId, ip, protocol }) => {
        void `[${protocol}] ${clientId} from ${ip}`;
      },
    };
    const eventRateLimits: EventRateLimits = {
      'chat':        { maxPoints: 5,  windowMs: 1000  }, // 5 msg/s
      'file-upload': { maxPoints: 2,  windowMs: 10000 }, // 2 per 10s
      'typing':      { maxPoints: 10, windowMs: 1000  }, // 10 msg/s
      'location':    { maxPoints: 1,  windowMs: 5000  }, // 1 per 5s
    };
    const options: StelarOptions = {
      port: 0,
      rateLimit: { maxPoints: 100, windowMs: 1000 }, // global: 100 msg/s
      eventRateLimits,
      hooks,
      ...quiet,
    };
    const server = track(new StelarServer(options));
    await server.start();
    expect(server.getConfig().hooks).toEqual(['onClientJoinRoom', 'onBeforeBroadcast', 'onClientConnect']);
    expect(server.getConfig().eventRateLimits).toEqual(['chat', 'file-upload', 'typing', 'location']);
  });

  it('StelarMiddleware, StelarEventHandler, StelarWildcardHandler, StelarStats, StelarClientInfo', async () => {
    const server = track(new StelarServer({ port: 0, ...quiet }));

    // The type reference's own example: `return ctx.socket.destroy()` must type-check.
    const authMiddleware: StelarMiddleware = (ctx, next) => {
      const token = ctx.req?.headers?.authorization;
      if (!token) return ctx.socket.destroy();
      ctx.setMetadata('userId', verifyToken(token));
      next();
    };

    server.use(authMiddleware);

    const handleChat: StelarEventHandler = (ctx) => {
      ctx.broadcast('chat', { from: ctx.id, text: ctx.data.text });
    };

    server.on('chat', handleChat);

    const seen: string[] = [];
    const logger: StelarWildcardHandler = ({ event, data: ctx }) => {
      seen.push(`[${ctx.id}] event="${event}"`);
    };

    server.onAll(logger);

    let info: StelarClientInfo | null = null;
    server.onConnection((ctx: StelarContext) => {
      info = ctx.clientInfo;
    });
    await server.start();
    const c = new StelarClient(`127.0.0.1:${server.getPort()}`, { reconnection: false, logger: 'silent', headers: { authorization: 'Bearer ada' } });
    try {
      await new Promise<void>((resolve) => c.connect(resolve));
      c.emit('chat', { text: 'hi' });
      for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(seen).toEqual([`[${c.getId()}] event="chat"`]);
      expect(info!.metadata.get('userId')).toBe('ada');
      const stats: StelarStats = server.getStats();
      expect(stats.activeConnections).toBe(1);
    } finally {
      c.disconnect();
    }
  });
});
