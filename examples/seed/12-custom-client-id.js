'use strict';
// README 3.2 "Custom Client ID Generator".
//   node examples/seed/12-custom-client-id.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    generateClientId: () => {
      return `user_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
    },
    logger: options.logger,
  });
  const seen = [];
  stelar.onConnection((ctx) => seen.push(ctx.id));
  await stelar.start();
  return { stelar, seen, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
