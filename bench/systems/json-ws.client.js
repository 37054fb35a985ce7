'use strict';
// Load client for the ws and uWebSockets.js apps (same JSON `op` protocol), built on the `ws`
// package. Implements the driver's client interface (see systems/index.js).

const WebSocket = require('ws');
const { seqOf } = require('../lib/payload');

/** Opens one connection; resolves once the WebSocket is open. */
function connect(endpoint, handlers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${endpoint.port}/`, { perMessageDeflate: false, localAddress: endpoint.localAddress });
    const onMsg = handlers.onMsg;
    let joinWaiters = [];
    const pending = new Map();
    let nextId = 1;
    ws.on('message', (data) => {
      // Broadcast deliveries are the hot path: recover the sequence without JSON.parse.
      if (data[7] === 0x6d /* 'm' of {"op":"msg" */) {
        if (onMsg) onMsg(seqOf(data));
        return;
      }
      const m = JSON.parse(data);
      if (m.op === 'joined') {
        const w = joinWaiters.shift();
        if (w) w();
      } else if (m.op === 'echo') {
        const p = pending.get(m.id);
        if (p) {
          pending.delete(m.id);
          p(m.d);
        }
      }
    });
    if (handlers.onClose) ws.once('close', () => handlers.onClose());
    ws.once('error', reject);
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', () => {});
      resolve({
        join(room) {
          return new Promise((r) => {
            joinWaiters.push(r);
            ws.send(JSON.stringify({ op: 'join', room }));
          });
        },
        publish(room, d) {
          ws.send(JSON.stringify({ op: 'pub', room, d }));
        },
        echo(d) {
          return new Promise((r) => {
            const id = nextId++;
            pending.set(id, r);
            ws.send(JSON.stringify({ op: 'echo', id, d }));
          });
        },
        pause: () => ws._socket && ws._socket.pause(),
        resume: () => ws._socket && ws._socket.resume(),
        close() {
          return new Promise((r) => {
            if (ws.readyState === WebSocket.CLOSED) return r();
            ws.once('close', () => r());
            ws.close();
          });
        },
        destroy() {
          joinWaiters = [];
          ws.terminate();
        },
      });
    });
  });
}

module.exports = { connect };
