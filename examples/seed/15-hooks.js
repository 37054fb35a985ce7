'use strict';
// README 3.2 "Hook System (Server)": all eleven hooks, logging through `log` (console by default).
//   node examples/seed/15-hooks.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const warn = options.log ?? console.warn;
  const error = options.log ?? console.error;
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    tcpPort: options.tcpPort,
    logger: options.logger,
    // Small limits (adaptation) so the limit hooks can be seen firing.
    maxRoomsPerClient: 3,
    maxPayloadSize: 64 * 1024,
    hooks: {
      // When a client exceeds the rate limit
      // Return false to NOT disconnect (e.g.: just warn)
      onRateLimitExceeded: ({ clientId, event, protocol }) => {
        warn(`Rate limit: ${clientId} on event ${event}`);
        // return false; // Uncomment to NOT disconnect the client
      },

      // When maximum connections is reached
      onMaxConnectionsReached: ({ activeConnections, max, ip }) => {
        error(`Server full: ${activeConnections}/${max} from ${ip}`);
        // Send alert to Slack, etc.
      },

      // When a client tries to join a room
      // Return false to REJECT the join
      onClientJoinRoom: ({ clientId, room, metadata }) => {
        const role = metadata.get('role');
        if (room.startsWith('admin-') && role !== 'admin') {
          return false; // Reject: admins only
        }
      },

      // When a client leaves a room
      // Return false to REJECT the leave
      onClientLeaveRoom: ({ clientId, room }) => {
        // Custom logic...
      },

      // When global maximum rooms is reached
      onMaxRoomsReached: ({ clientId, room, totalRooms, max }) => {
        warn(`Max rooms: ${totalRooms}/${max}`);
      },

      // When a client exceeds rooms per client
      onMaxRoomsPerClientReached: ({ clientId, room, currentRooms, max }) => {
        warn(`Client ${clientId}: ${currentRooms}/${max} rooms`);
      },

      // When a payload is too large
      onPayloadTooLarge: ({ clientId, event, size, max }) => {
        warn(`Large payload: ${size} bytes from ${clientId}`);
      },

      // When an invalid message is received
      onInvalidMessage: ({ clientId, reason, protocol }) => {
        warn(`Invalid message from ${clientId}: ${reason}`);
      },

      // Before a broadcast
      // Return false to CANCEL the broadcast
      onBeforeBroadcast: ({ event, data, excludeId }) => {
        if (event === 'spam') return false; // Cancel spam broadcast
      },

      // When a client connects
      onClientConnect: ({ clientId, ip, protocol, metadata }) => {
        log(`Connected: ${clientId} via ${protocol} from ${ip}`);
      },

      // When a client disconnects
      onClientDisconnect: ({ clientId, ip, protocol, rooms }) => {
        log(`Disconnected: ${clientId} was in ${rooms.size} rooms`);
      },
    },
  });
  // Lets a client become admin (adaptation, to show the allowed side of onClientJoinRoom).
  stelar.on('become-admin', (ctx) => ctx.setMetadata('role', 'admin'));
  stelar.on('shout', (ctx) => ctx.broadcast(ctx.data.event, ctx.data.payload));
  await stelar.start();
  return { stelar, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
