'use strict';
// Connect rate: N connections opened (until the system's handshake completes: WebSocket open,
// socket.io connect, Stelar Connect) and closed gracefully, with bounded concurrency; the
// measure ends once the server reports zero connections.
// Primary metric: server CPU µs per open+close.

const { runPool, withTimeout } = require('../lib/pool');

async function runConnect(system, srv, p) {
  const endpoint = { port: srv.port, tcpPort: srv.tcpPort };
  const cycle = async (i) => {
    const c = await withTimeout(system.client.connect(endpoint, {}), 30000, `${system.name} connect #${i}`);
    await withTimeout(c.close(), 30000, `${system.name} close #${i}`);
  };
  await runPool(p.warmup, p.concurrency, cycle);
  await srv.waitConns(0);
  const cpu0 = await srv.cpu();
  const t0 = performance.now();
  await runPool(p.connections, p.concurrency, cycle);
  await srv.waitConns(0);
  const t1 = performance.now();
  const cpu1 = await srv.cpu();
  return {
    cpuUsPerConn: (cpu1 - cpu0) / p.connections,
    connsPerSec: p.connections / ((t1 - t0) / 1000),
    wallMs: t1 - t0,
  };
}

module.exports = {
  name: 'connect',
  title: 'Connect rate: open + close',
  primary: 'cpuUsPerConn',
  unit: 'server CPU µs per open+close',
  defaults: { connections: 5000, warmup: 200, concurrency: 50 },
  quick: { connections: 1000, warmup: 50 },
  rounds: 5,
  columns: [
    ['cpuUsPerConn', 'CPU µs/conn', 1],
    ['connsPerSec', 'conns/s', 0],
    ['wallMs', 'wall ms', 0],
  ],
  run: runConnect,
};
