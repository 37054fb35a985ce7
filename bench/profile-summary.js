#!/usr/bin/env node
'use strict';
// Prints the functions with the most self time in a V8 .cpuprofile (as written by
// `node bench/run.js --profile`), grouped by function + file:line, with percentages.
// usage: node bench/profile-summary.js FILE.cpuprofile [--top N] [--by-layer]
// --by-layer groups self time by who owns the code instead of by function: Stelar's own layers
// (dist/src/<layer>/<folder>), Node's modules (node:net, node:internal streams, node:_http_*),
// V8/native builtins, GC and "(program)"; it shows how much of a unit of work Stelar could save
// at most, however fast its own code became.

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

/**
 * The owner of a profile node's code: a Stelar layer, a Node module, or other JavaScript. Native
 * code (V8 builtins such as JSON.parse, bindings such as writeBuffer) counts for the nearest
 * JavaScript caller's owner, so a syscall made by Node's stream layer is Node's and a JSON.parse
 * made by Stelar's codec is Stelar's; only GC and "(program)" stay on their own.
 */
function layerOf(node, parents) {
  let n = node;
  while (n !== undefined && !n.callFrame.url) {
    const fn = n.callFrame.functionName;
    if (fn === '(garbage collector)' || fn === '(program)' || fn === '(root)') return `V8 ${fn}`;
    n = parents.get(n.id);
  }
  if (n === undefined) return 'native, no JavaScript caller';
  const url = n.callFrame.url;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const i = url.indexOf('/dist/src/');
  if (i >= 0) return `stelar ${url.slice(i + 10).split('/').slice(0, 2).join('/').replace(/\.js$/, '')}`;
  return 'other JavaScript (harness, dependencies)';
}

function summariseLayers(file, top) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parents = new Map();
  for (const n of prof.nodes) for (const c of n.children || []) parents.set(c, n);
  const self = new Map();
  let stelar = 0;
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]);
    if (node.callFrame.functionName === '(idle)') continue;
    const dt = prof.timeDeltas[i] || 0;
    const key = layerOf(node, parents);
    self.set(key, (self.get(key) || 0) + dt);
    if (key.startsWith('stelar ')) stelar += dt;
    total += dt;
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms of non-idle samples; Stelar's own code ${((100 * stelar) / total).toFixed(1)} %`);
  console.log('| self % | self ms | layer |');
  console.log('|---:|---:|---|');
  for (const [k, v] of rows) console.log(`| ${((100 * v) / total).toFixed(1)} | ${(v / 1000).toFixed(1)} | ${k} |`);
}

const args = process.argv.slice(2);
const li = args.indexOf('--by-layer');
const byLayer = li >= 0 && args.splice(li, 1).length > 0;
const ti = args.indexOf('--top');
const top = ti >= 0 ? Number(args.splice(ti, 2)[1]) : 25;
if (!args.length) {
  console.error('usage: node bench/profile-summary.js FILE.cpuprofile [--top N] [--by-layer]');
  process.exit(2);
}
for (const f of args) (byLayer ? summariseLayers : summarise)(f, top);
