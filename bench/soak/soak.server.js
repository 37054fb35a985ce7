'use strict';
// The soak's server, in its own process (forked by scripts/soak.js with --expose-gc and an IPC
// channel). Two StelarServers from the built package: one plain (WebSocket + TCP), one on TLS
// (wss + TCP over TLS); each serves the same application:
//   request 'room' {room, m, p}  → to(room, 'room:msg', {m, p}); answers the members it sent to
//   request 'dm'   {to, m, p}    → toId(to, 'dm:msg', {m, p}) when `to` is connected here
//   request 'echo' data          → answers data
//   request 'vol'  {m}           → broadcast('vol:msg', {m}, volatile); answers the client count
//   binary  'bin'  bytes         → emitBinary('bin:echo', bytes) back to the sender
// The answers tell the driver exactly who was sent what, so it can count every delivery.
// IPC: {cmd: 'drop', id} destroys a client's socket (reconnect churn); {cmd: 'sample'} returns
// heap (after GC), RSS, active handles, event-loop delay and connection counts; {cmd: 'stop'}.
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const { StelarServer } = require(path.resolve(__dirname, '../../dist/src/index.js'));
const options = JSON.parse(process.argv[2] || '{}');
const sockets = new Map();
const servers = [];

function app(server) {
  const live = new Set();
  server.onConnection((ctx) => {
    live.add(ctx.id);
    sockets.set(ctx.id, ctx.socket);
  });
  server.onDisconnect((ctx) => {
    live.delete(ctx.id);
    sockets.delete(ctx.id);
  });
  server.onAck('room', (ctx) => {
    const { room, m, p } = ctx.data;
    const members = server.getRoomMembers(room);
    server.to(room, 'room:msg', { m, p });
    return { r: members };
  });
  server.onAck('dm', (ctx) => {
    const { to, m, p } = ctx.data;
    if (!live.has(to)) return { r: [] };
    server.toId(to, 'dm:msg', { m, p });
    return { r: [to] };
  });
  server.onAck('echo', (ctx) => ctx.data);
  server.onAck('vol', (ctx) => {
    const n = live.size;
    server.broadcast('vol:msg', { m: ctx.data.m }, undefined, { volatile: true });
    return { n };
  });
  server.on('bin', (ctx) => ctx.emitBinary('bin:echo', ctx.buffer));
  return server;
}

function common() {
  return {
    port: 0,
    host: '127.0.0.1',
    tcpPort: 0,
    logger: options.logLevel ?? 'error',
    gracefulShutdown: false,
    // Every soak client comes from 127.0.0.1.
    maxConnectionsPerIP: 1000000,
    maxConnections: 1000000,
    maxRoomsPerClient: 16,
  };
}

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();

function summarize(list) {
  const out = {};
  for (const r of list) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function sample() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  const out = {
    heapUsed: m.heapUsed,
    rss: m.rss,
    external: m.external,
    handles: process.getActiveResourcesInfo().length,
    resources: summarize(process.getActiveResourcesInfo()),
    lagP99Ms: lag.percentile(99) / 1e6,
    lagMaxMs: lag.max / 1e6,
    connections: servers.reduce((n, s) => n + s.getStats().activeConnections, 0),
    sockets: sockets.size,
  };
  lag.reset();
  return out;
}

async function handle(msg) {
  switch (msg.cmd) {
    case 'drop': {
      const socket = sockets.get(msg.id);
      if (socket === undefined) return false;
      socket.destroy();
      return true;
    }
    case 'sample':
      return sample();
    case 'stop':
      await Promise.all(servers.map((s) => s.stop()));
      lag.disable();
      // Closed listening handles leave the active list one loop turn after close().
      await new Promise((r) => setTimeout(r, 100));
      return sample();
    case 'exit':
      setImmediate(() => process.exit(0));
      return true;
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

process.on('message', (msg) => {
  handle(msg).then(
    (value) => process.send({ id: msg.id, value }),
    (err) => process.send({ id: msg.id, error: String((err && err.stack) || err) }),
  );
});
process.on('disconnect', () => process.exit(0));

(async () => {
  try {
    const plain = app(new StelarServer(common()));
    const secure = app(new StelarServer({ ...common(), tls: { key: options.key, cert: options.cert } }));
    servers.push(plain, secure);
    await plain.start();
    await secure.start();
    process.send({
      ready: true,
      ports: {
        ws: plain.getPort(),
        tcp: plain.getTcpPort(),
        wss: secure.getPort(),
        tls: secure.getTcpPort(),
      },
      baseline: sample(),
    });
  } catch (err) {
    process.send({ ready: false, error: String((err && err.stack) || err) });
    setTimeout(() => process.exit(1), 50);
  }
})();
