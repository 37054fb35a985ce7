'use strict';
// Load client for the socket.io app, built on socket.io-client (WebSocket transport only, as
// production deployments behind a load balancer commonly configure it).

const { io } = require('socket.io-client');
const { seqOf } = require('../lib/payload');

/** Opens one connection; resolves once socket.io reports `connect`. */
function connect(endpoint, handlers = {}) {
  return new Promise((resolve, reject) => {
    const socket = io(`http://127.0.0.1:${endpoint.port}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 20000,
      localAddress: endpoint.localAddress,
    });
    const onMsg = handlers.onMsg;
    if (onMsg) socket.on('msg', (d) => onMsg(seqOf(d)));
    if (handlers.onClose) socket.once('disconnect', () => handlers.onClose());
    socket.once('connect_error', reject);
    socket.once('connect', () => {
      socket.off('connect_error', reject);
      // The raw net.Socket under engine.io-client's Node WebSocket transport (the `ws` package);
      // null once the server has closed the connection (e.g. its heartbeat timed out).
      const raw = () => {
        const t = socket.io.engine && socket.io.engine.transport;
        return (t && t.ws && t.ws._socket) || null;
      };
      resolve({
        join: (room) => new Promise((r) => socket.emit('join', room, () => r())),
        publish: (room, d) => socket.emit('pub', room, d),
        echo: (d) => new Promise((r) => socket.emit('echo', d, r)),
        pause: () => raw() && raw().pause(),
        resume: () => raw() && raw().resume(),
        close() {
          return new Promise((r) => {
            if (socket.disconnected) return r();
            const ws = socket.io.engine.transport.ws;
            ws.once('close', () => r());
            socket.disconnect();
          });
        },
        destroy() {
          const ws = socket.io.engine && socket.io.engine.transport && socket.io.engine.transport.ws;
          socket.io.reconnection(false);
          if (ws) ws.terminate();
          socket.disconnect();
        },
      });
    });
  });
}

module.exports = { connect };
