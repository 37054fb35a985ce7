'use strict';
// Load client for Stelar's binary TCP transport, on a raw net.Socket, implementing the framing
// of docs/PROTOCOL.md: totalLen u32 BE | type u8 | eventLen u16 BE | event | payload, where
// totalLen counts every byte after itself. Sends Connect {"v":1} and is ready when the server
// answers Connect; answers Ping with Pong.

const net = require('node:net');
const { seqOf } = require('../lib/payload');

const T_EVENT = 0;
const T_PING = 2;
const T_PONG = 3;
const T_ACK_REQ = 4;
const T_ACK_RES = 5;
const T_CONNECT = 6;
const T_DISCONNECT = 7;
const T_JOIN = 8;
const T_ERROR = 10;

/** Encodes one frame. */
function frame(type, event, payload) {
  const ev = Buffer.from(event, 'utf8');
  const body = payload === undefined ? Buffer.alloc(0) : Buffer.from(payload, 'utf8');
  const buf = Buffer.allocUnsafe(7 + ev.length + body.length);
  buf.writeUInt32BE(3 + ev.length + body.length, 0);
  buf[4] = type;
  buf.writeUInt16BE(ev.length, 5);
  ev.copy(buf, 7);
  body.copy(buf, 7 + ev.length);
  return buf;
}

/** Opens one connection; resolves once the server's Connect frame arrives. */
function connect(endpoint, handlers = {}) {
  return new Promise((resolve, reject) => {
    if (!endpoint.tcpPort) return reject(new Error('server has no TCP port'));
    const sock = net.connect({ host: '127.0.0.1', port: endpoint.tcpPort, noDelay: true });
    const onMsg = handlers.onMsg;
    const pending = new Map();
    let nextId = 1;
    let api = null;
    let buffered = null;

    const onFrame = (type, event, payload) => {
      switch (type) {
        case T_EVENT:
          if (onMsg) onMsg(seqOf(payload));
          break;
        case T_PING:
          sock.write(frame(T_PONG, ''));
          break;
        case T_CONNECT:
          if (!api) resolve((api = makeApi()));
          break;
        case T_ACK_RES:
        case T_JOIN: {
          const m = JSON.parse(payload);
          const p = pending.get(m.id);
          if (!p) break;
          pending.delete(m.id);
          if (type === T_JOIN && m.ok === false) p.rej(new Error(`join refused: ${m.reason}`));
          else if (m.error !== undefined) p.rej(new Error(`ack error: ${m.error}`));
          else p.res(m.data);
          break;
        }
        case T_ERROR:
          if (!api) reject(new Error(`${event.toString()}: ${payload.toString()}`));
          break;
        case T_DISCONNECT:
          break;
      }
    };

    sock.on('data', (chunk) => {
      let buf = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      let off = 0;
      while (buf.length - off >= 7) {
        const total = buf.readUInt32BE(off);
        if (buf.length - off < 4 + total) break;
        const evLen = buf.readUInt16BE(off + 5);
        const event = buf.subarray(off + 7, off + 7 + evLen);
        const payload = buf.subarray(off + 7 + evLen, off + 4 + total);
        onFrame(buf[off + 4], event, payload);
        off += 4 + total;
      }
      buffered = off < buf.length ? buf.subarray(off) : null;
    });
    sock.once('error', reject);
    sock.once('close', () => {
      if (!api) reject(new Error('TCP connection closed before Connect'));
      else if (handlers.onClose) handlers.onClose();
    });
    // endpoint.session: ask for a recovery session (the hello's `x-stelar-session` header), so
    // deliveries come positioned (event `msg NUL [stream,offset,epoch]`; the payload is the same).
    const hello = endpoint.session ? JSON.stringify({ v: 1, headers: { 'x-stelar-session': '{"v":1}' } }) : '{"v":1}';
    sock.once('connect', () => sock.write(frame(T_CONNECT, '', hello)));

    const request = (type, event, obj) =>
      new Promise((res, rej) => {
        const id = nextId++;
        pending.set(id, { res, rej });
        obj.id = id;
        sock.write(frame(type, event, JSON.stringify(obj)));
      });

    function makeApi() {
      sock.removeListener('error', reject);
      sock.on('error', () => {});
      return {
        join: (room) => request(T_JOIN, room, {}),
        publish(room, d) {
          sock.write(frame(T_EVENT, 'pub', JSON.stringify({ room, d })));
        },
        echo: (d) => request(T_ACK_REQ, 'echo', { ack: 'echo', data: d }),
        pause: () => sock.pause(),
        resume: () => sock.resume(),
        close() {
          return new Promise((r) => {
            if (sock.destroyed) return r();
            sock.once('close', () => r());
            sock.end(frame(T_DISCONNECT, '', '{"code":1000,"reason":"bye"}'));
          });
        },
        destroy: () => sock.destroy(),
      };
    }
  });
}

module.exports = { connect };
