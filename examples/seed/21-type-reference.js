'use strict';
// Type reference examples: StelarMiddleware (authMiddleware), StelarEventHandler (handleChat),
// StelarWildcardHandler (logger), and the StelarHooks example. `verifyToken` is a stub that
// maps 'Bearer <user>' to '<user>'. The README's `const server = new StelarServer({ port: 3000,
// hooks })` is the one server here. In TypeScript:
//   const authMiddleware: StelarMiddleware = (ctx, next) => { … };
//   const handleChat: StelarEventHandler = (ctx) => { … };
//   const logger: StelarWildcardHandler = ({ event, data: ctx }) => { … };
//   node examples/seed/21-type-reference.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

const verifyToken = (token) => String(token).replace(/^Bearer\s+/i, '');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const server = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    tcpPort: options.tcpPort,
    logger: options.logger,
    hooks: {
      onClientJoinRoom: ({ clientId, room, metadata }) => {
        const role = metadata.get('role');
        if (room.startsWith('admin-') && role !== 'admin') return false;
      },
      onBeforeBroadcast: ({ event }) => {
        if (event === 'blocked-topic') return false;
      },
      onClientConnect: ({ clientId, ip, protocol }) => {
        log(`[${protocol}] ${clientId} from ${ip}`);
      },
    },
  });

  /** @type {import('../../dist/src/index.js').StelarMiddleware} */
  const authMiddleware = (ctx, next) => {
    const token = ctx.req?.headers?.authorization;
    if (!token) return ctx.socket.destroy();
    ctx.setMetadata('userId', verifyToken(token));
    next();
  };

  server.use(authMiddleware);

  /** @type {import('../../dist/src/index.js').StelarEventHandler} */
  const handleChat = (ctx) => {
    ctx.broadcast('chat', { from: ctx.id, text: ctx.data.text });
  };

  server.on('chat', handleChat);

  /** @type {import('../../dist/src/index.js').StelarWildcardHandler} */
  const logger = ({ event, data: ctx }) => {
    log(`[${ctx.id}] event="${event}"`);
  };

  server.onAll(logger);

  const connections = [];
  server.onConnection((ctx) => connections.push({ id: ctx.id, userId: ctx.getMetadata('userId') }));
  server.on('whoami', (ctx) => ctx.emit('you', { userId: ctx.getMetadata('userId') }));
  server.on('topic', (ctx) => ctx.broadcast(ctx.data.event, ctx.data.payload));
  await server.start();
  return { stelar: server, connections, stop: () => server.stop() };
}

module.exports = { main };
runMain(module, main);
