#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): server CPU per WebSocket open + close handshake, Stelar's
// WsServerTransport alone (no domain: the acceptor accepts, sends one 8-byte text message the
// way the domain sends Connect, and nothing else) vs a ws WebSocketServer doing the same. It
// separates the transport's share of the connect scenario from the domain's. The server runs in
// a child process (its CPU is measured alone); the parent drives it with ws clients. Run after
// `npm run build`:
//   node bench/micro/ws-connect.bench.js [--connections 3000] [--concurrency 50]
const { fork } = require('node:child_process');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const HELLO = Buffer.from('{"t":6} ');

if (process.argv[2] === '--server') {
  const kind = process.argv[3];
  const start = (port) => process.send({ port });
  if (kind === 'stelar') {
    const { WsServerTransport } = require('../../dist/src/adapters/websocket/ws-server-transport');
    const t = new WsServerTransport({ host: '127.0.0.1', port: 0 });
    const handler = { onMessage() {}, onProtocolError() {}, onClose() {} };
    // The domain answers from a promise continuation; so does this acceptor.
    t.setAcceptor({
      screen: () => null,
      accept: (c) => {
        c.setHandler(handler);
        Promise.resolve().then(() => c.send({ payload: HELLO, binary: false, frameCache: undefined }));
      },
    });
    t.listen().then(start);
  } else {
    const { WebSocketServer } = require('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false }, () =>
      start(wss.address().port),
    );
    wss.on('connection', (ws) => {
      ws.on('error', () => {});
      Promise.resolve().then(() => ws.send(HELLO, { binary: false }));
    });
  }
  let mark = process.cpuUsage();
  process.on('message', (m) => {
    if (m === 'mark') mark = process.cpuUsage();
    if (m === 'report') {
      const d = process.cpuUsage(mark);
      process.send({ cpuMs: (d.user + d.system) / 1000 });
      setImmediate(() => process.exit(0));
    }
  });
  return;
}

const WebSocket = require('ws');
const CONNECTIONS = arg('connections', 3000);
const CONCURRENCY = arg('concurrency', 50);

function request(child, msg) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(msg);
  });
}

/** Opens a client, waits for the server's first message, closes, waits for the TCP close. */
function cycle(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    ws.once('message', () => ws.close(1000, 'bye'));
    ws.once('close', resolve);
    ws.once('error', reject);
  });
}

async function pool(n, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await fn();
      }
    }),
  );
}

async function runOne(kind) {
  const child = fork(__filename, ['--server', kind], { stdio: 'inherit' });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  await pool(200, CONCURRENCY, () => cycle(port)); // warm-up (JIT)
  child.send('mark');
  const started = process.hrtime.bigint();
  await pool(CONNECTIONS, CONCURRENCY, () => cycle(port));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const { cpuMs } = await request(child, 'report');
  return { kind, wallMs, cpuMs, usPerConn: (cpuMs * 1000) / CONNECTIONS };
}

(async () => {
  console.log(`node ${process.version}: ${CONNECTIONS} open+close, ${CONCURRENCY} at a time`);
  for (const kind of ['stelar', 'ws', 'stelar', 'ws']) {
    const r = await runOne(kind);
    console.log(
      `${r.kind.padEnd(8)} server CPU ${r.cpuMs.toFixed(0).padStart(6)} ms  ${r.usPerConn.toFixed(1).padStart(7)} µs/conn  wall ${r.wallMs.toFixed(0)} ms`,
    );
  }
})();
