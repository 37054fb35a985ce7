'use strict';
// README 3.2 "Client Runtime Configuration": updateOptions() while connected, then getOptions().
//   node examples/seed/20-client-runtime-config.js [host:port]  (TARGET env; default localhost:3000)
const { StelarClient } = require('../../dist/src/index.js');
const { targetFrom, runMain, connected } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const client = new StelarClient(options.target ?? targetFrom('TARGET', 'localhost:3000'), options.clientOptions);
  await connected(client);

  // Later... adjust timeouts
  client.updateOptions({
    heartbeatInterval: 15000,
    ackTimeout: 10000,
    maxPayloadSize: 50 * 1024 * 1024, // 50MB
    hooks: {
      onBeforeEmit: ({ event }) => {
        if (event === 'log') return false; // No longer send logs
      },
    },
  });

  // View current configuration
  const opts = client.getOptions();
  log(opts);
  return { client, opts, finished: true, stop: () => client.disconnect() };
}

module.exports = { main };
runMain(module, main);
