#!/usr/bin/env node
'use strict';
// What one idle connection costs on a server's V8 heap, object by object: the evidence behind
// the idle-memory figures of docs/PERFORMANCE.md. For each system the server runs in its own
// process (as in `npm run bench`); the driver opens a warm-up batch, closes it, takes a heap
// snapshot, opens N idle connections, takes a second snapshot, and prints the difference per
// connection grouped by constructor (self sizes; "native" rows are Node's C++ objects V8 knows
// about, such as the TCP handle wrap). Run after `npm run build`:
//   node bench/heap-per-connection.js [--systems stelar,stelar-tcp,ws] [--connections 2000] [--top 25]
// Snapshots are written to bench/results/heap/ and removed afterwards unless --keep is given.

const fs = require('node:fs');
const path = require('node:path');
const { getSystem } = require('./systems');
const { ServerProcess } = require('./lib/server-process');
const { openMany, destroyAll } = require('./lib/clients');
const { ensureFdLimit } = require('./lib/fd-limit');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

/** Self size and count per "type:name" of every node in a .heapsnapshot file. */
function aggregate(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const width = meta.node_fields.length;
  const typeNames = meta.node_types[0];
  const T = meta.node_fields.indexOf('type');
  const N = meta.node_fields.indexOf('name');
  const S = meta.node_fields.indexOf('self_size');
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = typeNames[snap.nodes[i + T]];
    // Compiled code is not per-connection state (it grows while the first connections warm up).
    if (type === 'code') continue;
    const name = type === 'string' || type === 'concatenated string' ? '(strings)' : snap.strings[snap.nodes[i + N]];
    const key = `${type}:${name.slice(0, 60)}`;
    const e = out.get(key) || { count: 0, bytes: 0 };
    e.count++;
    e.bytes += snap.nodes[i + S];
    out.set(key, e);
  }
  return out;
}

/** Rows of (after - before) / n, largest first. */
function perConnection(before, after, n) {
  const rows = [];
  for (const [key, a] of after) {
    const b = before.get(key) || { count: 0, bytes: 0 };
    const bytes = (a.bytes - b.bytes) / n;
    if (bytes >= 1) rows.push({ key, count: (a.count - b.count) / n, bytes });
  }
  return rows.sort((x, y) => y.bytes - x.bytes);
}

async function measure(name, n, top, dir, keep) {
  const system = getSystem(name);
  // No lag shedding: the first snapshot stalls the server's loop, and the storm guard would shed
  // the connections opened right after it (systems other than Stelar ignore the option).
  const srv = new ServerProcess(system.serverPath, { ...system.options, shedLagMs: 0 });
  await srv.start();
  const conns = [];
  const files = [path.join(dir, `${name}-before.heapsnapshot`), path.join(dir, `${name}-after.heapsnapshot`)];
  try {
    const endpoint = { port: srv.port, tcpPort: srv.tcpPort };
    const warm = await openMany(system, endpoint, 100, 20, null, []);
    await Promise.all(warm.map((c) => c.close()));
    await srv.waitConns(0);
    await srv.heapSnapshot(files[0]);
    await openMany(system, endpoint, n, 100, null, conns);
    await srv.heapSnapshot(files[1]);
    const rows = perConnection(aggregate(files[0]), aggregate(files[1]), n);
    const total = rows.reduce((s, r) => s + r.bytes, 0);
    console.log(`\n### ${system.label}: ${total.toFixed(0)} B of heap objects per idle connection (${n} connections)\n`);
    console.log('| bytes/conn | objects/conn | type:constructor |');
    console.log('|---:|---:|---|');
    for (const r of rows.slice(0, top)) console.log(`| ${r.bytes.toFixed(0)} | ${r.count.toFixed(2)} | \`${r.key}\` |`);
  } finally {
    destroyAll(conns);
    await srv.stop();
    if (!keep) for (const f of files) fs.rmSync(f, { force: true });
  }
}

async function main() {
  const systems = String(arg('systems', 'stelar,stelar-tcp,ws')).split(',');
  const n = Number(arg('connections', 2000));
  ensureFdLimit(2 * n + 500, (m) => console.error(`[heap] ${m}`));
  const top = Number(arg('top', 25));
  const keep = process.argv.includes('--keep');
  const dir = path.join(__dirname, 'results', 'heap');
  fs.mkdirSync(dir, { recursive: true });
  for (const name of systems) await measure(name, n, top, dir, keep);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
