'use strict';
// README 3.2 "Client Events": connect, disconnect ({ code, reason }), reconnecting (attempt),
// reconnect_failed, error — recorded in `events`. Small reconnection settings (adaptation) so
// the whole cycle is quick to watch: stop the server and see the attempts, then the failure.
//   node examples/seed/25-client-events.js [host:port]   (TARGET env; default localhost:3000)
const { StelarClient } = require('../../dist/src/index.js');
const { targetFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const events = [];
  const client = new StelarClient(options.target ?? targetFrom('TARGET', 'localhost:3000'), {
    reconnectionAttempts: 2,
    reconnectionDelay: 50,
    maxReconnectionDelay: 100,
    logger: 'silent',
    ...options.clientOptions,
  });

  client.on('connect', () => {
    // Connection established
    events.push(['connect', client.getId()]);
    log('connect', client.getId());
  });

  client.on('disconnect', (info) => {
    // info = { code, reason } for WebSocket
    events.push(['disconnect', info]);
    log('disconnect', info);
  });

  client.on('reconnecting', (attempt) => {
    // Reconnection attempt number `attempt`
    events.push(['reconnecting', attempt]);
    log('reconnecting', attempt);
  });

  client.on('reconnect_failed', () => {
    // Reconnection attempts exhausted
    events.push(['reconnect_failed']);
    log('reconnect_failed');
  });

  client.on('error', (err) => {
    // Connection or protocol error
    events.push(['error', err.message]);
  });

  await new Promise((resolve) => client.connect(resolve));
  return { client, events, stop: () => client.disconnect() };
}

module.exports = { main };
runMain(module, main);
