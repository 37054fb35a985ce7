'use strict';
// Driver side of the scale bench's load clients: K worker processes (client-worker.js), each
// under a raised `ulimit -n`, holding a share of one system's connections spread over several
// loopback source addresses (127.0.0.2, 127.0.0.3, …: one address has only ~28k ephemeral ports
// towards one server port). Aggregates the workers' delivery progress: the global low-water
// mark is the minimum over the workers.

const fs = require('node:fs');
const path = require('node:path');
const { IpcChild } = require('./ipc-child');
const { withTimeout } = require('./pool');

const WORKER = path.join(__dirname, 'client-worker.js');

/** `count` loopback source addresses 127.0.0.2 … (never 127.0.0.1, the servers' address). */
function loopbackAddresses(count) {
  return Array.from({ length: count }, (_, i) => `127.0.0.${2 + i}`);
}

/** RLIMIT_NOFILE (soft) of a running process, from /proc; undefined where there is no /proc. */
function fdLimitOf(pid) {
  try {
    const m = /Max open files\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

class ClientFleet {
  /**
   * @param {string} systemName
   * @param {number} workers number of client processes
   * @param {{ fdLimit: number, addresses: string[] }} o
   */
  constructor(systemName, workers, o) {
    this.systemName = systemName;
    this.addresses = o.addresses;
    this.workers = Array.from(
      { length: workers },
      () => new IpcChild(WORKER, [systemName], { execArgv: ['--max-old-space-size=4096'], fdLimit: o.fdLimit }),
    );
    this.lows = new Array(workers).fill(0);
    this.delivered = new Array(workers).fill(0);
    this.onProgress = null; // (globalLow) => void
    this.workers.forEach((w, i) => {
      w.onEvent = (msg) => {
        if (msg && msg.ev === 'p') {
          this.lows[i] = msg.low;
          this.delivered[i] = msg.delivered;
          if (this.onProgress) this.onProgress(this.low());
        }
      };
    });
  }

  pids() {
    return this.workers.map((w) => w.pid);
  }

  /** The lowest fd limit among the workers (checks the ulimit took). */
  fdLimit() {
    return Math.min(...this.workers.map((w) => fdLimitOf(w.pid) ?? Infinity));
  }

  low() {
    let m = Infinity;
    for (const l of this.lows) if (l < m) m = l;
    return m;
  }

  /** Deliveries reported so far (the last progress report of each worker). */
  deliveredSoFar() {
    return this.delivered.reduce((a, b) => a + b, 0);
  }

  init(endpoint, room, total) {
    this.lows.fill(0);
    return Promise.all(this.workers.map((w) => w.request('init', { endpoint, room, total })));
  }

  /**
   * Opens `n` connections spread evenly over the workers (and the source addresses), each
   * joining the room when `join`; bounded by `timeoutMs`. Failures are counted, not thrown.
   */
  async open(n, { join, concurrency, timeoutMs, connectTimeoutMs = 30000 }) {
    const k = this.workers.length;
    const shares = this.workers.map((_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
    let offset = 0;
    const results = await Promise.all(
      this.workers.map((w, i) => {
        const o = offset;
        offset += shares[i];
        return w.request(
          'open',
          { count: shares[i], concurrency, localAddresses: this.addresses, offset: o, join, timeoutMs: connectTimeoutMs },
          timeoutMs,
        );
      }),
    );
    return {
      opened: results.reduce((a, r) => a + r.opened, 0),
      failed: results.reduce((a, r) => a + r.failed, 0),
      members: results.reduce((a, r) => a + r.members, 0),
      firstError: results.map((r) => r.firstError).find(Boolean) || null,
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  /** Exact counters from every worker (delivered, reordered, invalid, closedEarly, members). */
  async stats() {
    const all = await Promise.all(this.workers.map((w) => w.request('stats', {}, 20000)));
    const sum = (k) => all.reduce((a, s) => a + s[k], 0);
    return {
      delivered: sum('delivered'),
      reordered: sum('reordered'),
      invalid: sum('invalid'),
      closedEarly: sum('closedEarly'),
      members: sum('members'),
      conns: sum('conns'),
      low: Math.min(...all.map((s) => s.low)),
    };
  }

  /** Closes every connection, asks the workers to exit, and kills by PID whoever does not. */
  async stop() {
    await Promise.all(
      this.workers.map(async (w) => {
        if (w.exited) return;
        try {
          await w.request('closeAll', {}, 5000);
          await w.request('exit', {}, 2000);
          await withTimeout(w.exitPromise, 5000, 'worker exit');
        } catch {
          // Unresponsive: killed below.
        }
        await w.kill();
      }),
    );
  }

  /** Kills every worker by PID at once (a run that timed out). */
  kill() {
    return Promise.all(this.workers.map((w) => w.kill()));
  }
}

module.exports = { ClientFleet, loopbackAddresses, fdLimitOf };
