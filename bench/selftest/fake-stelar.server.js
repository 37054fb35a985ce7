'use strict';
// A minimal stand-in for a Stelar server that speaks docs/PROTOCOL.md on both transports
// (WebSocket JSON mapping via `ws`, TCP framing via `net`). It exists only to self-test the
// harness's Stelar load clients (stelar-ws.client.js, stelar-tcp.client.js) before the real
// StelarServer lands: `node bench/run.js --quick --systems fake-stelar,fake-stelar-tcp`.
// Its numbers mean nothing about Stelar.

const http = require('node:http');
const net = require('node:net');
const { WebSocketServer } = require('ws');

function tcpFrame(type, event, payload) {
  const ev = Buffer.from(event, 'utf8');
  const body = Buffer.from(payload || '', 'utf8');
  const buf = Buffer.allocUnsafe(7 + ev.length + body.length);
  buf.writeUInt32BE(3 + ev.length + body.length, 0);
  buf[4] = type;
  buf.writeUInt16BE(ev.length, 5);
  ev.copy(buf, 7);
  body.copy(buf, 7 + ev.length);
  return buf;
}

/** @param {{ tcp?: boolean }} options */
module.exports = async function start(options) {
  const rooms = new Map(); // room -> Set<{ send(json, tcpBuf) }>
  let nextId = 1;
  let count = 0;
  const join = (room, member) => {
    let set = rooms.get(room);
    if (!set) rooms.set(room, (set = new Set()));
    set.add(member);
  };
  const leaveAll = (member) => {
    for (const [room, set] of rooms) if (set.delete(member) && set.size === 0) rooms.delete(room);
  };
  const publish = (room, d) => {
    const set = rooms.get(room);
    if (!set) return;
    const json = JSON.stringify({ t: 0, e: 'msg', d });
    let tcp = null;
    for (const m of set) {
      if (m.ws) m.ws.send(json);
      else m.sock.write(tcp || (tcp = tcpFrame(0, 'msg', JSON.stringify(d))));
    }
  };

  const httpServer = http.createServer();
  const wss = new WebSocketServer({ server: httpServer });
  wss.on('connection', (ws) => {
    count++;
    const member = { ws };
    ws.send(JSON.stringify({ t: 6, id: `c${nextId++}`, maxPayloadSize: 1 << 20, heartbeatInterval: 25000 }));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw);
      if (m.t === 8) {
        join(m.room, member);
        ws.send(JSON.stringify({ t: 8, room: m.room, i: m.i, ok: true }));
      } else if (m.t === 0 && m.e === 'pub') publish(m.d.room, m.d.d);
      else if (m.t === 4) ws.send(JSON.stringify({ t: 5, a: m.a, i: m.i, d: m.d }));
    });
    ws.on('close', () => {
      count--;
      leaveAll(member);
    });
  });
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));

  let tcpServer = null;
  if (options && options.tcp) {
    tcpServer = net.createServer((sock) => {
      count++;
      const member = { sock };
      let buffered = null;
      sock.setNoDelay(true);
      sock.on('data', (chunk) => {
        const buf = buffered ? Buffer.concat([buffered, chunk]) : chunk;
        let off = 0;
        while (buf.length - off >= 7) {
          const total = buf.readUInt32BE(off);
          if (buf.length - off < 4 + total) break;
          const type = buf[off + 4];
          const evLen = buf.readUInt16BE(off + 5);
          const event = buf.toString('utf8', off + 7, off + 7 + evLen);
          const payload = buf.toString('utf8', off + 7 + evLen, off + 4 + total);
          off += 4 + total;
          if (type === 6) {
            sock.write(tcpFrame(6, `c${nextId++}`, JSON.stringify({ maxPayloadSize: 1 << 20, heartbeatInterval: 25000 })));
          } else if (type === 8) {
            join(event, member);
            const id = payload ? JSON.parse(payload).id : undefined;
            sock.write(tcpFrame(8, event, JSON.stringify({ ok: true, id })));
          } else if (type === 0 && event === 'pub') {
            const d = JSON.parse(payload);
            publish(d.room, d.d);
          } else if (type === 4) {
            const r = JSON.parse(payload);
            sock.write(tcpFrame(5, r.ack, JSON.stringify({ id: r.id, data: r.data })));
          } else if (type === 2) sock.write(tcpFrame(3, ''));
          else if (type === 7) sock.end();
        }
        buffered = off < buf.length ? buf.subarray(off) : null;
      });
      sock.on('error', () => {});
      sock.on('close', () => {
        count--;
        leaveAll(member);
      });
    });
    await new Promise((r) => tcpServer.listen(0, '127.0.0.1', r));
  }

  return {
    port: httpServer.address().port,
    tcpPort: tcpServer ? tcpServer.address().port : undefined,
    connections: () => count,
    stop: async () => {
      for (const ws of wss.clients) ws.terminate();
      httpServer.close();
      if (tcpServer) tcpServer.close();
    },
  };
};
