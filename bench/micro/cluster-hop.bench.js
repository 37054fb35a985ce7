#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): the fixed cost of one cross-node hop, without any client
// fanout. A publisher process sends M room deliveries through a private Redis (127.0.0.1:7151,
// started and stopped here) to a receiver process subscribed to the room; each reports its own
// CPU per message. Run after `npm run build`:
//   node bench/micro/cluster-hop.bench.js [messages]
// These two figures are the base of the arithmetic in docs/CLUSTER.md ("At 100 nodes").
const { spawn } = require('node:child_process');
const path = require('node:path');

const DIST = path.resolve(__dirname, '../../dist/src/adapters/redis');
const M = Number(process.argv[3] ?? process.argv[2] ?? 20000) || 20000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const state = { localRooms: () => [], localRoomMembers: () => [], localClients: () => [], localStats: () => ({}) };
const payload = (i) => '#' + String(i).padStart(8, '0') + 'x'.repeat(55);

async function child(role, url) {
  const { RedisClusterBus } = require(DIST);
  const bus = new RedisClusterBus({ redis: url, prefix: `hop-${process.ppid}`, nodeId: role, logger: quiet });
  let got = 0;
  let c0;
  await bus.start(() => {
    if (got++ === 0) c0 = process.cpuUsage();
    if (got === M) {
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
  const c = process.cpuUsage();
  for (let i = 0; i < M; i++) {
    bus.publish({ target: { kind: 'room', room: 'r' }, event: 'msg', data: payload(i) });
    if (i % 32 === 31) await new Promise((r) => setImmediate(r));
  }
  const u = process.cpuUsage(c);
  process.send({ publishUs: (u.user + u.system) / M });
}

async function main() {
  const { startPrivateRedis } = require('../../scripts/redis-test-server.js');
  const redis = await startPrivateRedis({ port: 7151 });
  const kids = [];
  const run = (role) => {
    const p = spawn(process.execPath, [__filename, '--child', role, redis.url, String(M)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    kids.push(p);
    return p;
  };
  try {
    const rx = run('rx');
    const rxDone = new Promise((resolve) => rx.on('message', (m) => m.receiveUs !== undefined && resolve(m.receiveUs)));
    await new Promise((resolve) => rx.on('message', (m) => m.ready && resolve()));
    const tx = run('tx');
    const publishUs = await new Promise((resolve) => tx.on('message', (m) => resolve(m.publishUs)));
    const receiveUs = await rxDone;
    const load = require('node:os').loadavg().map((x) => x.toFixed(2)).join(' ');
    console.log(`cluster hop, ${M} room deliveries of 64 B: publish ${publishUs.toFixed(2)} µs CPU per message on the sender, receive ${receiveUs.toFixed(2)} µs CPU per message on a subscribed node (load ${load})`);
  } finally {
    for (const k of kids) k.kill('SIGKILL');
    await redis.stop();
  }
}

if (process.argv[2] === '--child') child(process.argv[3], process.argv[4]).catch((e) => (console.error(e), process.exit(1)));
else main().catch((e) => (console.error(e), process.exit(1)));
