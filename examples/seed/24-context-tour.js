'use strict';
// README 3.2 "StelarContext (ctx) — Inside handlers": every member of the context, used in a
// 'message' handler that reports what it saw (event 'tour') and exercises each action.
//   node examples/seed/24-context-tour.js [port] [tcpPort]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    tcpPort: options.tcpPort ?? portFrom('TCP_PORT', 3001, 3),
    logger: options.logger,
  });

  stelar.on('message', (ctx) => {
    // Client information
    const seen = {
      id: ctx.id, // Unique client ID
      hasSocket: typeof ctx.socket.write === 'function', // Raw net.Socket
      reqIsNull: ctx.req === null, // HTTP request (null for TCP)
      data: ctx.data, // Received data
      rooms: [...ctx.clientInfo.rooms], // Client's room Set
      metadataIsMap: ctx.clientInfo.metadata instanceof Map, // Custom metadata Map
      remoteAddress: ctx.clientInfo.remoteAddress, // Client's IP address
      protocol: ctx.clientInfo.protocol, // 'ws' or 'tcp'
    };

    // Actions — Rooms
    ctx.joinRoom('room'); // Join a room
    seen.roomClients = ctx.getClients('room').map((c) => c.id); // List room clients

    // Actions — Metadata
    ctx.setMetadata('role', 'admin'); // Store custom data
    seen.role = ctx.getMetadata('role'); // Read custom data

    // Actions — Send messages
    ctx.emit('tour', seen); // Send to this client
    ctx.send('response', { via: 'send' }); // Respond to ACK (a push outside a request)
    ctx.emitBinary('event-bin', Buffer.from([1, 2, 3])); // Send binary
    ctx.broadcast('event', { from: ctx.id }); // Send to all (excluding self)
    ctx.broadcastBinary('event-bin-all', Buffer.from([4, 5])); // Binary broadcast
    ctx.to('room', 'room-event', { from: ctx.id }); // Send to a room
    if (ctx.data && ctx.data.peer) ctx.toId(ctx.data.peer, 'direct', { from: ctx.id }); // Send to specific client (O(1))

    // Actions — ACK
    ctx.ack('myAck', { via: 'ack' }); // Respond to an ACK request (a push here)

    ctx.leaveRoom('room'); // Leave a room
  });

  await stelar.start();
  return { stelar, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
