#!/usr/bin/env node
'use strict';
// `npm run soak`: a long-running load with every message counted end to end (bench/soak/).
// A server process (plain and TLS StelarServers) and N clients over WebSocket and TCP, a tenth
// on TLS, mixing room broadcasts, direct messages, requests (acks), binary echoes, joins and
// leaves and volatile broadcasts, with reconnect churn (a share of the clients dropped by the
// server each minute, reconnecting by themselves) and a few slow readers behind throttling
// relays. Every 10 s it samples the server's heap (after GC), RSS, handles and event-loop lag.
// Pass: no message lost, duplicated, misrouted or corrupted for connected clients (volatile
// skips counted apart), every request answered, heap and RSS flat after warm-up, nothing left
// on the server once the clients are gone. Exit 1 otherwise.
//
//   node scripts/soak.js [--clients 1000] [--duration 600] [--tls 0.1] [--churn 0.05]
//                        [--slow N] [--rate 0.5] [--sample 10] [--warmup S] [--json FILE]
//   env: STELAR_SOAK_CLIENTS, STELAR_SOAK_SECONDS
const { fork, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const root = path.resolve(__dirname, '..');
const soakDir = path.join(root, 'bench', 'soak');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i !== -1) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

const cfg = {
  clients: Number(arg('clients', process.env.STELAR_SOAK_CLIENTS ?? 1000)),
  duration: Number(arg('duration', process.env.STELAR_SOAK_SECONDS ?? 600)),
  tlsShare: Number(arg('tls', 0.1)),
  churn: Number(arg('churn', 0.05)),
  rate: Number(arg('rate', 0.5)),
  sample: Number(arg('sample', 10)),
  json: arg('json', null),
};
cfg.slow = Number(arg('slow', Math.max(2, Math.round(cfg.clients * 0.01))));
cfg.warmup = Number(arg('warmup', Math.min(120, Math.max(20, Math.round(cfg.duration * 0.2)))));
for (const k of ['clients', 'duration', 'rate', 'sample']) {
  if (!(cfg[k] > 0)) {
    console.error(`soak: --${k} must be a positive number`);
    process.exit(2);
  }
}
if (!fs.existsSync(path.join(root, 'dist', 'src', 'index.js'))) {
  console.error('soak: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const { Ledger } = require(path.join(soakDir, 'ledger.js'));
const { Latencies, fit } = require(path.join(soakDir, 'series.js'));
const { SlowProxy } = require(path.join(soakDir, 'slow-proxy.js'));
const { SoakClient } = require(path.join(soakDir, 'fleet.js'));

const SETTLE_MS = 15000;
const EXCUSE_MS = 5000;
const ACK_TIMEOUT_MS = 12000;
const MB = 1024 * 1024;
const log = (...a) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function certificate() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stelar-soak-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256', '-days', '2', '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

class ServerChild {
  constructor(options) {
    this.child = fork(path.join(soakDir, 'soak.server.js'), [JSON.stringify(options)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.next = 1;
    this.pending = new Map();
    this.exited = false;
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (msg) => {
        if ('ready' in msg) return msg.ready ? resolve(msg) : reject(new Error(msg.error));
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error));
        else p.resolve(msg.value);
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        const err = new Error(`soak server exited (code ${code}, signal ${signal})`);
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
  }
  request(cmd, extra = {}) {
    if (this.exited) return Promise.reject(new Error('soak server has exited'));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, ...extra });
    });
  }
  async exit() {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    await this.request('exit').catch(() => {});
    await Promise.race([gone, sleep(3000)]);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

function kinds(n, tlsShare) {
  // Interleaved so every slice of indices has the same mix: a tenth TLS, half WS, half TCP.
  const out = [];
  const tlsEvery = tlsShare > 0 ? Math.round(1 / tlsShare) : Infinity;
  for (let i = 0; i < n; i++) {
    const tls = i % tlsEvery === tlsEvery - 1;
    out.push({ mode: Math.floor(i / (tls ? tlsEvery : 1)) % 2 === 0 ? 'ws' : 'tcp', tls, group: tls ? 'tls' : 'plain' });
  }
  return out;
}

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

async function main() {
  const started = Date.now();
  const loadStart = os.loadavg();
  log(`${cfg.clients} clients (${Math.round(cfg.tlsShare * 100)} % TLS, ${cfg.slow} slow readers), ${cfg.duration} s, ${cfg.rate} ops/client/s, churn ${cfg.churn * 100} %/min; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
  const server = new ServerChild({ ...certificate(), logLevel: 'error' });
  const { ports, baseline } = await server.ready;
  const ledger = new Ledger({ settleMs: SETTLE_MS, excuseMs: EXCUSE_MS });
  const perGroupRooms = (g, n) => Array.from({ length: Math.max(1, Math.round(n / 20)) }, (_, i) => `${g}-room-${i}`);
  const mix = kinds(cfg.clients, cfg.tlsShare);
  const counts = { plain: mix.filter((k) => k.group === 'plain').length, tls: mix.filter((k) => k.group === 'tls').length };
  const fleet = {
    ledger,
    latencies: new Latencies(),
    slowLatencies: new Latencies(),
    reconnectMs: new Latencies(),
    ackTimeoutMs: ACK_TIMEOUT_MS,
    errors: 0,
    roomNames: { plain: perGroupRooms('plain', counts.plain), tls: perGroupRooms('tls', counts.tls) },
  };
  const upstream = (k) => (k.mode === 'ws' ? (k.tls ? ports.wss : ports.ws) : k.tls ? ports.tls : ports.tcp);
  const slowIdx = new Set();
  for (let i = 0; slowIdx.size < Math.min(cfg.slow, cfg.clients); i++) slowIdx.add(Math.floor((i * cfg.clients) / cfg.slow + 3) % cfg.clients);
  const proxies = [];
  const clients = [];
  for (let i = 0; i < cfg.clients; i++) {
    let port = upstream(mix[i]);
    if (slowIdx.has(i)) {
      const proxy = new SlowProxy(port);
      proxies.push(proxy);
      port = await proxy.listen();
    }
    clients.push(new SoakClient(i, mix[i], port, fleet, slowIdx.has(i)));
  }
  for (let i = 0; i < clients.length; i += 50) {
    await Promise.all(clients.slice(i, i + 50).map((c) => c.connect(30000)));
  }
  await Promise.all(clients.map((c) => c.firstRoom()));
  log(`connected in ${((Date.now() - started) / 1000).toFixed(1)} s: ws ${ports.ws}, tcp ${ports.tcp}, wss ${ports.wss}, tls ${ports.tls}`);

  // ---- traffic ---------------------------------------------------------------------------
  const driverLag = monitorEventLoopDelay({ resolution: 10 });
  driverLag.enable();
  const byGroup = { plain: clients.filter((c) => c.kind.group === 'plain'), tls: clients.filter((c) => c.kind.group === 'tls') };
  const opsPerTick = (cfg.clients * cfg.rate) / 20;
  let carry = 0;
  let ops = 0;
  let drops = 0;
  const live = () => clients.filter((c) => c.connected);
  const trafficEnd = Date.now() + cfg.duration * 1000;
  const ticker = setInterval(() => {
    carry += opsPerTick;
    for (; carry >= 1; carry--) {
      const c = pick(clients);
      if (!c.connected) continue;
      ops++;
      const r = Math.random();
      const size = 16 + Math.floor(Math.random() * 496);
      if (r < 0.35) c.room(size);
      else if (r < 0.55) {
        const peer = pick(byGroup[c.kind.group]);
        if (peer.connected && peer !== c) c.dm(peer, size);
      } else if (r < 0.75) c.echo(size);
      else if (r < 0.9) c.binary(64 + Math.floor(Math.random() * 4032));
      else c.joinOrLeave();
    }
  }, 50);
  const volTimer = setInterval(() => {
    const c = pick(clients);
    if (c.connected) c.volatile();
  }, 2000);
  const churnEvery = cfg.churn > 0 ? 60000 / (cfg.churn * cfg.clients) : Infinity;
  const churnTimer = Number.isFinite(churnEvery)
    ? setInterval(() => {
        const c = pick(clients);
        if (!c.connected) return;
        drops++;
        server.request('drop', { id: c.sid }).catch(() => {});
      }, churnEvery)
    : null;
  const settleTimer = setInterval(() => ledger.settle(), 500);

  const samples = [];
  const t0 = Date.now();
  let lastOps = 0;
  while (Date.now() < trafficEnd) {
    await sleep(Math.min(cfg.sample * 1000, Math.max(0, trafficEnd - Date.now())));
    const s = await server.request('sample');
    const lat = fleet.latencies.summary();
    const row = {
      t: Math.round((Date.now() - t0) / 1000),
      heapMB: s.heapUsed / MB,
      rssMB: s.rss / MB,
      handles: s.handles,
      lagP99Ms: s.lagP99Ms,
      lagMaxMs: s.lagMaxMs,
      connections: s.connections,
      driverLagP99Ms: driverLag.percentile(99) / 1e6,
      opsPerSec: (ops - lastOps) / cfg.sample,
      failures: ledger.failures(),
      ackP99Ms: lat.p99,
    };
    driverLag.reset();
    lastOps = ops;
    samples.push(row);
    log(
      `t=${row.t}s heap ${row.heapMB.toFixed(1)} MB rss ${row.rssMB.toFixed(0)} MB handles ${row.handles} lag p99 ${row.lagP99Ms.toFixed(1)} ms ` +
        `conns ${row.connections} ops/s ${row.opsPerSec.toFixed(0)} delivered ${ledger.counts.delivered} excused ${ledger.counts.excused} failures ${row.failures} ack p99 ${row.ackP99Ms.toFixed(1)} ms`,
    );
  }
  clearInterval(ticker);
  clearInterval(volTimer);
  if (churnTimer) clearInterval(churnTimer);

  // ---- drain and reconcile -------------------------------------------------------------
  const reconnectDeadline = Date.now() + 15000;
  while (live().length < clients.length && Date.now() < reconnectDeadline) await sleep(100);
  const stuck = clients.length - live().length;
  await sleep(SETTLE_MS + 500);
  clearInterval(settleTimer);
  ledger.settle(true);
  driverLag.disable();

  // ---- teardown: nothing may be left on the server -------------------------------------
  for (const c of clients) c.disconnect();
  let after = await server.request('sample');
  for (let i = 0; i < 100 && after.connections > 0; i++) {
    await sleep(100);
    after = await server.request('sample');
  }
  await Promise.all(proxies.map((p) => p.close()));
  const stopped = await server.request('stop');
  await server.exit();

  // ---- verdict ---------------------------------------------------------------------------
  // Only the IPC channel and stdio pipes may remain once both servers stopped.
  const leftovers = Object.entries(stopped.resources).filter(([k]) => k !== 'PipeWrap').map(([k, n]) => `${k} ×${n}`);
  const post = samples.filter((s) => s.t >= cfg.warmup);
  const window = post.length >= 3 ? post : samples.slice(Math.floor(samples.length / 2));
  const xs = window.map((s) => s.t / 60);
  const heapFit = fit(xs, window.map((s) => s.heapMB));
  const rssFit = fit(xs, window.map((s) => s.rssMB));
  const span = xs.length > 1 ? xs[xs.length - 1] - xs[0] : 0;
  const heapBase = window[0]?.heapMB ?? 0;
  const rssBase = window[0]?.rssMB ?? 0;
  const heapGrowth = heapFit.slope * span;
  const rssGrowth = rssFit.slope * span;
  const heapLimit = Math.max(4, 0.05 * heapBase);
  const rssLimit = Math.max(16, 0.1 * rssBase);
  const lat = fleet.latencies.summary();
  const slowLat = fleet.slowLatencies.summary();
  const rec = fleet.reconnectMs.summary();
  const c = ledger.counts;
  const checks = [
    [ledger.failures() === 0, `no lost, duplicated, misrouted, corrupt or unanswered message (failures ${ledger.failures()})`],
    [stuck === 0, `every client connected at the end (${stuck} not)`],
    [heapGrowth <= heapLimit, `heap flat after warm-up: ${heapGrowth.toFixed(2)} MB over ${span.toFixed(1)} min (limit ${heapLimit.toFixed(1)})`],
    [rssGrowth <= rssLimit, `RSS flat after warm-up: ${rssGrowth.toFixed(2)} MB over ${span.toFixed(1)} min (limit ${rssLimit.toFixed(1)})`],
    [after.connections === 0 && after.sockets === 0, `server holds nothing once the clients left (connections ${after.connections}, sockets ${after.sockets})`],
    [leftovers.length === 0, `server stop() leaves no socket, listener or timer (${leftovers.join(', ') || 'none'})`],
  ];
  const report = {
    config: cfg,
    loadAverage: { start: loadStart, end: os.loadavg() },
    seconds: Math.round((Date.now() - started) / 1000),
    operations: ops,
    drops,
    reconnects: clients.reduce((n, x) => n + x.reconnects, 0),
    clientErrors: fleet.errors,
    counts: c,
    volatileDeliveredShare: c.volatileExpected > 0 ? c.volatileReceived / c.volatileExpected : null,
    ackLatencyMs: lat,
    slowReaderAckLatencyMs: slowLat,
    reconnectMs: rec,
    heap: { baselineMB: baseline.heapUsed / MB, slopeMBPerMin: heapFit.slope, growthMB: heapGrowth },
    rss: { baselineMB: baseline.rss / MB, slopeMBPerMin: rssFit.slope, growthMB: rssGrowth },
    handles: {
      baseline: baseline.handles,
      afterClientsLeft: after.handles,
      afterStop: stopped.handles,
      resources: { baseline: baseline.resources, afterClientsLeft: after.resources, afterStop: stopped.resources },
    },
    serverLagMaxP99Ms: Math.max(...samples.map((s) => s.lagP99Ms)),
    driverLagMaxP99Ms: Math.max(...samples.map((s) => s.driverLagP99Ms)),
    samples,
    examples: ledger.examples,
    checks: checks.map(([ok, what]) => ({ ok, what })),
  };
  if (cfg.json) fs.writeFileSync(cfg.json, JSON.stringify(report, null, 2));
  log(`${ops} operations, ${c.sent} messages: ${c.delivered} deliveries verified, ${c.excused} excused (link dropped within ${EXCUSE_MS} ms), ${c.unverified} unverified (sender dropped before the answer)`);
  log(`requests answered ${c.answered}, excused ${c.answerExcused}; joins/leaves ${c.joins}; volatile ${c.volatileReceived}/${c.volatileExpected} received`);
  log(`lost ${c.lost}, duplicate ${c.duplicate}, misrouted ${c.misrouted}, corrupt ${c.corrupt}, unanswered ${c.answerLost}, late ${c.late}, refused joins ${c.joinsRefused}`);
  log(`ack latency ms: p50 ${lat.p50.toFixed(1)} p99 ${lat.p99.toFixed(1)} p99.9 ${lat.p999.toFixed(1)} max ${lat.max.toFixed(1)} (${lat.count} answers); slow readers p99 ${slowLat.p99.toFixed(0)} ms; reconnect p99 ${rec.p99.toFixed(0)} ms over ${report.reconnects} reconnects (${drops} drops)`);
  log(`heap slope ${heapFit.slope.toFixed(3)} MB/min, RSS slope ${rssFit.slope.toFixed(3)} MB/min after ${cfg.warmup} s warm-up; handles ${baseline.handles} → ${after.handles} (clients gone) → ${stopped.handles} (stopped); server lag p99 max ${report.serverLagMaxP99Ms.toFixed(1)} ms, driver ${report.driverLagMaxP99Ms.toFixed(1)} ms`);
  log(`server resources: baseline ${JSON.stringify(baseline.resources)}, clients gone ${JSON.stringify(after.resources)}, stopped ${JSON.stringify(stopped.resources)}`);
  log(`load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const e of ledger.examples.slice(0, 10)) log('  example:', JSON.stringify(e));
  for (const [pass, what] of checks) log(`${pass ? 'PASS' : 'FAIL'} ${what}`);
  const passed = checks.filter(([pass]) => pass).length;
  console.log(`soak: ${passed} passed, ${checks.length - passed} failed`);
  process.exit(passed === checks.length ? 0 : 1);
}

main().catch((err) => {
  console.error('soak: aborted:', err && err.stack ? err.stack : err);
  process.exit(1);
});
