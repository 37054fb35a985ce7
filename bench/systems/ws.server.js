'use strict';
// The benchmark app on `ws` 8, written the way ws users write it: JSON messages with an `op`,
// rooms as Map<room, Set<WebSocket>>, a broadcast stringified once and sent to each member.
//   {op:'join', room}            -> {op:'joined', room}
//   {op:'pub', room, d}          -> every member of room gets {op:'msg', d}
//   {op:'echo', id, d}           -> {op:'echo', id, d}

const http = require('node:http');
const { WebSocketServer } = require('ws');

/** @param {{ port?: number }} options  port: a fixed port (the storm scenario restarts on it); default 0 */
module.exports = async function start(options) {
  const httpServer = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: httpServer });
  const rooms = new Map();

  wss.on('connection', (ws) => {
    const joined = new Set();
    ws.on('message', (raw) => {
      let m;
      try {
        m = JSON.parse(raw);
      } catch {
        return;
      }
      switch (m.op) {
        case 'join': {
          let set = rooms.get(m.room);
          if (!set) rooms.set(m.room, (set = new Set()));
          set.add(ws);
          joined.add(m.room);
          ws.send(JSON.stringify({ op: 'joined', room: m.room }));
          break;
        }
        case 'pub': {
          const set = rooms.get(m.room);
          if (!set) return;
          const out = JSON.stringify({ op: 'msg', d: m.d });
          for (const peer of set) peer.send(out);
          break;
        }
        case 'echo':
          ws.send(JSON.stringify({ op: 'echo', id: m.id, d: m.d }));
          break;
      }
    });
    ws.on('close', () => {
      for (const room of joined) {
        const set = rooms.get(room);
        if (set && set.delete(ws) && set.size === 0) rooms.delete(room);
      }
    });
    ws.on('error', () => {});
  });

  await new Promise((resolve) => httpServer.listen((options && options.port) || 0, '127.0.0.1', resolve));
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
