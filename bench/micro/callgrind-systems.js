#!/usr/bin/env node
'use strict';
// Instruction counts per unit for any bench system (not a test): the floor (bare Node WebSocket
// server, bench/systems/floor.server.js) against Stelar, ws and uWebSockets.js, running the same
// app and driven by the bench's own clients (bench/systems/*.client.js). Each system's server
// runs under `valgrind --tool=callgrind` (node --single-threaded, lib/server-process.js); this
// process drives it. After a warm-up the counters are zeroed and each phase is dumped on its
// own, so the load of the machine does not enter the figures (callgrind-path.js does the same
// for Stelar over raw TCP only). Phases:
//   echo     C clients × R sequential echo requests (one outstanding per client), 64 B payload
//   lowrate  N subscribers, M messages published one at a time (each waits for every delivery:
//            every message its own turn, as at 20 msg/s)
//   connect  K open + close cycles, 10 at a time (the client's close handshake included)
// Usage (after `npm run build`; needs valgrind):
//   node bench/micro/callgrind-systems.js [--systems floor,stelar,ws,uws] [--phases echo,lowrate,connect]
//        [--clients 10] [--requests 200] [--subscribers 100] [--messages 100] [--connections 200]
//        [--out DIR] [--perf-map]
// Prints one line per system and phase with Ir per unit; the dumps stay in DIR for
// `python3 bench/micro/callgrind-self.py DIR/<system>.out.<n> --per UNITS` (with --perf-map, the
// JIT code is named from /tmp/perf-<pid>.map).
const fs = require('node:fs');
const path = require('node:path');
const { getSystem } = require('../systems');
const { ServerProcess } = require('../lib/server-process');
const { runPool } = require('../lib/pool');
const { makePayload } = require('../lib/payload');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

const P = {
  systems: String(arg('systems', 'floor,stelar,ws,uws')).split(','),
  phases: String(arg('phases', 'echo,lowrate,connect')).split(','),
  C: Number(arg('clients', 10)),
  R: Number(arg('requests', 200)),
  N: Number(arg('subscribers', 100)),
  M: Number(arg('messages', 100)),
  K: Number(arg('connections', 200)),
};
const OUT = path.resolve(arg('out', fs.mkdtempSync('/tmp/stelar-callgrind-systems-')));
fs.mkdirSync(OUT, { recursive: true });

async function run(name) {
  const system = getSystem(name);
  const base = path.join(OUT, `${name}.out`);
  for (const f of fs.readdirSync(OUT)) if (f.startsWith(`${name}.out`)) fs.rmSync(path.join(OUT, f));
  const srv = new ServerProcess(system.serverPath, system.options, {
    callgrind: base,
    nodeFlags: process.argv.includes('--perf-map') ? ['--perf-basic-prof'] : [],
  });
  await srv.start();
  const endpoint = { port: srv.port, tcpPort: srv.tcpPort };
  const connect = (h) => system.client.connect(endpoint, h || {});
  let delivered = 0;
  const subs = await runPool(P.N, 10, () => connect({ onMsg: () => delivered++ }));
  await Promise.all(subs.map((c) => c.join('room')));
  const pub = await connect();
  const echoers = await runPool(P.C, 10, () => connect());
  const payload = makePayload(0, 64);
  const echo = (n) => Promise.all(echoers.map(async (c) => { for (let i = 0; i < n; i++) await c.echo(payload); }));
  const lowrate = async (m) => {
    for (let i = 0; i < m; i++) {
      const target = delivered + P.N;
      pub.publish('room', makePayload(i, 64));
      while (delivered < target) await new Promise((r) => setImmediate(r));
    }
  };
  const cycles = (k) => runPool(k, 10, async () => (await connect()).close());
  const phases = { echo: [echo, P.C * P.R, P.R, 'request'], lowrate: [lowrate, P.N * P.M, P.M, 'delivery'], connect: [cycles, P.K, P.K, 'open+close'] };
  // Warm-up: every measured path runs (and is optimised) before anything is counted.
  for (const ph of P.phases) await phases[ph][0](Math.max(100, phases[ph][2]));
  await srv.waitConns(P.N + 1 + P.C);
  const results = [];
  for (const ph of P.phases) {
    const [fn, units, n, unit] = phases[ph];
    srv.callgrindCollect(true);
    await fn(n);
    if (ph === 'connect') await srv.waitConns(P.N + 1 + P.C);
    srv.callgrindCollect(false);
    results.push({ phase: ph, units, unit });
  }
  for (const c of [...subs, pub, ...echoers]) c.destroy();
  await srv.stop();
  // The n-th dump (base.<n>[-<thread>]) is the n-th phase.
  const dumps = fs.readdirSync(OUT).filter((f) => f.startsWith(`${name}.out.`));
  results.forEach((r, i) => {
    const files = dumps.filter((f) => new RegExp(`^${name}\\.out\\.${i + 1}(-|$)`).test(f)).map((f) => path.join(OUT, f));
    r.ir = 0;
    for (const f of files) {
      const m = /^totals:\s+(\d+)/m.exec(fs.readFileSync(f, 'utf8'));
      if (m) r.ir += Number(m[1]);
    }
    r.irPerUnit = Math.round(r.ir / r.units);
    r.files = files.map((f) => path.basename(f));
    console.log(JSON.stringify({ system: name, ...r }));
  });
  return results;
}

(async () => {
  console.error(`[callgrind-systems] dumps in ${OUT}`);
  const table = {};
  for (const s of P.systems) table[s] = await run(s);
  console.log(`\n| system | ${P.phases.map((p) => `${p} Ir/${table[P.systems[0]].find((r) => r.phase === p).unit}`).join(' | ')} |`);
  console.log(`|---|${P.phases.map(() => '---:').join('|')}|`);
  for (const s of P.systems) console.log(`| ${s} | ${table[s].map((r) => r.irPerUnit.toLocaleString('en-US')).join(' | ')} |`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
