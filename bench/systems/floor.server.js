'use strict';
// The floor (issue #17): the least a Node WebSocket server can do and still run the benchmark
// app. No framework, no library: node:net (or, with { http: true }, node:http's 'upgrade'), a
// fixed 101 with the real Sec-WebSocket-Accept, a frame parser that handles exactly what the
// bench's clients send (masked frames, 7/16-bit lengths, split or coalesced across chunks), the
// same JSON `op` protocol as ws.server.js and uws.server.js, rooms as Map<room, Set<socket>>, a
// broadcast framed once and written to each member (one socket.write per delivery), the close
// handshake answered with a close frame and the socket's end. What it leaves out is what every
// real server must add: validation (UTF-8, reserved bits, limits, opcodes other than
// text/binary/close/ping), timeouts, backpressure, fragmentation, extensions, errors. So any
// server built on a Node socket costs at least this per unit; Stelar's distance to it is
// Stelar's own, and the floor's distance to uWebSockets.js is Node's.
// Options: { http: true } reads the upgrade request with Node's http parser (the `floor-http`
// system) instead of looking for the key in the raw head.

const crypto = require('node:crypto');
const http = require('node:http');
const net = require('node:net');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const CLOSE_1000 = Buffer.from([0x88, 0x02, 0x03, 0xe8]);
const KEY = /\r\nsec-websocket-key:[ \t]*([^\r\n]+?)[ \t]*\r\n/i;

const response = (key) =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${crypto.hash('sha1', key + GUID, 'base64')}\r\n\r\n`;

/** An unmasked server text frame around `s` (one allocation). */
function frame(s) {
  const n = Buffer.byteLength(s);
  const h = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(h + n);
  out[0] = 0x81;
  if (h === 2) out[1] = n;
  else if (h === 4) (out[1] = 126), out.writeUInt16BE(n, 2);
  else (out[1] = 127), out.writeBigUInt64BE(BigInt(n), 2);
  out.write(s, h, 'utf8');
  return out;
}

/** @param {{ http?: boolean }} options */
module.exports = async function start(options) {
  const rooms = new Map();
  const sockets = new Set();

  function message(socket, text) {
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    switch (m.op) {
      case 'join': {
        let set = rooms.get(m.room);
        if (!set) rooms.set(m.room, (set = new Set()));
        set.add(socket);
        (socket.joined ||= []).push(m.room);
        socket.write(frame(JSON.stringify({ op: 'joined', room: m.room })));
        break;
      }
      case 'pub': {
        const set = rooms.get(m.room);
        if (!set) return;
        const out = frame(JSON.stringify({ op: 'msg', d: m.d }));
        for (const peer of set) peer.write(out);
        break;
      }
      case 'echo':
        socket.write(frame(JSON.stringify({ op: 'echo', id: m.id, d: m.d })));
        break;
    }
  }

  /** Parses every complete frame in `buf`; returns the unparsed rest (or null). */
  function frames(socket, buf) {
    let off = 0;
    while (buf.length - off >= 2) {
      const op = buf[off] & 0x0f;
      let len = buf[off + 1] & 0x7f;
      let p = off + 2;
      if (len === 126) {
        if (buf.length - off < 4) break;
        len = buf.readUInt16BE(off + 2);
        p += 2;
      } else if (len === 127) {
        if (buf.length - off < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        p += 8;
      }
      if (buf.length < p + 4 + len) break;
      const mask = p;
      p += 4;
      for (let i = 0; i < len; i++) buf[p + i] ^= buf[mask + (i & 3)];
      off = p + len;
      if (op === 1 || op === 2) message(socket, buf.toString('utf8', p, off));
      else if (op === 8) {
        socket.end(CLOSE_1000);
        return null;
      } else if (op === 9) socket.write(Buffer.concat([Buffer.from([0x8a, len]), buf.subarray(p, off)]));
    }
    return off === buf.length ? null : buf.subarray(off);
  }

  function onData(chunk) {
    const rest = this.rest;
    this.rest = frames(this, rest ? Buffer.concat([rest, chunk]) : chunk);
  }

  function onClose() {
    sockets.delete(this);
    if (this.joined) for (const room of this.joined) {
      const set = rooms.get(room);
      if (set && set.delete(this) && set.size === 0) rooms.delete(room);
    }
  }

  function open(socket, key, head) {
    socket.rest = null; // `joined` (the rooms to leave on close) is added by the first join
    socket.on('data', onData);
    socket.on('close', onClose);
    sockets.add(socket);
    socket.write(response(key));
    if (head && head.length) socket.emit('data', head);
  }

  function onError() {}

  let server;
  if (options && options.http) {
    server = http.createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', onError);
      open(socket, req.headers['sec-websocket-key'], head);
    });
  } else {
    // The raw head: wait for its end, take the key, hand the rest (if any) to the frame parser.
    server = net.createServer({ noDelay: true }, (socket) => {
      socket.on('error', onError);
      let head = '';
      const onHead = (chunk) => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.removeListener('data', onHead);
        const k = KEY.exec(head.slice(0, end + 2));
        if (!k) return socket.destroy();
        const rest = Buffer.from(head.slice(end + 4), 'latin1');
        open(socket, k[1], rest);
      };
      socket.on('data', onHead);
    });
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    connections: () => sockets.size,
    stop: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
};
