'use strict';
// The crowd of the reconnect storm (bench/scenarios/storm.js): one client per member of the
// room, each with ITS LIBRARY'S OWN reconnection as an application would ship it, rejoining the
// room after every reconnect. One kind per client library:
//   stelar    StelarClient with the DEFAULT options (reconnection, backoff, rejoin built in);
//   socketio  socket.io-client with its default reconnection (1 s, ×2, capped at 5 s,
//             randomizationFactor 0.5, unlimited attempts), WebSocket transport only, and the
//             app's rejoin on every 'connect' (the server forgets a socket's rooms);
//   ws        the `ws` package (the ws and uWebSockets.js apps' JSON protocol), which has no
//             reconnection: a minimal loop with the schedule of the reconnecting-websocket
//             package's defaults (not a dependency, 15 lines below): the first reconnect after
//             a per-client delay uniform in [1, 5) s, ×1.3 per attempt, capped at 10 s,
//             unlimited attempts; the join is sent again on every open.
// A crowd client: makeCrowdClient(kind, i, p, ev) -> { join(): Promise<boolean>, isConnected(),
// state(), disconnect() }, reporting ev.onMsg(), ev.onConnect(), ev.onError(err), ev.onAttempt(n).
// p: { url, room, mode?, localAddress?, dist? }.

const path = require('node:path');

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function stelarClient(_i, p, ev) {
  const { StelarClient } = require(path.join(p.dist, 'src/client.js'));
  const c = new StelarClient(p.url, { mode: p.mode, logger: silent });
  c.on('msg', ev.onMsg);
  c.on('connect', ev.onConnect);
  c.on('error', ev.onError);
  c.on('reconnecting', ev.onAttempt);
  c.connect();
  return {
    // Queued until the session starts; the client rejoins by itself after every reconnect.
    join: () => c.joinRoom(p.room).then((ok) => ok === true, () => false),
    isConnected: () => c.isConnected(),
    state: () => c.getState(),
    disconnect: () => c.disconnect(),
  };
}

function socketioClient(_i, p, ev) {
  const { io } = require('socket.io-client');
  const socket = io(p.url, { transports: ['websocket'], forceNew: true, localAddress: p.localAddress });
  let joinedOnce = null;
  const joined = new Promise((r) => (joinedOnce = r));
  socket.on('msg', ev.onMsg);
  socket.on('connect', () => {
    ev.onConnect();
    socket.emit('join', p.room, () => joinedOnce(true));
  });
  socket.on('connect_error', ev.onError);
  socket.io.on('reconnect_attempt', ev.onAttempt);
  return {
    join: () => joined,
    isConnected: () => socket.connected,
    state: () => (socket.connected ? 'connected' : socket.active ? 'reconnecting' : 'disconnected'),
    disconnect: () => socket.disconnect(),
  };
}

/** reconnecting-websocket's defaults: minReconnectionDelay 1000 + random × 4000, grow 1.3, max 10 s. */
function wsClient(_i, p, ev) {
  const WebSocket = require('ws');
  const minDelay = 1000 + Math.random() * 4000;
  let ws = null;
  let retries = 0;
  let timer = null;
  let stopped = false;
  let joinedOnce = null;
  const joined = new Promise((r) => (joinedOnce = r));
  const open = () => {
    timer = null;
    ws = new WebSocket(p.url, { perMessageDeflate: false, localAddress: p.localAddress });
    ws.on('open', () => {
      retries = 0;
      ev.onConnect();
      ws.send(JSON.stringify({ op: 'join', room: p.room }));
    });
    ws.on('message', (data) => {
      if (data[7] === 0x6d /* 'm' of {"op":"msg" */) ev.onMsg();
      else if (data[7] === 0x6a /* 'j' of {"op":"joined" */) joinedOnce(true);
    });
    ws.on('error', ev.onError);
    ws.on('close', () => {
      if (stopped) return;
      retries++;
      ev.onAttempt(retries);
      timer = setTimeout(open, Math.min(10000, minDelay * Math.pow(1.3, retries - 1)));
    });
  };
  open();
  return {
    join: () => joined,
    isConnected: () => ws !== null && ws.readyState === WebSocket.OPEN,
    state: () => (ws !== null && ws.readyState === WebSocket.OPEN ? 'connected' : stopped ? 'disconnected' : 'reconnecting'),
    disconnect: () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      if (ws !== null) ws.terminate();
    },
  };
}

const KINDS = { stelar: stelarClient, socketio: socketioClient, ws: wsClient };

function makeCrowdClient(kind, i, p, ev) {
  const make = KINDS[kind];
  if (make === undefined) throw new Error(`storm: no crowd client of kind "${kind}" (known: ${Object.keys(KINDS).join(', ')})`);
  return make(i, p, ev);
}

module.exports = { makeCrowdClient, KINDS };
