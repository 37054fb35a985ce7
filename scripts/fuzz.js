#!/usr/bin/env node
'use strict';
// `npm run fuzz`: runs every fuzz target in test/fuzz/targets/ one after the other, each in its
// own process, sharing a total time budget (default 600 s), and prints executions, executions
// per second and edge coverage per target. Exits 1 on the first finding (crash, broken
// invariant, hang, memory growth), printing the saved input and the command that replays it.
//
//   node scripts/fuzz.js [--time SECONDS] [--targets a,b] [--seed N] [--json FILE]
//   STELAR_FUZZ_SECONDS=60 node scripts/fuzz.js
// The engine is described in docs/SECURITY.md ("Fuzzing"); it needs the built package (dist/).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const targetsDir = path.join(root, 'test', 'fuzz', 'targets');
const worker = path.join(root, 'test', 'fuzz', 'engine', 'worker.js');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i !== -1) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

const total = Number(arg('time', process.env.STELAR_FUZZ_SECONDS ?? 600));
const all = fs.readdirSync(targetsDir).filter((f) => f.endsWith('.fuzz.js')).map((f) => f.slice(0, -'.fuzz.js'.length)).sort();
const wanted = arg('targets', null);
const targets = wanted ? wanted.split(',').filter((t) => all.includes(t)) : all;
const seed = Number(arg('seed', Date.now() % 0x7fffffff));
const jsonOut = arg('json', null);

if (!fs.existsSync(path.join(root, 'dist', 'src', 'index.js'))) {
  console.error('fuzz: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
if (!(total > 0) || targets.length === 0) {
  console.error(`fuzz: nothing to run (time ${total}, targets ${targets.join(',') || 'none'})`);
  process.exit(2);
}

function runTarget(name, seconds, targetSeed) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=512', worker, name, String(seconds), '--seed', String(targetSeed)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    // A synchronous infinite loop cannot report itself: the parent ends it.
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const lines = out.trim().split('\n').filter(Boolean);
      let report = null;
      try {
        report = JSON.parse(lines[lines.length - 1]);
      } catch {
        report = null;
      }
      if (signal === 'SIGKILL') report = { target: name, finding: 'hang', error: `no report ${seconds + 60} s after start (killed)` };
      resolve({ code, report: report ?? { target: name, finding: 'engine', error: `worker exited ${code} without a report` } });
    });
  });
}

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

async function main() {
  const per = Math.max(5, Math.floor(total / targets.length));
  console.log(`fuzz: ${targets.length} targets, ${per} s each (${total} s budget), seed ${seed}`);
  const results = [];
  for (let i = 0; i < targets.length; i++) {
    const { code, report } = await runTarget(targets[i], per, seed + i);
    results.push(report);
    if (code !== 0 || report.finding) {
      console.error(`\nfuzz: FINDING in ${report.target}: ${report.finding}\n${report.stack ?? report.error}`);
      if (report.input) {
        console.error(`input saved to ${report.input}${report.inputBase64 ? ` (base64 ${report.inputBase64})` : ''}`);
        console.error(`replay: node ${path.relative(root, worker)} ${report.target} 0 --input ${path.relative(root, report.input)}`);
      }
      if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ seed, per, results }, null, 2));
      console.log(`fuzz: ${i} passed, 1 failed`);
      process.exit(1);
    }
    if (report.execs < 1000) console.log(`!!! ${report.target} ran only ${report.execs} executions in ${report.seconds} s (machine overloaded?)`);
    console.log(
      `${pad(report.target, 22)}  ${pad(report.execs.toLocaleString('en-US'), 11)} execs  ${pad(report.execsPerSec.toLocaleString('en-US'), 7)}/s  ` +
        `edges ${pad(report.edgesHit, 5)}/${pad(report.edgesTotal, 5)} (${pad(((100 * report.edgesHit) / Math.max(report.edgesTotal, 1)).toFixed(1), 5)} %)  ` +
        `corpus ${pad(report.corpus, 5)}  properties ${pad(report.propertyRuns.toLocaleString('en-US'), 8)}`,
    );
  }
  const execs = results.reduce((s, r) => s + r.execs, 0);
  const props = results.reduce((s, r) => s + r.propertyRuns, 0);
  console.log(`fuzz: ${execs.toLocaleString('en-US')} executions and ${props.toLocaleString('en-US')} property runs, no finding`);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ seed, per, execs, propertyRuns: props, results }, null, 2));
  console.log(`fuzz: ${results.length} passed, 0 failed`);
}

main();
