'use strict';
// README 3.2 "Horizontal Scalability": two instances bridged by Redis Pub/Sub. Adaptations:
// - `redis` is an in-memory pub/sub with node-redis v4's publish(channel, msg) /
//   subscribe(channel, listener) shape (pass `createRedis` to use a real client);
// - the README's onAll handler reads `ctx.eventName`, but onAll receives `{ event, data: ctx }`
//   (type reference, StelarWildcardHandler), so it destructures that.
// (Stelar also has built-in clustering: `new StelarServer({ cluster: { redis } })`, docs/CLUSTER.md.)
//   node examples/seed/22-horizontal-scaling.js [port] [port2]
const { EventEmitter } = require('node:events');
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

/** One in-memory "Redis server" shared by the instances' clients. */
function memoryRedis() {
  const bus = new EventEmitter();
  return {
    createClient: () => ({
      publish: async (channel, message) => void bus.emit(channel, message),
      subscribe: async (channel, listener) => void bus.on(channel, listener),
      quit: async () => bus.removeAllListeners(),
    }),
  };
}

async function startInstance(Redis, port, options) {
  const redis = Redis.createClient();
  const stelar = new StelarServer({ port, tcpPort: options.tcpPort, logger: options.logger });

  // When a broadcast happens on this instance, publish to Redis
  stelar.onAll(({ event, data: ctx }) => {
    redis.publish('stelar:events', JSON.stringify({
      event,
      data: ctx.data,
      excludeId: ctx.id,
    }));
  });

  // When another instance publishes, emit locally
  await redis.subscribe('stelar:events', (message) => {
    const { event, data, excludeId } = JSON.parse(message);
    stelar.broadcast(event, data, excludeId);
  });

  await stelar.start();
  return { stelar, redis };
}

async function main(options = {}) {
  const Redis = options.Redis ?? memoryRedis();
  const a = await startInstance(Redis, options.port ?? portFrom('PORT', 3000), options);
  const b = await startInstance(Redis, options.port2 ?? (options.port === 0 ? 0 : portFrom('PORT2', 3002, 3)), options);
  return {
    instances: [a.stelar, b.stelar],
    async stop() {
      await Promise.all([a.stelar.stop(), b.stelar.stop()]);
      await a.redis.quit();
      await b.redis.quit();
    },
  };
}

module.exports = { main };
runMain(module, main);
