'use strict';
// A deliberately broken variant of the ws benchmark app (bench/systems/ws.server.js, same JSON
// protocol and client), used only by the scale bench's self-test (scale.selftest.js) to prove
// that the harness reports a system that loses messages or stops responding instead of hanging:
//   { fault: 'lossy' }   after the 25th, every 7th broadcast skips the room's first member (lost deliveries);
//   { fault: 'freeze' }  the 25th broadcast blocks the event loop for 60 s (bounded), so the
//                        server answers nothing (not even the driver's IPC) until it is killed.
// Its numbers mean nothing.

const http = require('node:http');
const { WebSocketServer } = require('ws');

/** @param {{ fault: 'lossy' | 'freeze' }} options */
module.exports = async function start(options) {
  const fault = options && options.fault;
  const httpServer = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: httpServer });
  const room = new Set();
  let broadcasts = 0;

  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      let m;
      try {
        m = JSON.parse(raw);
      } catch {
        return;
      }
      if (m.op === 'join') {
        room.add(ws);
        ws.send(JSON.stringify({ op: 'joined', room: m.room }));
      } else if (m.op === 'pub') {
        broadcasts++;
        if (fault === 'freeze' && broadcasts === 25) {
          const until = Date.now() + 60000;
          while (Date.now() < until) {
            // Blocked on purpose (bounded): the harness must time out and kill this process.
          }
        }
        const out = JSON.stringify({ op: 'msg', d: m.d });
        let first = true;
        for (const peer of room) {
          if (fault === 'lossy' && first && broadcasts > 25 && broadcasts % 7 === 0) {
            first = false;
            continue;
          }
          first = false;
          peer.send(out);
        }
      }
    });
    ws.on('close', () => room.delete(ws));
    ws.on('error', () => {});
  });

  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return {
    port: httpServer.address().port,
    connections: () => wss.clients.size,
    stop: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => httpServer.close(() => resolve()));
      }),
  };
};
