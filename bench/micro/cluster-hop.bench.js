#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): the fixed cost of one cross-node hop, without any client
// fanout. A publisher process sends M room deliveries (32 per event-loop turn) through a private
// Redis (127.0.0.1:7151, started and stopped here) to a receiver process subscribed to the room;
// each reports its own CPU per message. Run after `npm run build`:
//   node bench/micro/cluster-hop.bench.js [messages] [--dist DIR] [--callgrind FILE] [--warmup W]
//        [--batch N (the bus's publishBatchMax; default the bus default)] [--perf-map]
// --dist: the build to measure (default this checkout's dist/; another checkout's for an A/B).
// --callgrind: the receiver runs under `valgrind --tool=callgrind`; W warm-up deliveries first,
// then its counts are zeroed, M deliveries, dumped to FILE: instructions per message on the
// receiving node, independent of the machine's load (bench/micro/callgrind-self.py FILE --per M;
// with --perf-map the receiver runs with node --perf-basic-prof, so JIT code is named).
// These figures are the base of the arithmetic in docs/CLUSTER.md ("At 100 nodes").
const { spawn, execFileSync } = require('node:child_process');
const path = require('node:path');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(i > 0 && all[i - 1].startsWith('--')));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const state = { localRooms: () => [], localRoomMembers: () => [], localClients: () => [], localStats: () => ({}) };
const payload = (i) => '#' + String(i).padStart(8, '0') + 'x'.repeat(55);

async function child(role, url, dist, M, W, batch) {
  const { RedisClusterBus } = require(path.join(dist, 'src/adapters/redis'));
  const opts = { redis: url, prefix: `hop-${process.ppid}`, nodeId: role, logger: quiet };
  if (batch > 0) opts.publishBatchMax = batch;
  const bus = new RedisClusterBus(opts);
  let got = 0;
  let c0;
  await bus.start(() => {
    got++;
    if (got === W) process.send({ warm: true });
    if (got === W + 1) c0 = process.cpuUsage();
    if (got === W + M) {
      const u = process.cpuUsage(c0);
      process.send({ receiveUs: (u.user + u.system) / (M - 1) });
    }
  }, state);
  if (role === 'rx') {
    bus.interest.roomOpened('r');
    await bus.interest.roomReady('r');
    process.send({ ready: true });
    return;
  }
  const send = async (from, n) => {
    for (let i = from; i < from + n; i++) {
      bus.publish({ target: { kind: 'room', room: 'r' }, event: 'msg', data: payload(i) });
      if (i % 32 === 31) await new Promise((r) => setImmediate(r));
    }
  };
  if (W > 0) {
    await send(0, W);
    await new Promise((r) => process.once('message', r)); // the receiver is warm (and zeroed)
  }
  const c = process.cpuUsage();
  await send(W, M);
  const u = process.cpuUsage(c);
  process.send({ publishUs: (u.user + u.system) / M });
}

async function main() {
  const M = Number(positional[0] ?? 20000) || 20000;
  const dist = path.resolve(arg('dist', path.resolve(__dirname, '../../dist')));
  const cg = arg('callgrind', null);
  const W = Number(arg('warmup', cg ? 2000 : 0));
  const batch = Number(arg('batch', 0));
  const { startPrivateRedis } = require('../../scripts/redis-test-server.js');
  const redis = await startPrivateRedis({ port: 7151 });
  const kids = [];
  const run = (role, underCallgrind) => {
    const argv = [__filename, '--child', role, redis.url, dist, String(M), String(W), String(batch)];
    const [exe, args] = underCallgrind
      ? ['valgrind', ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${cg}`, process.execPath, '--single-threaded', ...(process.argv.includes('--perf-map') ? ['--perf-basic-prof'] : []), ...argv]]
      : [process.execPath, argv];
    const p = spawn(exe, args, { stdio: ['ignore', 'inherit', underCallgrind ? 'ignore' : 'inherit', 'ipc'] });
    kids.push(p);
    return p;
  };
  try {
    const rx = run('rx', cg !== null);
    const rxDone = new Promise((resolve) => rx.on('message', (m) => m.receiveUs !== undefined && resolve(m.receiveUs)));
    await new Promise((resolve) => rx.on('message', (m) => m.ready && resolve()));
    const tx = run('tx', false);
    rx.on('message', (m) => {
      if (!m.warm) return;
      if (cg) execFileSync('callgrind_control', ['--zero', String(rx.pid)], { stdio: 'ignore' });
      tx.send({ go: true });
    });
    const publishUs = await new Promise((resolve) => tx.on('message', (m) => m.publishUs !== undefined && resolve(m.publishUs)));
    const receiveUs = await rxDone;
    if (cg) execFileSync('callgrind_control', ['--dump', String(rx.pid)], { stdio: 'ignore' });
    const load = require('node:os').loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(
      `cluster hop, ${M} room deliveries of 64 B (${dist}${batch ? `, publishBatchMax ${batch}` : ''}): publish ${publishUs.toFixed(2)} µs CPU per message on the sender, ` +
        `receive ${receiveUs.toFixed(2)} µs CPU per message on a subscribed node${cg ? ' (under callgrind)' : ''} (load ${load})`,
    );
  } finally {
    for (const k of kids) k.kill('SIGKILL');
    await redis.stop();
  }
}

if (process.argv[2] === '--child') {
  const [role, url, dist, M, W, batch] = process.argv.slice(3);
  child(role, url, dist, Number(M), Number(W), Number(batch)).catch((e) => (console.error(e), process.exit(1)));
} else main().catch((e) => (console.error(e), process.exit(1)));
