'use strict';
// The benchmark app on socket.io 4.8, written the way socket.io users write it: rooms with
// socket.join, broadcast with io.to(room).emit, acknowledgements for join and echo.

const http = require('node:http');
const { Server } = require('socket.io');

/** @param {{ port?: number }} options  port: a fixed port (the storm scenario restarts on it); default 0 */
module.exports = async function start(options) {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { serveClient: false });

  io.on('connection', (socket) => {
    socket.on('join', (room, ack) => {
      socket.join(room);
      ack(room);
    });
    socket.on('pub', (room, d) => io.to(room).emit('msg', d));
    socket.on('echo', (d, ack) => ack(d));
  });

  await new Promise((resolve) => httpServer.listen((options && options.port) || 0, '127.0.0.1', resolve));
  return {
    port: httpServer.address().port,
    connections: () => io.engine.clientsCount,
    stop: () => new Promise((resolve) => io.close(() => resolve())),
  };
};
