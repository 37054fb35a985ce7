'use strict';
// README 3.2 "Quick Start → Server with Production Configuration". express → node:http.
// The authentication middleware reads the Authorization header of the WebSocket handshake, so
// WebSocket clients must send one (client option `headers`) and an Origin from allowedOrigins.
// (TCP clients have no handshake request: ctx.req is null, so this middleware refuses them.)
//   node examples/seed/02-production-server.js [port]
const http = require('node:http');
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain, listen, closeHttp } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const app = http.createServer();
  const server = app;
  await listen(app, options.port ?? portFrom('PORT', 3000));

  const stelar = new StelarServer({
    server,
    maxConnections: 10000,
    maxConnectionsPerIP: 50,
    maxRooms: 10000,
    maxRoomsPerClient: 50,
    maxPayloadSize: 10 * 1024 * 1024,
    rateLimit: { maxPoints: 100, windowMs: 1000 },
    healthEndpoint: '/health',
    heartbeatInterval: 30000,
    heartbeatTimeout: 60000,
    gracefulShutdown: true,
    shutdownTimeout: 10000,
    allowedOrigins: ['https://mydomain.com'],
    logger: options.logger ?? 'info',
  });

  // Authentication middleware
  stelar.use((ctx, next) => {
    const token = ctx.req?.headers?.authorization;
    if (!token) return ctx.ack('error', { message: 'Token required' });
    next();
  });

  stelar.onConnection((client) => {
    log(`[${client.protocol}] Client connected: ${client.id} from ${client.remoteAddress}`);
    client.setMetadata('role', 'user');
    client.emit('welcome', { id: client.id });
  });

  stelar.onDisconnect((client) => {
    log('Client disconnected:', client.id);
  });

  stelar.on('chat', (ctx) => {
    ctx.broadcast('chat', ctx.data, ctx.id);
  });

  stelar.onAck('getUser', (ctx) => {
    return { id: ctx.data.id, name: 'John', role: ctx.getMetadata('role') };
  });

  await stelar.start();
  log('Server ready on port', stelar.getPort());
  return {
    stelar,
    port: stelar.getPort(),
    async stop() {
      await stelar.stop();
      await closeHttp(server);
    },
  };
}

module.exports = { main };
runMain(module, main);
