#!/usr/bin/env node
'use strict';
// Self-test of the scale bench harness (lib/scale-runner.js) at tiny sizes, ~1 min:
//   node bench/selftest/scale.selftest.js      (needs the build: npm run build)
// Runs the real systems at 200 idle connections and 60 subscribers over two client processes
// and several source addresses, plus two deliberately broken servers (selftest/faulty.server.js),
// and checks that: every real system holds every connection and delivers every message in
// order; a server that loses messages is reported with its lost deliveries and a stall (not
// hung); a server that freezes is reported unresponsive (and, when the driver would wait on it
// longer than the case's budget, as timed out within that budget) and killed; no child
// process is left behind and every server port is closed afterwards. Not part of `npm test`
// (scripts/test.js runs no bench self-test); exits 1 on the first failed check.

const assert = require('node:assert/strict');
const net = require('node:net');
const { runScale } = require('../lib/scale-runner');
const { livePids } = require('../lib/ipc-child');

const REAL = ['ws', 'uws', 'socketio', 'stelar', 'stelar-tcp'];

function log(msg) {
  process.stderr.write(`[scale selftest ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function refused(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

const TINY = {
  connsPerClientProc: 100,
  subsPerClientProc: 30,
  sourceAddresses: 3,
  lowMessages: 10,
  lowRate: 50,
  highDeliveries: 3000,
  stallMs: 2000,
  maxLagMs: 5000,
  pollMs: 200,
  settleMs: 200,
  connectTimeoutMs: 5000,
  budgetBaseMs: 15000,
};

async function main() {
  const started = Date.now();
  const real = await runScale({ systems: REAL, rounds: 1, set: TINY, idleSizes: [200], fanoutSizes: [60] }, log);
  const broken = await runScale({ systems: ['faulty-lossy', 'faulty-freeze'], rounds: 1, set: { ...TINY, ipcTimeoutMs: 5000 }, idleSizes: [], fanoutSizes: [60] }, log);
  // The same freeze once more, with the driver willing to wait on the server longer than the
  // case's whole budget: the budget must end it.
  const budget = await runScale({ systems: ['faulty-freeze'], rounds: 1, set: { ...TINY, ipcTimeoutMs: 60000, highMaxMs: 10000, budgetBaseMs: 5000 }, idleSizes: [], fanoutSizes: [60] }, log);

  const ports = [];
  for (const s of REAL) {
    const idle = real.cases['idle-200'].rounds[0].results[s];
    assert.ok(!idle.error, `${s} idle: ${idle.error}`);
    assert.equal(idle.held, 200, `${s} idle held ${idle.held}`);
    assert.equal(idle.failed, 0, `${s} idle failed ${idle.failed}`);
    assert.equal(idle.clientProcs, 2, `${s} idle used ${idle.clientProcs} client processes`);
    assert.ok(Number.isFinite(idle.rssKBPerConn) && Number.isFinite(idle.heapKBPerConn), `${s} idle memory figures`);
    const f = real.cases['fanout-60'].rounds[0].results[s];
    assert.ok(!f.error, `${s} fanout: ${f.error}`);
    assert.equal(f.subscribers, 60);
    for (const ph of ['low', 'high']) {
      assert.equal(f[`${ph}_lost`], 0, `${s} ${ph} lost ${f[`${ph}_lost`]}`);
      assert.equal(f[`${ph}_deliveries`], 60 * f[`${ph}_messages`], `${s} ${ph} deliveries`);
      assert.ok(f[`${ph}_cpuUsPerDelivery`] > 0, `${s} ${ph} CPU per delivery`);
      assert.equal(f[`${ph}_note`], undefined, `${s} ${ph}: ${f[`${ph}_note`]}`);
    }
    assert.equal(f.reordered, 0, `${s} reordered`);
    ports.push(idle.port, f.port);
  }

  const lossy = broken.cases['fanout-60'].rounds[0].results['faulty-lossy'];
  assert.ok(!lossy.error, `lossy: ${lossy.error}`);
  assert.ok(lossy.low_lost > 0, `lossy low_lost ${lossy.low_lost}`);
  assert.match(lossy.low_note, /stalled/);
  assert.match(lossy.high_note, /skipped/);
  assert.match(lossy.note, /lost \d+ deliveries/);
  const frozen = broken.cases['fanout-60'].rounds[0].results['faulty-freeze'];
  assert.ok(!frozen.error, `frozen: ${frozen.error}`);
  assert.equal(frozen.low_unresponsive, true, 'the frozen server must be reported unresponsive');
  assert.match(frozen.low_note, /server unresponsive/);
  assert.match(frozen.high_note, /skipped/);
  assert.ok(frozen.seconds < 30, `frozen took ${frozen.seconds} s`);
  const over = budget.cases['fanout-60'].rounds[0].results['faulty-freeze'];
  assert.ok(over.timedOut, `over budget: expected a timeout, got ${over.error}`);
  assert.ok(over.seconds < over.budgetSeconds + 15, `over budget took ${over.seconds} s (budget ${over.budgetSeconds} s)`);
  assert.match(budget.markdown, /TIMED OUT/);
  ports.push(lossy.port, frozen.port, over.port);

  assert.deepEqual(livePids(), [], 'child processes left behind');
  for (const port of ports) assert.ok(await refused(port), `port ${port} still accepts connections`);
  log(`all checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
  },
);
