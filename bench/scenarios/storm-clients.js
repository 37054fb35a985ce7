'use strict';
// Child process of the storm scenario (bench/scenarios/storm.js): holds `count` clients of one
// kind (storm-crowds.js: StelarClients with the DEFAULT client options, socket.io-client with
// its default reconnection, or ws with a minimal reconnect loop) in one room, dialing `url` (each
// worker its own 127.0.0.x destination, or its own 127.0.0.x source address where the server
// listens on 127.0.0.1 only, so 10k sockets do not share one 4-tuple space). It reports to the
// driver over IPC:
//   { ready }               every client connected and received a room message (joined);
//   { progress: {...} }     every 250 ms: connected, rejoined (a room message since the kill);
//   { done: {...} }         on request: rejoin times (ms after the kill), messages seen.
// argv: <dist dir> <JSON { kind, mode, url, localAddress?, count, room, concurrency }>

const path = require('node:path');
const { makeCrowdClient } = require('./storm-crowds');

const dist = path.resolve(process.argv[2]);
const p = JSON.parse(process.argv[3]);

const clients = [];
let killedAt = 0; // driver's Date.now() when the server was killed (0: not yet)
const rejoinAt = new Float64Array(p.count); // ms after the kill of the first room message after it
const reconnectAt = new Float64Array(p.count);
let received = 0;
let receivedAfterKill = 0;
let joined = 0;
let errors = 0;
const errorKinds = new Map();
const maxAttempt = new Uint16Array(p.count);

function makeClient(i) {
  return new Promise((resolve) => {
    const c = makeCrowdClient(p.kind || 'stelar', i, { ...p, dist }, {
      onMsg: () => {
        received++;
        if (killedAt > 0) {
          receivedAfterKill++;
          if (rejoinAt[i] === 0) rejoinAt[i] = Date.now() - killedAt;
        }
      },
      onConnect: () => {
        if (killedAt > 0 && reconnectAt[i] === 0) reconnectAt[i] = Date.now() - killedAt;
      },
      onError: (err) => {
        errors++;
        if (killedAt > 0) {
          const k = String(err && err.message).replace(/\d+/g, 'N').slice(0, 60);
          errorKinds.set(k, (errorKinds.get(k) || 0) + 1);
        }
      },
      onAttempt: (n) => {
        if (killedAt > 0 && n > maxAttempt[i]) maxAttempt[i] = n;
      },
    });
    clients[i] = c;
    // Ready once the server confirmed the join (the publisher starts after every client is in).
    const join = () => c.join().then((ok) => (ok ? (joined++, resolve()) : setTimeout(join, 500)));
    join();
  });
}

async function openAll() {
  let next = 0;
  const worker = async () => {
    while (next < p.count) {
      const i = next++;
      await makeClient(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(p.concurrency, p.count) }, worker));
}

function counts() {
  let connected = 0;
  let rejoined = 0;
  for (let i = 0; i < p.count; i++) {
    if (clients[i] !== undefined && clients[i].isConnected()) connected++;
    if (rejoinAt[i] > 0) rejoined++;
  }
  return { connected, rejoined, errors };
}

process.on('message', (msg) => {
  if (msg.cmd === 'killed') {
    killedAt = msg.at;
    const timer = setInterval(() => process.send({ progress: counts() }), 250);
    timer.unref();
  } else if (msg.cmd === 'finish') {
    const never = [];
    for (let i = 0; i < p.count; i++) if (rejoinAt[i] === 0) never.push(i);
    process.send({
      done: {
        rejoinAt: Array.from(rejoinAt).filter((t) => t > 0),
        reconnectAt: Array.from(reconnectAt).filter((t) => t > 0),
        never: never.length,
        received,
        receivedAfterKill,
        errors,
        errorKinds: [...errorKinds].sort((a, b) => b[1] - a[1]).slice(0, 6),
        maxAttempt: Math.max(0, ...maxAttempt),
        states: never.slice(0, 5).map((i) => clients[i] && clients[i].state()),
      },
    });
  } else if (msg.cmd === 'exit') {
    for (const c of clients) if (c !== undefined) c.disconnect();
    setImmediate(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

const setupTimer = setInterval(() => process.send({ setup: joined }), 5000);
setupTimer.unref();
openAll().then(
  () => (clearInterval(setupTimer), process.send({ ready: joined })),
  (err) => (clearInterval(setupTimer), process.send({ failed: String(err && err.stack ? err.stack : err) })),
);
