'use strict';
// README 3.2 "Event-Specific Rate Limits" / type reference EventRateLimits, with the runtime
// setEventRateLimit / removeEventRateLimit calls.
//   node examples/seed/13-event-rate-limits.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    tcpPort: options.tcpPort,
    rateLimit: { maxPoints: 100, windowMs: 1000 }, // Global: 100 msg/sec
    eventRateLimits: {
      'chat': { maxPoints: 5, windowMs: 1000 }, // Chat: 5 msg/sec
      'file-upload': { maxPoints: 2, windowMs: 10000 }, // Files: 2 every 10s
      'typing': { maxPoints: 10, windowMs: 1000 }, // Typing: 10 msg/sec
      'location': { maxPoints: 1, windowMs: 5000 }, // Location: 1 every 5s
    },
    logger: options.logger,
    hooks: options.hooks,
  });
  const received = [];
  stelar.onAll(({ event }) => received.push(event));

  // You can also add/remove at runtime:
  stelar.setEventRateLimit('voice', { maxPoints: 50, windowMs: 1000 });
  const withVoice = stelar.getConfig().eventRateLimits;
  stelar.removeEventRateLimit('voice');

  await stelar.start();
  return { stelar, received, withVoice, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
