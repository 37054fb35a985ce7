'use strict';
// README 3.2 "Server Metrics" and "Client Metrics": getStats() on the server, the metric
// getters on a client, after a short exchange (a client says hello, the server answers).
//   node examples/seed/09-metrics.js [port]
const { StelarServer, StelarClient } = require('../../dist/src/index.js');
const { portFrom, runMain, connected, once } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const stelar = new StelarServer({ port: options.port ?? portFrom('PORT', 3000), logger: options.logger });
  stelar.on('hello', (ctx) => ctx.emit('hi', { to: ctx.id }));
  await stelar.start();

  const client = new StelarClient(`${options.host ?? 'localhost'}:${stelar.getPort()}`, { reconnection: false });
  await connected(client);
  const answered = once(client, 'hi');
  client.emit('hello', {});
  await answered;

  const stats = stelar.getStats();
  log(stats);

  log('Messages sent:', client.getMessagesSent());
  log('Messages received:', client.getMessagesReceived());
  log('Connection time:', client.getConnectTime());
  log('Last error:', client.getLastError());
  log('Messages in queue:', client.getQueueSize());
  log('State:', client.getState());
  log('Connected?', client.isConnected());

  const clientMetrics = {
    messagesSent: client.getMessagesSent(),
    messagesReceived: client.getMessagesReceived(),
    connectTime: client.getConnectTime(),
    lastError: client.getLastError(),
    queueSize: client.getQueueSize(),
    state: client.getState(),
    connected: client.isConnected(),
  };
  return {
    stelar,
    client,
    stats,
    clientMetrics,
    async stop() {
      client.disconnect();
      await stelar.stop();
    },
  };
}

module.exports = { main };
runMain(module, main);
