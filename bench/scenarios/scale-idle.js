'use strict';
// Scale bench, idle (GitHub issue #17): N idle connections (10k / 25k / 50k) held by one
// system's server, opened by a fleet of client processes (lib/client-fleet.js) from several
// loopback source addresses, every process under a raised `ulimit -n`. Server RSS, heap and
// external memory per connection after a forced GC, against a baseline taken after a small
// warm-up (opened and closed) so code compiled for the first connections is not charged to
// the idle ones; also the server's CPU per connection opened and the open rate.
// Run by lib/scale-runner.js (`node bench/run.js --scale`), which owns timeouts and cleanup.

const { ServerProcess } = require('../lib/server-process');
const { ClientFleet, loopbackAddresses, fdLimitOf } = require('../lib/client-fleet');
const { sleep } = require('../lib/pool');

/** Client processes for `n` connections. */
function fleetSize(n, p) {
  return Math.max(1, Math.min(p.maxClientProcs, Math.ceil(n / p.connsPerClientProc)));
}

/**
 * @param {object} system descriptor (systems/index.js)
 * @param {number} n connections to hold
 * @param {object} p scale parameters (lib/scale-runner.js DEFAULTS)
 * @param {{srv?: ServerProcess, fleet?: ClientFleet}} ctx filled with what must be killed on timeout
 */
async function runScaleIdle(system, n, p, ctx) {
  const srv = (ctx.srv = new ServerProcess(system.serverPath, system.options, { fdLimit: p.fdLimit }));
  await srv.start(30000);
  const fleet = (ctx.fleet = new ClientFleet(system.name, fleetSize(n, p), {
    fdLimit: p.fdLimit,
    addresses: loopbackAddresses(p.sourceAddresses),
  }));
  await fleet.init({ port: srv.port, tcpPort: srv.tcpPort }, null, 0);
  const openTimeoutMs = 30000 + n * p.msPerConnectBudget;

  const warm = await fleet.open(p.warmup, { join: false, concurrency: 10, timeoutMs: 60000 });
  if (warm.opened === 0) throw new Error(`no warm-up connection opened: ${warm.firstError}`);
  await Promise.all(fleet.workers.map((w) => w.request('closeAll')));
  await srv.waitConns(0, 30000);
  const mem0 = await srv.mem();
  const cpu0 = await srv.cpu();

  const o = await fleet.open(n, { join: false, concurrency: p.concurrency, timeoutMs: openTimeoutMs, connectTimeoutMs: p.connectTimeoutMs });
  const cpu1 = await srv.cpu();
  const held = await srv.conns();
  await sleep(p.settleMs);
  const mem1 = await srv.mem();
  if (held === 0) throw new Error(`the server holds no connection (${o.failed} failed: ${o.firstError})`);
  const out = {
    rssKBPerConn: (mem1.rss - mem0.rss) / held / 1024,
    heapKBPerConn: (mem1.heapUsed - mem0.heapUsed) / held / 1024,
    externalKBPerConn: (mem1.external - mem0.external) / held / 1024,
    cpuUsPerConnect: (cpu1 - cpu0) / o.opened,
    held,
    failed: o.failed,
    connectsPerSec: o.opened / (o.ms / 1000),
    openMs: o.ms,
    rssMB: mem1.rss / 2 ** 20,
    clientProcs: fleet.workers.length,
    fdLimitServer: fdLimitOf(srv.child.pid),
    fdLimitClients: fleet.fdLimit(),
  };
  if (o.failed > 0 || held < n) out.note = `${n - held} of ${n} not held (${o.failed} failed to open: ${o.firstError})`;
  return out;
}

module.exports = {
  name: 'scale-idle',
  kind: 'idle',
  title: 'Scale: idle connections',
  primary: 'rssKBPerConn',
  run: runScaleIdle,
  /** Wall-clock budget for one system at size n (opening is what grows with n). */
  budgetMs: (n, p) => p.budgetBaseMs + n * p.msPerConnectBudget * 1.5,
  fleetSize,
};
