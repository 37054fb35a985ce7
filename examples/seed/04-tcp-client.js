'use strict';
// README 3.2 "Client with TCP Mode (Node.js only — maximum efficiency)". Start a server with a
// TCP port first, e.g. `TCP_PORT=3001 node examples/seed/05-tls.js` (TLS) or 01 with tcpPort.
//   node examples/seed/04-tcp-client.js [host:port]   (TARGET env; default localhost:3001)
const { StelarClient } = require('../../dist/src/index.js');
const { targetFrom, runMain, once } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const client = new StelarClient(options.target ?? targetFrom('TARGET', 'localhost:3001'), {
    mode: 'tcp',
    reconnection: true,
  });

  client.on('connect', () => log('TCP connected!'));
  const connected = once(client, 'connect');
  client.connect();
  await connected;
  return {
    client,
    finished: true,
    stop() {
      client.disconnect();
    },
  };
}

module.exports = { main };
runMain(module, main);
