'use strict';
// Load client for Stelar over WebSocket, built on the `ws` package and speaking the JSON
// mapping of docs/PROTOCOL.md directly (what StelarClient sends): ready on the server's
// Connect {"t":6}, Join Room {"t":8,"room","i"} answered with ok, events {"t":0}, ACK
// requests {"t":4} answered by {"t":5} with the same "i".

const WebSocket = require('ws');
const { seqOf } = require('../lib/payload');

/** Opens one connection; resolves once the server's Connect message arrives. */
function connect(endpoint, handlers = {}) {
  return new Promise((resolve, reject) => {
    // endpoint.session: ask for a recovery session (the `x-stelar-session` offer of a new
    // client), so deliveries come positioned: {"t":0,"e":"msg","d":"#…","p":[stream,offset,epoch]}.
    const headers = endpoint.session ? { 'x-stelar-session': '{"v":1}' } : undefined;
    const ws = new WebSocket(`ws://127.0.0.1:${endpoint.port}/`, { perMessageDeflate: false, headers });
    const onMsg = handlers.onMsg;
    const pending = new Map();
    let nextId = 1;
    let api = null;
    const request = (frame) =>
      new Promise((res, rej) => {
        const id = nextId++;
        frame.i = id;
        pending.set(id, { res, rej });
        ws.send(JSON.stringify(frame));
      });
    ws.on('message', (data) => {
      // Hot path: room deliveries are {"t":0,"e":"msg","d":"#…"}; read the sequence directly.
      if (data[5] === 0x30 /* '0' of {"t":0 */ && onMsg) {
        onMsg(seqOf(data));
        return;
      }
      const m = JSON.parse(data);
      switch (m.t) {
        case 0:
          if (m.e === 'msg' && onMsg) onMsg(seqOf(String(m.d)));
          break;
        case 6:
          if (!api) {
            api = makeApi();
            resolve(api);
          }
          break;
        case 5:
        case 8: {
          const p = pending.get(m.i);
          if (!p) break;
          pending.delete(m.i);
          if (m.t === 8 && m.ok === false) p.rej(new Error(`join refused: ${m.x}`));
          else if (m.x !== undefined) p.rej(new Error(`ack error: ${m.x}`));
          else p.res(m.d);
          break;
        }
        case 10:
          if (!api) reject(new Error(`${m.code}: ${m.message}`));
          break;
      }
    });
    ws.once('error', reject);
    ws.once('close', (code) => {
      if (!api) reject(new Error(`closed before Connect (code ${code})`));
      else if (handlers.onClose) handlers.onClose();
    });

    function makeApi() {
      ws.removeListener('error', reject);
      ws.on('error', () => {});
      return {
        join: (room) => request({ t: 8, room }),
        publish(room, d) {
          ws.send(JSON.stringify({ t: 0, e: 'pub', d: { room, d } }));
        },
        echo: (d) => request({ t: 4, e: 'echo', a: 'echo', d }),
        pause: () => ws._socket && ws._socket.pause(),
        resume: () => ws._socket && ws._socket.resume(),
        close() {
          return new Promise((r) => {
            if (ws.readyState === WebSocket.CLOSED) return r();
            ws.once('close', () => r());
            ws.close();
          });
        },
        destroy: () => ws.terminate(),
      };
    }
  });
}

module.exports = { connect };
