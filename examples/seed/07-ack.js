'use strict';
// README 3.2 "ACK (Request-Response)": getUsers and validateToken; `validateToken` is a stub
// accepting the token 'valid-token'.
//   node examples/seed/07-ack.js [port]      (PORT env; HOST env for the client, default localhost)
const { StelarServer, StelarClient } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

const validateToken = (token) => token === 'valid-token';

async function main(options = {}) {
  const log = options.log ?? console.log;
  const stelar = new StelarServer({ port: options.port ?? portFrom('PORT', 3000), logger: options.logger });

  // Server — Register ACK handler
  stelar.onAck('getUsers', (ctx) => {
    return { users: ['John', 'Mary', 'Peter'] };
  });

  stelar.onAck('validateToken', (ctx) => {
    const valid = validateToken(ctx.data.token);
    if (!valid) throw new Error('Invalid token');
    return { userId: 123 };
  });

  await stelar.start();

  // Client — Send request and wait for response
  const client = new StelarClient(`${options.host ?? process.env.HOST ?? 'localhost'}:${stelar.getPort()}`, { reconnection: false, ...options.clientOptions });
  client.connect();

  const users = await client.request('getUsers', {}, 'getUsers');
  log(users); // { users: ['John', 'Mary', 'Peter'] }

  let invalidError = null;
  try {
    const result = await client.request('validateToken', { token: 'abc' }, 'validateToken');
    log(result);
  } catch (err) {
    invalidError = err;
    log('Invalid token');
  }

  return {
    stelar,
    client,
    users,
    invalidError,
    async stop() {
      client.disconnect();
      await stelar.stop();
    },
  };
}

module.exports = { main };
runMain(module, main);
