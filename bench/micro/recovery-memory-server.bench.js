#!/usr/bin/env node
'use strict';
// What session recovery holds on a real server's V8 heap, end to end (docs/PERFORMANCE.md,
// "Session recovery cost"): bytes per recorded message (one history entry, sent with
// server.to) and per idle suspended session (a client over a real socket, in one room, that
// dropped and has not come back yet). The domain-level counterpart, without the server around
// it: recovery-memory.bench.js. Heap measured after full GCs, the server built from dist/:
//   node --expose-gc bench/micro/recovery-memory-server.bench.js [--messages 20000] [--sessions 2000] [--bytes 64]
// Messages: `server.to(room, 'msg', payload)` into 100 rooms with nobody in them (recovery
// records every room send); the payload strings are made before the first measurement, so the
// figure is the entry itself, not the application's data. Sessions: raw WebSocket clients that
// hold a session (`x-stelar-session`) and one room each, then dropped abruptly (socket
// destroyed, no close frame); measured once the server has suspended all of them, against the
// heap before they connected (the clients' own objects are gone by then: destroyed, collected).

const path = require('node:path');
const WebSocket = require('ws');
const { makePayload } = require('../lib/payload');

const { StelarServer } = require(path.resolve(__dirname, '../../dist/src/index.js'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function heap() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) global.gc();
  return process.memoryUsage().heapUsed;
}

async function until(check, what, ms = 60000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

async function perMessage(n, bytes) {
  const server = new StelarServer({ port: 0, logger: false, gracefulShutdown: false, recovery: { historySize: n, windowMs: 600000 } });
  await server.start();
  const payloads = Array.from({ length: n }, (_, i) => makePayload(i, bytes));
  for (let i = 0; i < 1000; i++) server.to(`warm${i % 100}`, 'msg', payloads[i % n]); // first entries of every stream
  const before = heap();
  for (let i = 0; i < n; i++) server.to(`room${i % 100}`, 'msg', payloads[i]);
  const after = heap();
  await server.stop();
  return (after - before) / n;
}

let recoveryOn = true;

function connectWithSession(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, headers: { 'x-stelar-session': '{"v":1}' } });
    ws.once('error', reject);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.t === 6) {
        if (!m.session !== !recoveryOn) return reject(new Error('session granted or not as expected'));
        ws.send(JSON.stringify({ t: 8, room: `r${Math.floor(Math.random() * 100)}`, i: 1 }));
      } else if (m.t === 8) resolve(ws);
    });
  });
}

/** Heap left per dropped client: with recovery, its suspended session; without, the control (≈ 0). */
async function perDroppedClient(n, recovery) {
  recoveryOn = recovery !== false;
  const server = new StelarServer({ port: 0, logger: false, gracefulShutdown: false, maxConnectionsPerIP: 1e6, rateLimit: false, recovery });
  const port = await server.start();
  // Warm-up: the code paths, the rooms' streams and the session store's first entries.
  const warm = [];
  for (let i = 0; i < 200; i++) warm.push(await connectWithSession(port));
  for (const ws of warm) ws._socket.destroy();
  await until(() => server.getStats().activeConnections === 0, 'warm-up drops');
  await new Promise((r) => setTimeout(r, 300));
  const before = heap();
  const clients = [];
  for (let i = 0; i < n; i += 50) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 50); k++) batch.push(connectWithSession(port));
    clients.push(...(await Promise.all(batch)));
  }
  const connected = heap();
  for (const ws of clients) ws._socket.destroy(); // abrupt: the server suspends each session
  clients.length = 0;
  await until(() => server.getStats().activeConnections === 0, 'the server to see every drop');
  // Let the closed sockets' last callbacks and timers run out (the control then leaves ≈ 0).
  await new Promise((r) => setTimeout(r, 300));
  const suspended = heap();
  await server.stop();
  return { suspended: (suspended - before) / n, connectedWithClients: (connected - before) / n };
}

(async () => {
  const messages = arg('messages', 20000);
  const sessions = arg('sessions', 2000);
  const bytes = arg('bytes', 64);
  const m = await perMessage(messages, bytes);
  const s = await perDroppedClient(sessions, { windowMs: 600000 });
  const control = await perDroppedClient(sessions, false);
  console.log(`recorded message (history entry, ${bytes}-byte payload not counted): ${m.toFixed(0)} B each (${messages} messages in 100 rooms)`);
  console.log(`idle suspended session (one room): ${s.suspended.toFixed(0)} B each (${sessions} sessions)`);
  console.log(`  control, recovery off: ${control.suspended.toFixed(0)} B left per dropped client`);
  console.log(`  (for scale: while connected, server and in-process clients together: ${s.connectedWithClients.toFixed(0)} B per client)`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
