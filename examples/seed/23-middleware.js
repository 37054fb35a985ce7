'use strict';
// README 3.2 "Middleware": token authentication, IP blocking, logging — three middlewares run in
// order. `getUserIdFromToken` and `isBlocked` are stubs ('Bearer <user>' → '<user>'; 6.6.6.6 is
// blocked). As in the README, the IP middleware reads X-Forwarded-For itself — trust that header
// only behind your own proxy.
//   node examples/seed/23-middleware.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

const getUserIdFromToken = (token) => String(token).replace(/^Bearer\s+/i, '');
const isBlocked = (ip) => ip === '6.6.6.6';

async function main(options = {}) {
  const log = options.log ?? console.log;
  const stelar = new StelarServer({ port: options.port ?? portFrom('PORT', 3000), logger: options.logger });

  // Token authentication
  stelar.use((ctx, next) => {
    const token = ctx.req?.headers?.authorization;
    if (!token) {
      return ctx.ack('error', { message: 'Token required' });
    }
    // Validate token...
    ctx.setMetadata('userId', getUserIdFromToken(token));
    next();
  });

  // Custom rate limiting
  stelar.use((ctx, next) => {
    const ip = ctx.req?.headers?.['x-forwarded-for'] || ctx.socket.remoteAddress;
    if (isBlocked(ip)) {
      return ctx.socket.destroy();
    }
    next();
  });

  // Logging
  stelar.use((ctx, next) => {
    log(`New connection from ${ctx.clientInfo.remoteAddress}`);
    next();
  });

  const admitted = [];
  stelar.onConnection((ctx) => admitted.push(ctx.getMetadata('userId')));
  await stelar.start();
  return { stelar, admitted, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
