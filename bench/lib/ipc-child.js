'use strict';
// A Node child process on IPC, optionally started under a raised `ulimit -n`
// (`bash -c 'ulimit -n N && exec node …'`: the IPC channel fd survives the exec), with
// request/response messages ({id, cmd, …} → {id, value|error}), one-way events ({ev, …}), and a
// kill by PID. Every child started here is tracked and SIGKILLed by PID when the driver exits,
// however it exits (normal end, uncaught error, SIGINT/SIGTERM), so no server or client fleet
// outlives a run and holds its ports.

const { fork, spawn } = require('node:child_process');
const { withTimeout } = require('./pool');

const live = new Set();
let hooked = false;

function killLive() {
  for (const child of live) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killLive);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      killLive();
      process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[sig] || 1));
    });
  }
}

/**
 * Starts `script` (a Node file) with `args`. `fdLimit` > 0 raises RLIMIT_NOFILE for the child
 * (as root, or up to the hard limit otherwise: `ulimit -n` failing falls back to the hard limit);
 * `execPath` runs another program (valgrind) instead of node, without the ulimit.
 * @returns {import('node:child_process').ChildProcess}
 */
function startNode(script, args, { execArgv = [], execPath, fdLimit = 0, env } = {}) {
  hookExit();
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'];
  let child;
  if (fdLimit > 0 && !execPath) {
    const sh = `ulimit -n ${Math.floor(fdLimit)} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
    child = spawn('bash', ['-c', sh, process.execPath, ...execArgv, script, ...args], { stdio, env: env || process.env });
  } else {
    // execPath: another program in front of node (valgrind); its execArgv end with node's path.
    child = fork(script, args, { execArgv, stdio, env: env || process.env, ...(execPath ? { execPath } : {}) });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Driver-side handle: requests with timeouts, events, exit tracking, kill by PID. */
class IpcChild {
  /** @param {string} script @param {string[]} args @param {object} spawnOptions see startNode */
  constructor(script, args, spawnOptions) {
    this.child = startNode(script, args, spawnOptions);
    this.pid = this.child.pid;
    this.nextId = 1;
    this.pending = new Map();
    this.exited = false;
    this.exitInfo = null;
    this.onEvent = null; // (msg) => void for messages without an id
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitInfo = { code, signal };
        const err = new Error(`child ${this.pid} exited (code ${code}, signal ${signal})`);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolve(this.exitInfo);
      });
    });
    this.child.on('message', (msg) => {
      if (msg && msg.id !== undefined && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error));
        else p.resolve(msg.value);
      } else if (this.onEvent) this.onEvent(msg);
    });
    this.child.on('error', () => {});
  }

  /** Resolves with the first event for which `pred(msg)` holds (or rejects on exit / timeout). */
  waitEvent(pred, timeoutMs, label) {
    const prev = this.onEvent;
    const p = new Promise((resolve, reject) => {
      this.onEvent = (msg) => {
        if (pred(msg)) {
          this.onEvent = prev;
          resolve(msg);
        } else if (prev) prev(msg);
      };
      this.exitPromise.then((info) => reject(new Error(`child exited (code ${info.code}, signal ${info.signal}) before ${label}`)));
    });
    return withTimeout(p, timeoutMs, label);
  }

  request(cmd, extra, timeoutMs = 30000) {
    if (this.exited) return Promise.reject(new Error(`child ${this.pid} has exited`));
    const id = this.nextId++;
    const p = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    try {
      this.child.send({ id, cmd, ...extra });
    } catch (err) {
      this.pending.delete(id);
      return Promise.reject(err);
    }
    return withTimeout(p, timeoutMs, `${cmd} (pid ${this.pid})`).catch((err) => {
      this.pending.delete(id);
      throw err;
    });
  }

  /** SIGKILL by PID and wait for the exit (bounded). */
  async kill() {
    if (this.exited) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await withTimeout(this.exitPromise, 10000, `exit of ${this.pid}`).catch(() => {});
  }
}

/**
 * The RLIMIT_NOFILE a child started with `fdLimit` actually gets: raising the hard limit needs
 * CAP_SYS_RESOURCE, which a container may withhold even from root (then the hard limit stays).
 */
function effectiveFdLimit(fdLimit) {
  try {
    const sh = `ulimit -n ${Math.floor(fdLimit)} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; ulimit -n`;
    const v = require('node:child_process').execFileSync('bash', ['-c', sh], { encoding: 'utf8' }).trim();
    return v === 'unlimited' ? Infinity : Number(v);
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system, all threads) of any process, in µs, from /proc/<pid>/stat (clock
 * ticks: 10 ms resolution); NaN where there is no /proc. Needs no answer from the process, so it
 * works on a server whose event loop is too busy to reply over IPC.
 */
function procCpuUs(pid) {
  try {
    const f = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1e6 / 100); // utime + stime, USER_HZ = 100
  } catch {
    return NaN;
  }
}

/** PIDs of children still running (the self-test asserts none are left). */
function livePids() {
  return [...live].map((c) => c.pid);
}

module.exports = { startNode, IpcChild, livePids, killLive, effectiveFdLimit, procCpuUs };
