'use strict';
// The benchmark app on uWebSockets.js (native addon, see uws-native.js), written the way uWS
// users write it: the same JSON protocol as ws.server.js, rooms as uWS topics
// (ws.subscribe / app.publish), default backpressure settings.

const { loadUws } = require('./uws-native');

const decoder = new TextDecoder();

/** @param {{ port?: number }} options  port: a fixed port (the storm scenario restarts on it); default 0 */
module.exports = async function start(options) {
  const uws = loadUws();
  const app = uws.App();
  let connections = 0;
  const sockets = new Set();

  app.ws('/*', {
    maxPayloadLength: 1 << 20,
    open: (ws) => {
      connections++;
      sockets.add(ws);
    },
    message: (ws, message) => {
      let m;
      try {
        m = JSON.parse(decoder.decode(message));
      } catch {
        return;
      }
      switch (m.op) {
        case 'join':
          ws.subscribe(m.room);
          ws.send(JSON.stringify({ op: 'joined', room: m.room }));
          break;
        case 'pub':
          app.publish(m.room, JSON.stringify({ op: 'msg', d: m.d }));
          break;
        case 'echo':
          ws.send(JSON.stringify({ op: 'echo', id: m.id, d: m.d }));
          break;
      }
    },
    close: (ws) => {
      connections--;
      sockets.delete(ws);
    },
  });

  const listenSocket = await new Promise((resolve, reject) =>
    app.listen('127.0.0.1', (options && options.port) || 0, (token) => (token ? resolve(token) : reject(new Error('uWS listen failed')))),
  );
  return {
    port: uws.us_socket_local_port(listenSocket),
    connections: () => connections,
    stop: async () => {
      uws.us_listen_socket_close(listenSocket);
      for (const ws of [...sockets]) ws.close();
    },
  };
};
