'use strict';
// Idle memory: N idle connections held open; the server's RSS, heap and external memory per
// connection after a forced GC, against a baseline taken after a small warm-up (so code
// compiled for the first connections is not charged to the idle ones).

const { openMany, destroyAll } = require('../lib/clients');
const { sleep, withTimeout } = require('../lib/pool');

async function runIdle(system, srv, p) {
  const conns = [];
  try {
    const endpoint = { port: srv.port, tcpPort: srv.tcpPort };
    const warm = await openMany(system, endpoint, p.warmup, 20, null, []);
    await Promise.all(warm.map((c) => c.close()));
    await srv.waitConns(0);
    const mem0 = await srv.mem();
    const t0 = performance.now();
    await openMany(system, endpoint, p.connections, p.concurrency, null, conns);
    const t1 = performance.now();
    const held = await srv.conns();
    await sleep(p.settleMs);
    const mem1 = await srv.mem();
    const n = p.connections;
    return {
      rssKBPerConn: (mem1.rss - mem0.rss) / n / 1024,
      heapKBPerConn: (mem1.heapUsed - mem0.heapUsed) / n / 1024,
      externalKBPerConn: (mem1.external - mem0.external) / n / 1024,
      serverConns: held,
      openMs: t1 - t0,
      rssMB: mem1.rss / 2 ** 20,
    };
  } finally {
    destroyAll(conns);
    await withTimeout(srv.waitConns(0, 20000), 21000, 'teardown').catch(() => {});
  }
}

module.exports = {
  name: 'idle',
  title: 'Idle memory: N idle connections',
  primary: 'rssKBPerConn',
  unit: 'server RSS KB per idle connection (after GC)',
  defaults: { connections: 10000, warmup: 100, concurrency: 100, settleMs: 1000 },
  quick: { connections: 1000 },
  rounds: 2,
  columns: [
    ['rssKBPerConn', 'RSS KB/conn', 2],
    ['heapKBPerConn', 'heap KB/conn', 2],
    ['externalKBPerConn', 'external KB/conn', 2],
    ['serverConns', 'held', 0],
    ['rssMB', 'RSS MB', 1],
  ],
  run: runIdle,
};
