#!/usr/bin/env node
'use strict';
// Prints the functions with the most self time in a V8 .cpuprofile (as written by
// `node bench/run.js --profile`), grouped by function + file:line, with percentages.
// usage: node bench/profile-summary.js FILE.cpuprofile [--top N]

const fs = require('node:fs');
const path = require('node:path');

function summarise(file, top) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // Each sample hits one node; time deltas (µs) give its weight.
  for (let i = 0; i < prof.samples.length; i++) {
    const n = byId.get(prof.samples[i]);
    const dt = prof.timeDeltas[i] || 0;
    const cf = n.callFrame;
    const where = cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) || 0) + dt);
  }
  // Idle time is the event loop waiting, not work: leave it out of the percentages.
  self.delete('(idle)');
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms of non-idle samples`);
  console.log('| self % | self ms | function |');
  console.log('|---:|---:|---|');
  for (const [k, v] of rows) console.log(`| ${((100 * v) / total).toFixed(1)} | ${(v / 1000).toFixed(1)} | \`${k}\` |`);
}

const args = process.argv.slice(2);
const ti = args.indexOf('--top');
const top = ti >= 0 ? Number(args.splice(ti, 2)[1]) : 25;
if (!args.length) {
  console.error('usage: node bench/profile-summary.js FILE.cpuprofile [--top N]');
  process.exit(2);
}
for (const f of args) summarise(f, top);
