'use strict';
// README 3.2 "Custom Rate Limiter" / type reference IRateLimiter: an async Redis-backed limiter
// (100 messages per second per client). `redisClient` is a tiny in-memory fake with the three
// Redis calls the limiter uses (incr / expire / del); swap in an ioredis client in production.
//   node examples/seed/10-custom-rate-limiter.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain, FakeRedis } = require('./_shared');

// Your own rate limiter with Redis
class RedisRateLimiter {
  constructor(redisClient) {
    this.redis = redisClient;
  }

  async check(id, cost = 1) {
    const key = `ratelimit:${id}`;
    const current = await this.redis.incr(key);
    if (current === 1) {
      await this.redis.expire(key, 1); // 1 second window
    }
    return current <= 100; // 100 per second
  }

  async reset(id) {
    await this.redis.del(`ratelimit:${id}`);
  }

  async cleanup() {
    // Redis handles expiration automatically
  }

  async size() {
    return 0; // Not applicable with Redis
  }
}

async function main(options = {}) {
  const redisClient = options.redisClient ?? new FakeRedis();
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    tcpPort: options.tcpPort,
    customRateLimiter: new RedisRateLimiter(redisClient),
    logger: options.logger,
    hooks: options.hooks,
  });
  stelar.on('chat', (ctx) => ctx.emit('chat:ok', ctx.data));
  await stelar.start();
  return {
    stelar,
    redisClient,
    RedisRateLimiter,
    async stop() {
      await stelar.stop();
      if (!options.redisClient) redisClient.quit();
    },
  };
}

module.exports = { main, RedisRateLimiter };
runMain(module, main);
