'use strict';
// README 3.2 "Per-Client Rate Limits". The README reads the role in onConnection; something has
// to set it first, so a middleware (adaptation) takes it from an `x-role` handshake header —
// in a real app it would come from the verified auth token, never from the client's say-so.
//   node examples/seed/14-per-client-rate-limits.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    rateLimit: { maxPoints: 100, windowMs: 1000 },
    logger: options.logger,
    hooks: options.hooks,
  });

  stelar.use((ctx, next) => {
    const role = ctx.req?.headers?.['x-role'];
    if (role) ctx.setMetadata('role', role);
    next();
  });

  stelar.onConnection((ctx) => {
    const role = ctx.getMetadata('role');

    // Premium user: 500 msg/sec
    if (role === 'premium') {
      stelar.setClientRateLimit(ctx.id, { maxPoints: 500, windowMs: 1000 });
    }
    // Verified bot: 1000 msg/sec
    else if (role === 'bot') {
      stelar.setClientRateLimit(ctx.id, { maxPoints: 1000, windowMs: 1000 });
    }
    // Normal user: uses global rate limit (100 msg/sec)
  });

  const counts = new Map();
  stelar.on('tick', (ctx) => counts.set(ctx.id, (counts.get(ctx.id) ?? 0) + 1));

  // Remove override (reverts to global):
  const revert = (clientId) => stelar.removeClientRateLimit(clientId);

  await stelar.start();
  return { stelar, counts, revert, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
