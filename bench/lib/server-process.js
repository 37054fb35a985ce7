'use strict';
// Driver-side handle on a server child process: forks server-host.js with --expose-gc and
// exchanges request/response messages over IPC.

const path = require('node:path');
const { withTimeout } = require('./pool');
const { startNode } = require('./ipc-child');

const HOST = path.join(__dirname, 'server-host.js');

/** A system's server running in its own process. */
class ServerProcess {
  /**
   * @param {string} modulePath absolute path of a `*.server.js` module
   * @param {object} options passed to that module's start function
   * @param {{ profile?: string, callgrind?: string, fdLimit?: number }} [run] profile: write a V8
   *   CPU profile to this file; callgrind: run the server under `valgrind --tool=callgrind`,
   *   dumping to this file (callgrindCollect() zeroes the counts at a phase's start and dumps
   *   them at its end); fdLimit: start the server under `ulimit -n fdLimit` (the scale bench);
   *   nodeFlags: more node flags for the server (e.g. --perf-basic-prof for callgrind-self.py)
   */
  constructor(modulePath, options, run = {}) {
    this.modulePath = modulePath;
    this.options = options || {};
    this.profile = run.profile || null;
    this.fdLimit = run.fdLimit || 0;
    this.callgrind = run.callgrind || null;
    this.nodeFlags = run.nodeFlags || [];
    this.child = null;
    this.nextId = 1;
    this.pending = new Map();
    this.port = 0;
    this.tcpPort = 0;
    this.exited = false;
  }

  /** Forks the server and resolves once it listens; rejects with the child's error otherwise. */
  start(timeoutMs = 20000) {
    const execArgv = ['--expose-gc', '--max-old-space-size=4096', ...this.nodeFlags];
    if (this.profile) {
      execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.dirname(this.profile)}`, `--cpu-prof-name=${path.basename(this.profile)}`);
    }
    const valgrind = this.callgrind
      ? { execPath: 'valgrind', execArgv: ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${this.callgrind}`, process.execPath, '--single-threaded', ...execArgv] }
      : { execArgv };
    // Tracked by PID: killed if the driver exits while this server still runs.
    const child = startNode(HOST, [this.modulePath, JSON.stringify(this.options)], { ...valgrind, fdLimit: this.fdLimit });
    if (this.callgrind) timeoutMs = Math.max(timeoutMs, 600000);
    this.child = child;
    const ready = new Promise((resolve, reject) => {
      child.on('message', (msg) => {
        if ('ready' in msg) {
          if (msg.ready) {
            this.port = msg.port;
            this.tcpPort = msg.tcpPort;
            resolve(this);
          } else reject(new Error(msg.error));
          return;
        }
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error));
        else p.resolve(msg.value);
      });
      child.on('exit', (code, signal) => {
        this.exited = true;
        const err = new Error(`server process exited (code ${code}, signal ${signal})`);
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
    return withTimeout(ready, timeoutMs, `start ${path.basename(this.modulePath)}`);
  }

  /** Under callgrind: zeroes the instruction counts (start), or dumps them (end of a phase). */
  callgrindCollect(start) {
    if (!this.callgrind) return;
    const { execFileSync } = require('node:child_process');
    execFileSync('callgrind_control', [start ? '--zero' : '--dump', String(this.child.pid)], { stdio: 'ignore' });
  }

  /** Sends one command and resolves with the child's answer. */
  request(cmd, extra, timeoutMs = 30000) {
    if (this.exited) return Promise.reject(new Error('server process has exited'));
    const id = this.nextId++;
    const p = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.child.send({ id, cmd, ...extra });
    return withTimeout(p, timeoutMs, `server ${cmd}`);
  }

  /** The server process's cumulative CPU time in microseconds (user + system). */
  async cpu() {
    const u = await this.request('cpu');
    return u.user + u.system;
  }

  /** Memory after a forced GC (`gc=false` skips the collection). */
  mem(gc = true) {
    return this.request('mem', { gc }, 60000);
  }

  /** Writes a heap snapshot of the server (after a forced GC) to `file`; resolves with its path. */
  heapSnapshot(file) {
    return this.request('heapsnapshot', { file }, 120000);
  }

  /** Number of connections the server currently holds open. */
  conns() {
    return this.request('conns');
  }

  /** Waits until the server reports at most `n` open connections (or the timeout passes). */
  async waitConns(n, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = await this.conns();
      if (c <= n) return c;
      if (Date.now() > deadline) throw new Error(`server still holds ${c} connections (want <= ${n})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Kills the server by PID at once (a system that hung or fell behind) and waits for the exit. */
  async kill() {
    if (!this.child || this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await withTimeout(gone, 10000, 'server kill').catch(() => {});
  }

  /** Asks the server to stop and exit (so a CPU profile gets written), then makes sure it is gone. */
  async stop() {
    if (!this.child || this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    try {
      await this.request('stop', {}, 5000);
      await this.request('exit', {}, 2000);
      await withTimeout(gone, this.profile ? 30000 : 3000, 'server exit');
    } catch {
      // A server that cannot stop cleanly is killed; the next round starts a fresh one.
    }
    if (!this.exited) {
      this.child.kill('SIGKILL');
      await gone;
    }
  }
}

module.exports = { ServerProcess };
