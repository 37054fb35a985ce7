#!/usr/bin/env node
'use strict';
// Same-round before/after of the reconnect storm (issue #17): two builds (server AND clients,
// through STELAR_BENCH_DIST), one bench/run.js storm invocation per build and round, the order
// alternating per round (A B, B A, ...) so both see the same machine load; prints one row per
// run and the per-build medians. The harness (this checkout's bench/) is the same for both.
//   npm run build && cp -r dist /tmp/after-dist        # the build under test
//   node bench/storm-ab.js --before /tmp/main-dist --after /tmp/after-dist \
//        [--rounds 3] [--clients 2000] [--systems stelar,stelar-tcp] [--out /tmp/storm-ab]

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const builds = { before: arg('before'), after: arg('after', path.join(__dirname, '../dist')) };
if (!builds.before) throw new Error('--before <dist dir> is required (e.g. a build of main)');
const rounds = Number(arg('rounds', '3'));
const clients = Number(arg('clients', '2000'));
const systems = arg('systems', 'stelar,stelar-tcp');
const outDir = path.resolve(arg('out', path.join(require('node:os').tmpdir(), 'storm-ab')));
fs.mkdirSync(outDir, { recursive: true });

const rows = [];
for (let r = 0; r < rounds; r++) {
  for (const build of r % 2 === 0 ? ['before', 'after'] : ['after', 'before']) {
    const out = path.join(outDir, `${build}-r${r + 1}.json`);
    process.stderr.write(`[storm-ab] round ${r + 1}/${rounds}: ${build} (${builds[build]})\n`);
    const res = spawnSync(
      process.execPath,
      [path.join(__dirname, 'run.js'), '--scenarios', 'storm', '--systems', systems, '--rounds', '1', '--set', `clients=${clients}`, '--out', out],
      { env: { ...process.env, STELAR_BENCH_DIST: path.resolve(builds[build]) }, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (res.status !== 0) {
      process.stderr.write(`[storm-ab] run failed (rc ${res.status})\n`);
      continue;
    }
    for (const row of JSON.parse(fs.readFileSync(out, 'utf8')).scenarios.storm.rows) rows.push({ ...row, build, round: r + 1 });
  }
}

const s = (ms) => (ms === null || ms === undefined ? 'never' : (ms / 1000).toFixed(2));
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const lines = [
  `### Storm before/after, ${clients} clients, ${rounds} rounds interleaved (${systems})`,
  '',
  '| build | system | round | load | server ready s | 99 % rejoined s | 100 % rejoined s | 99 % after ready s | 100 % after ready s | highest attempt | server CPU µs/client |',
  '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const r of rows) {
  if (r.error) {
    lines.push(`| ${r.build} | ${r.system} | ${r.round} | failed: ${r.error} ||||||||`);
    continue;
  }
  const after = (ms) => (ms === null ? null : ms - r.serverReadyMs);
  lines.push(
    `| ${r.build} | ${r.system} | ${r.round} | ${r.load.join(' ')} | ${s(r.serverReadyMs)} | ${s(r.rejoin99Ms)} | ${s(r.rejoin100Ms)} | ` +
      `${s(after(r.rejoin99Ms))} | ${s(after(r.rejoin100Ms))} | ${r.maxAttempt} | ${r.serverCpuUsPerClient.toFixed(0)} |`,
  );
}
lines.push('', '| build | system | runs | median ready s | median 99 % after ready s | median 100 % after ready s | median CPU µs/client |', '|---|---|---:|---:|---:|---:|---:|');
for (const system of systems.split(',')) {
  for (const build of ['before', 'after']) {
    const mine = rows.filter((r) => r.build === build && r.system === system && !r.error);
    if (mine.length === 0) continue;
    const m = (f) => median(mine.map(f));
    lines.push(
      `| ${build} | ${system} | ${mine.length} | ${s(m((r) => r.serverReadyMs))} | ${s(m((r) => (r.rejoin99Ms === null ? null : r.rejoin99Ms - r.serverReadyMs)))} | ` +
        `${s(m((r) => (r.rejoin100Ms === null ? null : r.rejoin100Ms - r.serverReadyMs)))} | ${m((r) => r.serverCpuUsPerClient).toFixed(0)} |`,
    );
  }
}
fs.writeFileSync(path.join(outDir, 'rows.json'), JSON.stringify(rows, null, 2) + '\n');
process.stdout.write(lines.join('\n') + '\n');
