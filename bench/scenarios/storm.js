'use strict';
// Reconnect storm (GitHub issue #17): N clients in one room (spread over `workers` child
// processes, each dialing its own 127.0.0.x, or from its own 127.0.0.x source address where the
// server listens on 127.0.0.1 only, so the sockets do not share one 4-tuple space), a publisher
// sending one message per 100 ms into the room; the server process is SIGKILLed and restarted
// on the same port(s) at once. Measured from the kill: time until 99 % and 100 % of the clients
// are back and in their room (a room message received since the kill), the new server's CPU
// per client until then, messages missed.
// The crowd uses each system's own client library and ITS default reconnection
// (storm-crowds.js): StelarClient with the default options for stelar / stelar-tcp,
// socket.io-client for socketio, and for ws / uws (the `ws` package has no reconnection) a
// minimal loop with reconnecting-websocket's default schedule. The publisher is the system's
// bench client (bench/systems/*.client.js) with a fixed 100 ms reconnect loop, so it is back
// and publishing within ~100 ms of the restart (the `publisher back` column) and is never the
// tail being measured.
// Not in the default scenario list (long): `npm run build && node bench/run.js --scenarios storm
// [--systems stelar,stelar-tcp,ws,uws,socketio] [--set clients=3000]`. STELAR_BENCH_DIST=<dir>
// runs another build (server and clients), e.g. one of main for a before/after figure.

const { fork } = require('node:child_process');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { ServerProcess } = require('../lib/server-process');
const { ensureFdLimit } = require('../lib/fd-limit');
const { withTimeout, sleep } = require('../lib/pool');
const { getSystem } = require('../systems');

const WORKER = path.join(__dirname, 'storm-clients.js');
const DIST = path.resolve(process.env.STELAR_BENCH_DIST || path.join(__dirname, '../../dist'));
const ROOM = 'storm';

/**
 * The systems this scenario drives, with their crowd (storm-crowds.js): `kind` of client, Stelar
 * `mode`, and how a worker spreads its sockets (`dest`: its own 127.0.0.x destination, the
 * Stelar server listening on every address; `source`: its own 127.0.0.x source address towards
 * 127.0.0.1, where the server listens).
 */
const CROWDS = {
  stelar: { kind: 'stelar', mode: 'ws', spread: 'dest' },
  'stelar-tcp': { kind: 'stelar', mode: 'tcp', spread: 'dest' },
  ws: { kind: 'ws', spread: 'source' },
  uws: { kind: 'ws', spread: 'source' },
  socketio: { kind: 'socketio', spread: 'source' },
};
/** Run when --systems is not given. */
const DEFAULT_STORM_SYSTEMS = ['stelar', 'stelar-tcp'];
/** The publisher's reconnect interval (ms): fixed and short, it is not what is measured. */
const PUBLISHER_RETRY_MS = 100;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function startWorker(crowd, url, localAddress, count, concurrency) {
  const args = { kind: crowd.kind, mode: crowd.mode, url, localAddress, count, room: ROOM, concurrency };
  const child = fork(WORKER, [DIST, JSON.stringify(args)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--max-old-space-size=2048'],
  });
  const w = { child, progress: { connected: 0, rejoined: 0, errors: 0 }, done: null };
  w.ready = new Promise((resolve, reject) => {
    child.on('message', (m) => {
      if ('ready' in m) resolve(m.ready);
      else if ('failed' in m) reject(new Error(m.failed));
      else if ('progress' in m) w.progress = m.progress;
      else if ('setup' in m) w.setup = m.setup;
      else if ('done' in m) w.done = m.done;
    });
    child.once('exit', (code) => reject(new Error(`storm worker exited (${code})`)));
  });
  return w;
}

/**
 * The publisher: the system's bench client (bench/systems/*.client.js) emitting 'pub' into the
 * room every intervalMs while connected; when the connection drops (the kill) it dials again
 * every PUBLISHER_RETRY_MS until the restarted server answers, and goes on publishing.
 * `backAt`: Date.now() of its first connection after `pub.since` was set (0: not yet).
 */
function startPublisher(system, endpoint, intervalMs, log) {
  const pub = { sent: 0, sentSince: 0, since: 0, killedAt: 0, backAt: 0, conn: null, stopped: false };
  let retry = null;
  const dial = () => {
    retry = null;
    if (pub.stopped) return;
    system.client
      .connect(endpoint, {
        onClose: () => {
          pub.conn = null;
          if (!pub.stopped && retry === null) retry = setTimeout(dial, PUBLISHER_RETRY_MS);
        },
      })
      .then(
        (conn) => {
          if (pub.stopped) return conn.destroy();
          pub.conn = conn;
          if (pub.killedAt > 0 && pub.backAt === 0) pub.backAt = Date.now();
        },
        () => {
          if (!pub.stopped && retry === null) retry = setTimeout(dial, PUBLISHER_RETRY_MS);
        },
      );
  };
  dial();
  const timer = setInterval(() => {
    if (pub.conn === null) return;
    pub.sent++;
    if (pub.since > 0) pub.sentSince++;
    try {
      pub.conn.publish(ROOM, `#${pub.sent}`);
    } catch (err) {
      log(`  storm publisher: ${err.message}`);
    }
  }, intervalMs);
  pub.stop = () => {
    pub.stopped = true;
    clearInterval(timer);
    if (retry !== null) clearTimeout(retry);
    if (pub.conn !== null) pub.conn.destroy();
  };
  return pub;
}

function percentileTime(sortedTimes, total, fraction) {
  const need = Math.ceil(total * fraction);
  return sortedTimes.length >= need ? sortedTimes[need - 1] : null;
}

async function stormOnce(systemName, p, log) {
  const system = getSystem(systemName);
  const crowd = CROWDS[systemName];
  const mode = crowd.mode;
  const port = await freePort();
  const tcpPort = mode === 'tcp' ? await freePort() : undefined;
  const options = { ...system.options, port, tcpPort };
  let srv = new ServerProcess(system.serverPath, options);
  await srv.start(30000);
  const workers = [];
  let pub = null;
  try {
    const per = Math.ceil(p.clients / p.workers);
    for (let k = 0; k < p.workers; k++) {
      const count = Math.min(per, p.clients - k * per);
      if (count <= 0) break;
      const own = `127.0.0.${k + 2}`;
      const host = crowd.spread === 'dest' ? own : '127.0.0.1';
      const localAddress = crowd.spread === 'source' ? own : undefined;
      const url = crowd.kind === 'socketio' ? `http://${host}:${port}` : mode === 'tcp' ? `tcp://${host}:${tcpPort}` : `ws://${host}:${port}/`;
      workers.push(startWorker(crowd, url, localAddress, count, p.concurrency));
    }
    const t0 = Date.now();
    const setupLog = setInterval(() => log(`  storm ${systemName}: setup, ${workers.reduce((n, w) => n + (w.setup || 0), 0)} clients joined`), 15000);
    try {
      await withTimeout(Promise.all(workers.map((w) => w.ready)), p.setupMs, 'storm: every client connected and joined');
    } finally {
      clearInterval(setupLog);
    }
    log(`  storm ${systemName}: ${p.clients} clients in the room after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // The publisher starts once everyone is in (setup is not the measure), then runs throughout.
    pub = startPublisher(system, { port, tcpPort }, p.intervalMs, log);
    await sleep(p.steadyMs);
    const load = os.loadavg().map((x) => Math.round(x * 100) / 100);

    // The kill, and the restart on the same port(s) at once.
    const killedAt = Date.now();
    pub.killedAt = killedAt;
    srv.child.kill('SIGKILL');
    for (const w of workers) w.child.send({ cmd: 'killed', at: killedAt });
    await new Promise((r) => (srv.exited ? r() : srv.child.once('exit', r)));
    // STELAR_BENCH_STORM_PROFILE=<dir>: a V8 CPU profile of the restarted server (the recovery).
    const profileDir = process.env.STELAR_BENCH_STORM_PROFILE;
    srv = new ServerProcess(system.serverPath, options, profileDir ? { profile: path.join(profileDir, `storm-${systemName}.cpuprofile`) } : {});
    await srv.start(30000);
    const readyMs = Date.now() - killedAt;
    const cpu0 = await srv.cpu();
    pub.since = Date.now();

    const total = p.clients;
    let doneAt = null;
    const series = [];
    while (Date.now() - killedAt < p.maxWaitMs) {
      await sleep(500);
      const rejoined = workers.reduce((n, w) => n + w.progress.rejoined, 0);
      const connected = workers.reduce((n, w) => n + w.progress.connected, 0);
      const asked = Date.now();
      const held = await srv.conns().catch(() => -1);
      series.push([Math.round((asked - killedAt) / 100) / 10, connected, rejoined, held, Date.now() - asked]);
      if (rejoined >= total) {
        doneAt = Date.now();
        break;
      }
    }
    const cpu1 = await srv.cpu();
    const cpuWindowMs = (doneAt ?? Date.now()) - (killedAt + readyMs);
    for (const w of workers) w.child.send({ cmd: 'finish' });
    await withTimeout(
      (async () => {
        while (workers.some((w) => w.done === null)) await sleep(50);
      })(),
      20000,
      'storm: worker results',
    );
    const rejoins = workers.flatMap((w) => w.done.rejoinAt).sort((a, b) => a - b);
    const reconnects = workers.flatMap((w) => w.done.reconnectAt).sort((a, b) => a - b);
    const receivedAfterKill = workers.reduce((n, w) => n + w.done.receivedAfterKill, 0);
    const never = workers.reduce((n, w) => n + w.done.never, 0);
    const row = {
      system: systemName,
      clients: total,
      load,
      serverReadyMs: readyMs,
      publisherBackMs: pub.backAt > 0 ? pub.backAt - killedAt : null,
      reconnect99Ms: percentileTime(reconnects, total, 0.99),
      reconnect100Ms: percentileTime(reconnects, total, 1),
      rejoin99Ms: percentileTime(rejoins, total, 0.99),
      rejoin100Ms: percentileTime(rejoins, total, 1),
      rejoinedPct: (100 * rejoins.length) / total,
      neverRejoined: never,
      serverCpuUsPerClient: (cpu1 - cpu0) / total,
      serverCpuPct: cpuWindowMs > 0 ? (100 * (cpu1 - cpu0)) / 1000 / cpuWindowMs : null,
      publishedSinceRestart: pub.sentSince,
      messagesMissed: Math.max(0, pub.sentSince * total - receivedAfterKill),
      clientErrors: workers.reduce((n, w) => n + w.done.errors, 0),
      stuckStates: workers.flatMap((w) => w.done.states).slice(0, 5),
      maxAttempt: Math.max(...workers.map((w) => w.done.maxAttempt)),
      errorKinds: workers[0].done.errorKinds,
      rejoinSeconds: histogram(rejoins),
      series,
    };
    log(
      `  storm ${systemName}: 99 % back in ${fmt(row.rejoin99Ms)}, 100 % in ${fmt(row.rejoin100Ms)} ` +
        `(${row.rejoinedPct.toFixed(1)} %), ${row.serverCpuUsPerClient.toFixed(0)} µs CPU/client, load ${load.join(' ')}`,
    );
    return row;
  } finally {
    if (pub !== null) pub.stop();
    for (const w of workers) {
      try {
        w.child.send({ cmd: 'exit' });
      } catch {
        // already gone
      }
    }
    await Promise.all(
      workers.map((w) => withTimeout(new Promise((r) => (w.child.exitCode !== null ? r() : w.child.once('exit', r))), 10000, 'worker exit').catch(() => w.child.kill('SIGKILL'))),
    );
    await srv.stop();
  }
}

/** Clients back per second after the kill: { second: count }. */
function histogram(times) {
  const h = {};
  for (const t of times) {
    const s = Math.floor(t / 1000);
    h[s] = (h[s] || 0) + 1;
  }
  return h;
}

function fmt(ms) {
  return ms === null ? 'never' : `${(ms / 1000).toFixed(2)} s`;
}

async function runStandalone(params, rounds, log, systems) {
  ensureFdLimit(params.clients + 2000, log);
  const names = (systems || DEFAULT_STORM_SYSTEMS).filter((s) => {
    if (CROWDS[s] !== undefined) return true;
    log(`storm: no crowd for system "${s}" (known: ${Object.keys(CROWDS).join(', ')}), skipped`);
    return false;
  });
  const rows = [];
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? names : [...names].reverse()) {
      log(`storm round ${r + 1}/${rounds}: ${name} (${params.clients} clients)`);
      try {
        rows.push({ round: r, ...(await stormOnce(name, params, log)) });
      } catch (err) {
        log(`!!! storm ${name} failed: ${err.message}`);
        rows.push({ round: r, system: name, error: String(err.message) });
      }
    }
  }
  return { rows, markdown: markdown(params, rows) };
}

function markdown(params, rows) {
  const lines = [
    `### Reconnect storm: ${params.clients} clients, SIGKILL + restart, publisher 1 msg / ${params.intervalMs} ms`,
    '',
    `Each system's own client with its library's default reconnection (bench/scenarios/storm-crowds.js); ${params.workers} client processes; ` +
      'times from the kill (server ready again, and the publisher publishing again, after the times in their columns).',
    '',
    '| system | round | load | server ready | publisher back | 99 % reconnected | 100 % reconnected | 99 % rejoined | 100 % rejoined | rejoined | server CPU µs/client | server CPU % | messages missed |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.system} | ${r.round + 1} | failed: ${r.error} ||||||||||||`);
      continue;
    }
    lines.push(
      `| ${r.system} | ${r.round + 1} | ${r.load.join(' ')} | ${fmt(r.serverReadyMs)} | ${fmt(r.publisherBackMs)} | ${fmt(r.reconnect99Ms)} | ${fmt(r.reconnect100Ms)} | ` +
        `${fmt(r.rejoin99Ms)} | ${fmt(r.rejoin100Ms)} | ${r.rejoinedPct.toFixed(1)} % | ${r.serverCpuUsPerClient.toFixed(0)} | ` +
        `${r.serverCpuPct === null ? '-' : r.serverCpuPct.toFixed(0)} | ${r.messagesMissed} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

module.exports = {
  name: 'storm',
  title: 'Reconnect storm: SIGKILL + restart under a publisher',
  standalone: true,
  optIn: true,
  defaults: { clients: 10000, workers: 4, concurrency: 100, intervalMs: 100, steadyMs: 3000, maxWaitMs: 90000, setupMs: 600000 },
  quick: { clients: 1000, maxWaitMs: 30000 },
  rounds: 1,
  runStandalone,
};
