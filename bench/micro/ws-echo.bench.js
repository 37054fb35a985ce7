#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): server CPU per echoed message, Stelar's WsServerTransport vs a
// ws WebSocketServer. The server runs in a child process (so its CPU is measured alone); the
// parent drives it with ws clients. Run after `npm run build`:
//   node bench/micro/ws-echo.bench.js [--clients 20] [--messages 20000] [--size 64]
const { fork } = require('node:child_process');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

if (process.argv[2] === '--server') {
  const kind = process.argv[3];
  const start = (port) => process.send({ port });
  if (kind === 'stelar') {
    const { WsServerTransport } = require('../../dist/src/adapters/websocket/ws-server-transport');
    const t = new WsServerTransport({ host: '127.0.0.1', port: 0 });
    const handler = {
      onMessage(conn, payload, binary) {
        conn.send({ payload, binary, frameCache: undefined });
      },
      onProtocolError() {},
      onClose() {},
    };
    t.setAcceptor({ screen: () => null, accept: (c) => c.setHandler(handler) });
    t.listen().then(start);
  } else {
    const { WebSocketServer } = require('ws');
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false }, () => start(wss.address().port));
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
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
const CLIENTS = arg('clients', 20);
const MESSAGES = arg('messages', 20000);
const SIZE = arg('size', 64);

function request(child, msg) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(msg);
  });
}

async function runOne(kind) {
  const child = fork(__filename, ['--server', kind], { stdio: 'inherit' });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, () => new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
      ws.once('open', () => resolve(ws));
    })),
  );
  const payload = 'x'.repeat(SIZE);
  const perClient = Math.ceil(MESSAGES / CLIENTS);
  child.send('mark');
  const started = process.hrtime.bigint();
  // Each client keeps a window of 10 messages in flight.
  await Promise.all(
    clients.map((ws) => new Promise((resolve) => {
      let sent = 0;
      let got = 0;
      ws.on('message', () => {
        got++;
        if (sent < perClient) {
          ws.send(payload);
          sent++;
        }
        if (got === perClient) resolve();
      });
      for (; sent < Math.min(10, perClient); sent++) ws.send(payload);
    })),
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const { cpuMs } = await request(child, 'report');
  for (const ws of clients) ws.terminate();
  const total = perClient * CLIENTS;
  return { kind, total, wallMs, cpuMs, usPerMsg: (cpuMs * 1000) / total };
}

(async () => {
  console.log(`node ${process.version}: ${CLIENTS} clients, ${MESSAGES} echoes of ${SIZE} B text`);
  for (const kind of ['stelar', 'ws', 'stelar', 'ws']) {
    const r = await runOne(kind);
    console.log(
      `${r.kind.padEnd(8)} server CPU ${r.cpuMs.toFixed(0).padStart(6)} ms  ${r.usPerMsg.toFixed(2).padStart(6)} µs/echo  wall ${r.wallMs.toFixed(0)} ms`,
    );
  }
})();
