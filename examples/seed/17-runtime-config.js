'use strict';
// README 3.2 "Runtime Configuration": updateConfig() live, then getConfig(). `banUser` is a stub
// that records the ids it was given.
//   node examples/seed/17-runtime-config.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const banned = [];
  const banUser = (clientId) => banned.push(clientId);

  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    maxConnections: 100,
    tcpPort: options.tcpPort,
    logger: options.logger,
  });
  await stelar.start();
  const before = stelar.getConfig();

  // Later... you need more capacity
  stelar.updateConfig({
    maxConnections: 500,
    maxRooms: 5000,
    rateLimit: { maxPoints: 200, windowMs: 1000 },
    allowedOrigins: ['https://app.com', 'https://admin.app.com'],
  });

  // Change hooks at runtime
  stelar.updateConfig({
    hooks: {
      onRateLimitExceeded: ({ clientId }) => {
        banUser(clientId); // Auto-ban instead of disconnecting
        return false; // Don't disconnect, you already banned them
      },
    },
  });

  // View current configuration
  const config = stelar.getConfig();
  log(config);

  const received = [];
  stelar.on('msg', (ctx) => received.push(ctx.data));
  return { stelar, before, config, banned, received, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
