'use strict';
// README 3.2 "Rooms": joinChannel / channelMessage on the server, joinRoom on the client.
// The server speaks WebSocket and TCP (Architecture: both protocols share the same rooms).
//   node examples/seed/06-rooms.js [port] [tcpPort]
const { StelarServer, StelarClient } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    tcpPort: options.tcpPort ?? portFrom('TCP_PORT', 3001, 3),
    logger: options.logger,
  });

  // Server
  stelar.on('joinChannel', (ctx) => {
    ctx.joinRoom(ctx.data.channel);
    ctx.to(ctx.data.channel, 'userJoined', { userId: ctx.id });
  });

  stelar.on('channelMessage', (ctx) => {
    const rooms = ctx.clientInfo.rooms;
    for (const room of rooms) {
      ctx.to(room, 'channelMessage', ctx.data, ctx.id);
    }
  });

  await stelar.start();

  /** The README's client part: join three rooms. */
  async function joinDefaultRooms(client) {
    return Promise.all([client.joinRoom('general'), client.joinRoom('random'), client.joinRoom('project-alpha')]);
  }

  return {
    stelar,
    port: stelar.getPort(),
    tcpPort: stelar.getTcpPort(),
    StelarClient,
    joinDefaultRooms,
    stop: () => stelar.stop(),
  };
}

module.exports = { main };
runMain(module, main);
