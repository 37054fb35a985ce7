'use strict';
// Cluster cost (GitHub issue #18): N Stelar nodes as separate processes on one private Redis
// (127.0.0.1:7150, started and stopped here), N = 1, 2, 4, 8.
//   spread: S subscribers spread evenly over the N nodes in one room, a publisher on node 0;
//           server CPU per delivery summed over every node (target: ≤ 1.5 × the N = 1 figure).
//   local:  S subscribers and the publisher all on node 0; every other node holds idle clients
//           (not in the room); the idle nodes' CPU against the busy node's (target: ≤ 2 %).
// Run alone on a quiet machine: `npm run build && node bench/run.js --scenarios cluster`.

const { openMany, destroyAll } = require('../lib/clients');
const { makePayload } = require('../lib/payload');
const { withTimeout } = require('../lib/pool');
const { ServerProcess } = require('../lib/server-process');
const { getSystem } = require('../systems');
const { startPrivateRedis } = require('../../scripts/redis-test-server.js');

const fs = require('node:fs');

const REDIS_PORT = 7150;
const TICK_US = 1e6 / 100; // /proc/<pid>/stat counts CPU in clock ticks (USER_HZ = 100 on Linux)

/** CPU of a process we do not control over IPC (redis-server), in µs, from /proc. */
function procCpuUs(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime + stime
  } catch {
    return NaN;
  }
}

/** Write syscalls (write, writev, sendmsg…) a process made so far, from /proc/<pid>/io. */
function procWrites(pid) {
  try {
    const m = /^syscw: (\d+)$/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m === null ? NaN : Number(m[1]);
  } catch {
    return NaN;
  }
}

/** Context switches of a process so far (voluntary: it slept in epoll; involuntary: preempted). */
function procSwitches(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const v = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(f);
    const n = /^nonvoluntary_ctxt_switches:\s+(\d+)$/m.exec(f);
    return { voluntary: v === null ? NaN : Number(v[1]), involuntary: n === null ? NaN : Number(n[1]) };
  } catch {
    return { voluntary: NaN, involuntary: NaN };
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts `n` cluster nodes; resolves with their ServerProcess handles. */
async function startNodes(system, n, redisUrl, prefix) {
  const nodes = [];
  // STELAR_BENCH_CALLGRIND=<node index>:<file>: that node runs under callgrind, counting only the
  // measured part of each phase (one dump per phase: <file>.1 spread, <file>.2 local).
  const [cgIndex, cgFile] = (process.env.STELAR_BENCH_CALLGRIND || '').split(':');
  try {
    for (let i = 0; i < n; i++) {
      const run = cgFile && Number(cgIndex) === i ? { callgrind: `${cgFile}.N${n}` } : {};
      const srv = new ServerProcess(system.serverPath, { cluster: { redis: redisUrl, prefix, nodeId: `bench-${i}` } }, run);
      await srv.start();
      nodes.push(srv);
    }
    return nodes;
  } catch (err) {
    await Promise.all(nodes.map((s) => s.stop()));
    throw err;
  }
}

/**
 * One fanout phase: `subsPerNode[i]` subscribers on node i join `room`, the publisher on node 0
 * sends warmup + messages with a bounded window; returns CPU per node over the measured part.
 */
async function fanout(system, nodes, subsPerNode, idlePerNode, room, p, redisPid) {
  const total = p.warmup + p.messages;
  const fastN = subsPerNode.reduce((a, b) => a + b, 0);
  const counts = new Uint32Array(total);
  let low = 0;
  let next = 0;
  let limit = p.warmup;
  let delivered = 0;
  let publisher = null;
  let waiter = null;
  const pump = () => {
    while (next < limit && next < low + p.window) publisher.publish(room, makePayload(next++, p.bytes));
  };
  const handlers = () => ({
    onMsg(seq) {
      if (seq < 0 || seq >= total) return;
      delivered++;
      if (++counts[seq] === fastN && seq === low) {
        while (low < total && counts[low] === fastN) low++;
        if (waiter && low >= waiter.until) waiter.resolve();
        pump();
      }
    },
  });
  const completion = (until) =>
    new Promise((resolve, reject) => {
      if (low >= until) return resolve();
      let last = delivered;
      const timer = setInterval(() => {
        if (delivered === last) {
          clearInterval(timer);
          reject(new Error(`stalled at ${low}/${until}`));
        }
        last = delivered;
      }, p.stallMs);
      waiter = { until, resolve: () => (clearInterval(timer), (waiter = null), resolve()) };
    });
  const conns = [];
  try {
    for (let i = 0; i < nodes.length; i++) {
      const ep = { port: nodes[i].port, tcpPort: nodes[i].tcpPort };
      const subs = await openMany(system, ep, subsPerNode[i], 50, handlers, conns);
      for (let k = 0; k < subs.length; k += 100) await Promise.all(subs.slice(k, k + 100).map((c) => c.join(room)));
      if (idlePerNode[i] > 0) await openMany(system, ep, idlePerNode[i], 50, null, conns);
    }
    [publisher] = await openMany(system, { port: nodes[0].port, tcpPort: nodes[0].tcpPort }, 1, 1, null, conns);
    const warm = completion(p.warmup);
    pump();
    await warm;
    const cpu0 = await Promise.all(nodes.map((n) => n.cpu()));
    const writes0 = nodes.map((n) => procWrites(n.child.pid));
    const switches0 = nodes.map((n) => procSwitches(n.child.pid));
    for (const n of nodes) n.callgrindCollect(true);
    const redis0 = procCpuUs(redisPid);
    const t0 = performance.now();
    const d0 = delivered;
    limit = total;
    const done = completion(total);
    pump();
    await done;
    const t1 = performance.now();
    const cpu1 = await Promise.all(nodes.map((n) => n.cpu()));
    for (const n of nodes) n.callgrindCollect(false);
    const writes = nodes.map((n, i) => procWrites(n.child.pid) - writes0[i]);
    const switches = nodes.map((n, i) => {
      const now = procSwitches(n.child.pid);
      return { voluntary: now.voluntary - switches0[i].voluntary, involuntary: now.involuntary - switches0[i].involuntary };
    });
    const redisCpu = procCpuUs(redisPid) - redis0;
    // The same wall time again with no traffic: what every node spends anyway (heartbeats,
    // self-probes, the driver's CPU requests), to subtract from the idle nodes' figure.
    await sleep(t1 - t0);
    const cpu2 = await Promise.all(nodes.map((n) => n.cpu()));
    return {
      cpu: cpu1.map((c, i) => c - cpu0[i]),
      baseline: cpu2.map((c, i) => c - cpu1[i]),
      writes,
      switches,
      redisCpu,
      messages: p.messages,
      deliveries: delivered - d0,
      wallMs: t1 - t0,
    };
  } finally {
    destroyAll(conns);
    await Promise.all(nodes.map((n) => withTimeout(n.waitConns(0, 10000), 11000, 'teardown').catch(() => {})));
  }
}

async function runStandalone(params, rounds, log) {
  const system = getSystem('stelar');
  const redis = await startPrivateRedis({ port: REDIS_PORT });
  const rows = [];
  try {
    // `--set nodes=8` runs one N only.
    for (const n of Array.isArray(params.nodes) ? params.nodes : [params.nodes]) {
      for (let r = 0; r < rounds; r++) {
        const prefix = `bench-cluster-${process.pid}-${n}-${r}`;
        const nodes = await startNodes(system, n, redis.url, prefix);
        try {
          const per = Math.floor(params.subscribers / n);
          const spreadSubs = Array.from({ length: n }, (_, i) => (i === 0 ? params.subscribers - per * (n - 1) : per));
          const s = await fanout(system, nodes, spreadSubs, new Array(n).fill(0), 'spread', params, redis.pid);
          const localSubs = Array.from({ length: n }, (_, i) => (i === 0 ? params.subscribers : 0));
          const idle = Array.from({ length: n }, (_, i) => (i === 0 ? 0 : params.idleClients));
          const l = await fanout(system, nodes, localSubs, idle, 'local', params, redis.pid);
          const idleCpu = l.cpu.slice(1);
          // The room's traffic on an idle node: its CPU during the phase minus the same
          // wall time without traffic (never below 0).
          const idleTraffic = idleCpu.map((c, i) => Math.max(0, c - l.baseline[i + 1]));
          const row = {
            nodes: n,
            round: r,
            spreadCpuUsPerDelivery: s.cpu.reduce((a, b) => a + b, 0) / s.deliveries,
            spreadDeliveriesPerSec: s.deliveries / (s.wallMs / 1000),
            // Per node, CPU time (not wall) per delivery it made, and socket writes per delivery:
            // node 0 also takes the publisher's messages and publishes them to Redis.
            spreadNodeCpuUsPerDelivery: s.cpu.map((c, i) => c / (s.deliveries * (spreadSubs[i] / params.subscribers))),
            // Wake-ups (voluntary switches: the node slept in epoll) and preemptions per message, per node.
            spreadNodeWakeupsPerMessage: s.switches.map((x) => x.voluntary / s.messages),
            spreadNodePreemptionsPerMessage: s.switches.map((x) => x.involuntary / s.messages),
            spreadWritesPerDelivery: s.writes.reduce((a, b) => a + b, 0) / s.deliveries,
            spreadNodeWritesPerDelivery: s.writes.map((w, i) => w / (s.deliveries * (spreadSubs[i] / params.subscribers))),
            localCpuUsPerDelivery: l.cpu[0] / l.deliveries,
            busyNodeCpuMs: l.cpu[0] / 1000,
            idleNodeCpuMsMax: idleCpu.length ? Math.max(...idleCpu) / 1000 : null,
            idlePctOfBusy: idleCpu.length ? (100 * Math.max(...idleCpu)) / l.cpu[0] : null,
            idleTrafficPctOfBusy: idleTraffic.length ? (100 * Math.max(...idleTraffic)) / l.cpu[0] : null,
            redisCpuUsPerMessage: s.redisCpu / s.messages,
            redisCpuUsPerMessageLocal: l.redisCpu / l.messages,
            localWallMs: l.wallMs,
          };
          rows.push(row);
          log(
            `cluster N=${n} round ${r + 1}: spread ${row.spreadCpuUsPerDelivery.toFixed(3)} µs/delivery, ` +
              `(per node ${row.spreadNodeCpuUsPerDelivery.map((x) => x.toFixed(2)).join('/')}; writes/delivery ${row.spreadWritesPerDelivery.toFixed(3)}; ` +
              `wake-ups/message ${row.spreadNodeWakeupsPerMessage.map((x) => x.toFixed(2)).join('/')}; preemptions/message ${row.spreadNodePreemptionsPerMessage.map((x) => x.toFixed(2)).join('/')}), ` +
              `local ${row.localCpuUsPerDelivery.toFixed(3)}, idle ${pct(row.idlePctOfBusy)} (traffic ${pct(row.idleTrafficPctOfBusy)}), ` +
              `redis ${row.redisCpuUsPerMessage.toFixed(1)} µs/message`,
          );
        } finally {
          await Promise.all(nodes.map((x) => x.stop()));
        }
      }
    }
  } finally {
    await redis.stop();
  }
  return { rows, markdown: markdown(params, rows) };
}

function pct(x) {
  return x === null ? '-' : `${x.toFixed(2)} %`;
}

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Node 0's CPU per delivery, then the median over the other nodes (medians over rounds). */
function nodeSplit(rs) {
  const first = median(rs.map((r) => r.spreadNodeCpuUsPerDelivery[0]));
  const others = median(rs.flatMap((r) => r.spreadNodeCpuUsPerDelivery.slice(1)));
  return others === null ? first.toFixed(3) : `${first.toFixed(3)} / ${others.toFixed(3)}`;
}

function markdown(params, rows) {
  const byN = new Map();
  for (const r of rows) byN.set(r.nodes, [...(byN.get(r.nodes) || []), r]);
  const base = median((byN.get(1) || []).map((r) => r.spreadCpuUsPerDelivery));
  const lines = [
    `### Cluster: N nodes on one Redis (medians of ${rows.length / byN.size} rounds)`,
    '',
    `${params.subscribers} subscribers, ${params.messages} messages of ${params.bytes} B, window ${params.window}; idle nodes hold ${params.idleClients} clients each. Server CPU summed over all nodes.`,
    '',
    '| nodes | spread: CPU µs/delivery (all nodes) | × N=1 | spread: node 0 / other nodes µs/delivery | spread: socket writes per delivery | spread deliveries/s | Redis CPU µs/message | local: busy node µs/delivery | idle node CPU ms (max) | idle % of busy | idle % of busy, room traffic only |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [n, rs] of byN) {
    const sp = median(rs.map((r) => r.spreadCpuUsPerDelivery));
    const idleMs = median(rs.map((r) => r.idleNodeCpuMsMax));
    lines.push(
      `| ${n} | ${sp.toFixed(3)} | ${base ? (sp / base).toFixed(2) : '-'} | ${nodeSplit(rs)} | ${median(rs.map((r) => r.spreadWritesPerDelivery)).toFixed(3)} | ` +
        `${median(rs.map((r) => r.spreadDeliveriesPerSec)).toFixed(0)} | ` +
        `${median(rs.map((r) => r.redisCpuUsPerMessage)).toFixed(1)} | ${median(rs.map((r) => r.localCpuUsPerDelivery)).toFixed(3)} | ` +
        `${idleMs === null ? '-' : idleMs.toFixed(1)} | ${pct(median(rs.map((r) => r.idlePctOfBusy)))} | ${pct(median(rs.map((r) => r.idleTrafficPctOfBusy)))} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

module.exports = {
  name: 'cluster',
  title: 'Cluster: N nodes on one Redis',
  standalone: true,
  defaults: { nodes: [1, 2, 4, 8], subscribers: 800, idleClients: 50, messages: 1000, warmup: 100, bytes: 64, window: 32, stallMs: 15000 },
  quick: { nodes: [1, 2], subscribers: 200, messages: 200, warmup: 30 },
  rounds: 2,
  runStandalone,
};
