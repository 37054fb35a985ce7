'use strict';
// README 3.2 "Quick Start → Client (Browser or Node.js)", as printed, against a server such as
// 02-production-server.js. Adaptations: the target comes from argv/env, `extraOptions` lets a
// caller add e.g. the handshake headers 02's middleware and origin list require, and the binary
// is sent last and the client disconnects at the end (so the script terminates).
//   node examples/seed/03-client.js [host:port]    (TARGET env; default localhost:3000)
const { StelarClient } = require('../../dist/src/index.js');
const { targetFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const target = options.target ?? targetFrom('TARGET', 'localhost:3000');
  const welcomes = [];

  const client = new StelarClient(target, {
    reconnection: true,
    reconnectionAttempts: 10,
    reconnectionDelay: 1000,
    maxReconnectionDelay: 30000,
    ackTimeout: 5000,
    messageQueueSize: 100,
    ...options.extraOptions,
  });

  client.on('connect', () => log('Connected!'));
  client.on('disconnect', () => log('Disconnected'));
  client.on('welcome', (data) => {
    welcomes.push(data);
    log('Welcome:', data);
  });

  client.connect();

  // Send message (queued until the connection is up, then flushed in order)
  client.emit('chat', { message: 'Hello everyone!' });

  // Request-response with Promise
  const user = await client.request('getUser', { id: 1 }, 'getUser');
  log(user); // { id: 1, name: 'John', role: 'user' }

  // Join rooms
  const joined = await Promise.all([client.joinRoom('general'), client.joinRoom('random')]);

  // Send binary
  const buffer = Buffer.from('binary data');
  client.emitBinary('file', buffer);

  return {
    client,
    user,
    joined,
    welcomes,
    finished: true,
    stop() {
      client.disconnect();
    },
  };
}

module.exports = { main };
runMain(module, main);
