'use strict';
// README 3.2 "Quick Start → Basic Server". express → node:http (an express app is an http
// listener too: `new StelarServer({ server: app.listen(port) })` works the same way).
//   node examples/seed/01-basic-server.js [port]      (PORT env; 0 = ephemeral)
const http = require('node:http');
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain, listen, closeHttp } = require('./_shared');

/** @param {{ port?: number, tcpPort?: number|false, logger?: any, log?: Function }} options */
async function main(options = {}) {
  const log = options.log ?? console.log;
  const server = http.createServer(); // const app = express(); const server = app.listen(3000);
  const port = await listen(server, options.port ?? portFrom('PORT', 3000));

  const stelar = new StelarServer({ server, tcpPort: options.tcpPort, logger: options.logger });

  stelar.onConnection((client) => {
    log('Connected:', client.id);
    client.emit('welcome', { message: 'Welcome to the server!' });
  });

  stelar.on('chat', (ctx) => {
    ctx.broadcast('chat', ctx.data, ctx.id);
  });

  await stelar.start();
  return {
    stelar,
    port,
    tcpPort: stelar.getTcpPort(),
    async stop() {
      await stelar.stop();
      await closeHttp(server);
    },
  };
}

module.exports = { main };
runMain(module, main);
