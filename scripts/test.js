#!/usr/bin/env node
'use strict';
// `npm test`: type-check the whole tree, build the package (integration tests load dist/ and
// examples), make sure the external peers tests need are present (Chromium, Redis; Deno and Bun
// from npm for the package test, cached outside the work tree), then run Jest, then (full runs
// only) a 60 s fuzz of every parser and codec (scripts/fuzz.js) and a 60 s soak with 200 clients
// (scripts/soak.js); either fails the suite on a finding or a lost message.
// Extra arguments are passed to Jest (`npm test -- test/unit`) and skip the fuzz and the soak.
// STELAR_SKIP_FUZZ=1 / STELAR_SKIP_SOAK=1 skip one of them (said loudly). Each stage is killed
// and the run fails if it outlives its limit (Jest: STELAR_JEST_LIMIT_MIN, default 30 min).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const MINUTE = 60_000;
// Every stage has a watchdog: a stage that hangs (a test that leaves a handle open after a
// failure keeps Jest alive) fails the run loudly instead of holding CI until its own limit.
function run(cmd, args, opts = {}, limitMs = 10 * MINUTE) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, timeout: limitMs, killSignal: 'SIGKILL', ...opts });
  if (r.error && r.error.code === 'ETIMEDOUT') {
    console.error(`\n[test] !!! ${path.basename(args[0] ?? cmd)} did not end within ${Math.round(limitMs / MINUTE)} min: killed, the run FAILS`);
    process.exit(124);
  }
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const jestLimitMs = Number(process.env.STELAR_JEST_LIMIT_MIN ?? 30) * MINUTE;

run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']);
run(process.execPath, [path.join(root, 'scripts/build.js')]);
require('./ensure-peers').ensurePeers();
require('./ensure-runtimes').runtimes();
run(
  process.execPath,
  [require.resolve('jest/bin/jest'), '--ci', ...process.argv.slice(2)],
  { env: { ...process.env, STELAR_PEERS_CHECKED: '1' } },
  jestLimitMs,
);

if (process.argv.length > 2) {
  console.log('\n[test] Jest arguments given: the 60 s fuzz and soak stages are skipped (run `npm test` alone for them).');
} else {
  if (process.env.STELAR_SKIP_FUZZ === '1') console.log('\n[test] !!! STELAR_SKIP_FUZZ=1: the fuzz stage is SKIPPED');
  else run(process.execPath, [path.join(root, 'scripts/fuzz.js'), '--time', '60']);
  if (process.env.STELAR_SKIP_SOAK === '1') console.log('\n[test] !!! STELAR_SKIP_SOAK=1: the soak stage is SKIPPED');
  else run(process.execPath, [path.join(root, 'scripts/soak.js'), '--clients', '200', '--duration', '60', '--warmup', '20']);
}
