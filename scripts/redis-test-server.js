#!/usr/bin/env node
'use strict';
// Private redis-server instances for the cluster tests. Tests use the shared 127.0.0.1:6379 when
// it answers PING; otherwise (and ALWAYS for the "Redis restarted mid-run" test) they start their
// own redis-server on a free port, without persistence, and stop it by PID afterwards.
//
// CLI:  node scripts/redis-test-server.js start        -> prints {"port","pid","pidfile","dir"}
//       node scripts/redis-test-server.js stop <pid>   -> stops that instance
//       node scripts/redis-test-server.js probe [port] -> exit 0 when 127.0.0.1:port answers PING
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const HOST = '127.0.0.1';

/** True when a `redis-server` binary is on PATH. */
function hasRedisServer() {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
}

/** Resolves true when HOST:port answers PING with +PONG within timeoutMs. */
function ping(port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    let buf = '';
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
    sock.on('error', () => done(false));
  });
}

/** Synchronous PING probe (runs `ping` in a child process; used where Jest needs to decide now). */
function pingSync(port, timeoutMs = 1500) {
  const r = spawnSync(process.execPath, [__filename, 'probe', String(port)], {
    stdio: 'ignore',
    timeout: timeoutMs + 1000,
  });
  return r.status === 0;
}

/** A port that was free a moment ago (listen on 0, read it, close). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a daemonized redis-server on `port` (a free one when omitted), waits until it answers
 * PING and returns its handle. `stop()` ends it by PID; `restart()` stops it and starts a fresh
 * (empty) one on the same port.
 */
async function startPrivateRedis(opts = {}) {
  if (!hasRedisServer()) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const port = opts.port ?? (await freePort());
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'stelar-redis-'));
  const pidfile = path.join(dir, `redis-${port}.pid`);
  const logfile = path.join(dir, `redis-${port}.log`);
  try { fs.unlinkSync(pidfile); } catch {}
  const args = [
    '--bind', HOST, '--port', String(port), '--save', '', '--appendonly', 'no',
    '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', logfile, '--dir', dir,
  ];
  const r = spawnSync('redis-server', args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`redis-server failed to start on port ${port} (see ${logfile})`);
  let pid;
  for (let i = 0; i < 100; i++) {
    if (pid === undefined && fs.existsSync(pidfile)) pid = Number(fs.readFileSync(pidfile, 'utf8'));
    if (pid !== undefined && (await ping(port, 200))) break;
    if (i === 99) throw new Error(`redis-server on port ${port} did not answer PING (see ${logfile})`);
    await sleep(50);
  }
  track(pid);
  const handle = {
    port,
    pid,
    pidfile,
    dir,
    url: `redis://${HOST}:${port}`,
    /** Stops this instance by PID (SIGTERM, SIGKILL after 5 s) and removes its directory. */
    async stop(keepDir = false) {
      await stopPid(handle.pid);
      if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
    },
    /** Stops it and starts a fresh, empty instance on the same port. */
    async restart(downMs = 0) {
      await stopPid(handle.pid);
      if (downMs > 0) await sleep(downMs);
      const again = await startPrivateRedis({ port, dir });
      handle.pid = again.pid;
    },
  };
  return handle;
}

/**
 * The daemonized instances this process started and has not stopped yet. A daemon is not a
 * child, so nothing ends it when a test process dies early (a failed test, a Jest worker
 * recycled, Ctrl-C): the exit hook SIGKILLs what is left, by PID, so no private Redis outlives
 * the process that started it.
 */
const started = new Set();
let exitHooked = false;
function track(pid) {
  if (!pid) return;
  started.add(pid);
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const p of started) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** SIGTERM (redis shuts down without saving: --save ''), then SIGKILL if still there after 5 s. */
async function stopPid(pid) {
  started.delete(pid);
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 40 && alive(pid); i++) await sleep(50);
}

module.exports = { HOST, hasRedisServer, ping, pingSync, freePort, startPrivateRedis, stopPid };

if (require.main === module) {
  const [cmd, arg] = process.argv.slice(2);
  (async () => {
    if (cmd === 'probe') process.exit((await ping(Number(arg ?? 6379), 1500)) ? 0 : 1);
    if (cmd === 'start') {
      const h = await startPrivateRedis();
      console.log(JSON.stringify({ port: h.port, pid: h.pid, pidfile: h.pidfile, dir: h.dir }));
      return;
    }
    if (cmd === 'stop' && arg) return stopPid(Number(arg));
    console.error('usage: redis-test-server.js start | stop <pid> | probe [port]');
    process.exit(2);
  })().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
