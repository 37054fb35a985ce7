#!/usr/bin/env node
'use strict';
// A throwaway local Redis Cluster for the cluster tests and the bench: N masters (+ one replica
// each when asked) on loopback ports, no persistence, created with
// `redis-server --cluster-enabled yes` + `redis-cli --cluster create`, stopped by PID after.
//
// CLI:  node scripts/redis-cluster-test.js start [basePort] [masters] [replicas]  -> prints JSON
//       node scripts/redis-cluster-test.js stop <dir>                            -> stops it
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { HOST, ping, stopPid, hasRedisServer } = require('./redis-test-server.js');

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** `redis-cli -p port ...args` → stdout ('' on failure). */
function cli(port, ...args) {
  const r = spawnSync('redis-cli', ['-h', HOST, '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout : '';
}

/** Starts one cluster-enabled redis-server on `port` in `dir`; resolves with its pid. */
async function startInstance(port, dir, nodeTimeoutMs, fresh = true) {
  const pidfile = path.join(dir, `redis-${port}.pid`);
  // A leftover of a crashed earlier run on this port: stop it first (its pid file is ours).
  if (fs.existsSync(pidfile)) await stopPid(Number(fs.readFileSync(pidfile, 'utf8')));
  fs.rmSync(pidfile, { force: true });
  if (fresh) fs.rmSync(path.join(dir, `nodes-${port}.conf`), { force: true });
  const args = [
    '--bind', HOST, '--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
    '--pidfile', pidfile, '--logfile', path.join(dir, `redis-${port}.log`), '--dir', dir,
    '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
    '--cluster-node-timeout', String(nodeTimeoutMs),
    // Fail over even when the replica's data is a little behind (tests kill masters on purpose).
    '--cluster-replica-validity-factor', '0',
  ];
  const r = spawnSync('redis-server', args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`redis-server failed to start on port ${port}`);
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(pidfile) && (await ping(port, 200))) return Number(fs.readFileSync(pidfile, 'utf8'));
    await sleep(50);
  }
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

/** True when every listed instance reports cluster_state:ok and sees the whole cluster. */
function clusterOk(ports, total) {
  return ports.every((p) => {
    const info = cli(p, 'cluster', 'info');
    return /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${total}\\b`).test(info);
  });
}

/**
 * Starts a cluster of `masters` masters (ports basePort…) and `replicas` replicas per master,
 * waits until every node agrees it is up, and returns a handle.
 */
async function startCluster({ basePort = 7110, masters = 3, replicas = 0, nodeTimeoutMs = 1000 } = {}) {
  if (!hasRedisServer()) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stelar-rcluster-'));
  const total = masters * (1 + replicas);
  // STELAR_TEST_PORT_OFFSET shifts every cluster's ports, so two test runs on one machine
  // (two worktrees) do not collide; the cluster bus ports follow (+10000).
  const offset = Number(process.env.STELAR_TEST_PORT_OFFSET ?? 0);
  if (!Number.isInteger(offset) || offset < 0 || offset > 40000) throw new Error(`STELAR_TEST_PORT_OFFSET must be an integer 0-40000, got ${process.env.STELAR_TEST_PORT_OFFSET}`);
  const ports = Array.from({ length: total }, (_, i) => basePort + offset + i);
  const pids = new Map();
  const handle = {
    dir,
    ports,
    nodes: ports.map((port) => ({ host: HOST, port })),
    pids,
    /** Port of the master serving the slot of `key` (CLUSTER KEYSLOT + CLUSTER NODES). */
    masterOf(key) {
      for (const p of pids.keys()) {
        const slot = Number(cli(p, 'cluster', 'keyslot', key).trim());
        const nodes = cli(p, 'cluster', 'nodes');
        if (!nodes || !Number.isInteger(slot)) continue;
        for (const line of nodes.trim().split('\n')) {
          const f = line.split(' ');
          if (!f[2].includes('master') || f[2].includes('fail')) continue;
          for (const range of f.slice(8)) {
            const [lo, hi = lo] = range.split('-').map(Number);
            if (slot >= lo && slot <= hi) return Number(f[1].split('@')[0].split(':')[1]);
          }
        }
      }
      return undefined;
    },
    /** Kills one instance (SIGKILL: a crash). */
    kill(port) {
      const pid = pids.get(port);
      if (pid) process.kill(pid, 'SIGKILL');
      pids.delete(port);
    },
    /**
     * Starts a killed instance again with its cluster config: it rejoins as a replica of the
     * replica that replaced it, so the shard has a standby again.
     */
    async revive(port) {
      pids.set(port, await startInstance(port, dir, nodeTimeoutMs, false));
    },
    /** Waits until every running instance reports cluster_state:ok. */
    async waitOk(timeoutMs = 20000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        if ([...pids.keys()].every((p) => /cluster_state:ok/.test(cli(p, 'cluster', 'info')))) return;
        await sleep(100);
      }
      throw new Error('Redis Cluster did not become ok');
    },
    async stop() {
      await Promise.all([...pids.values()].map((pid) => stopPid(pid)));
      pids.clear();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const p of ports) pids.set(p, await startInstance(p, dir, nodeTimeoutMs));
    execFileSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `${HOST}:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { stdio: 'ignore', timeout: 30000 },
    );
    const end = Date.now() + 20000;
    while (!clusterOk(ports, total)) {
      if (Date.now() > end) throw new Error('Redis Cluster did not converge');
      await sleep(100);
    }
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

module.exports = { startCluster, cli };

if (require.main === module) {
  const [cmd, a, b, c] = process.argv.slice(2);
  (async () => {
    if (cmd === 'start') {
      const h = await startCluster({ basePort: Number(a ?? 7110), masters: Number(b ?? 3), replicas: Number(c ?? 0) });
      console.log(JSON.stringify({ dir: h.dir, ports: h.ports, pids: Object.fromEntries(h.pids) }));
      return;
    }
    if (cmd === 'stop' && a) {
      for (const f of fs.readdirSync(a)) if (f.endsWith('.pid')) await stopPid(Number(fs.readFileSync(path.join(a, f), 'utf8')));
      fs.rmSync(a, { recursive: true, force: true });
      return;
    }
    console.error('usage: redis-cluster-test.js start [basePort] [masters] [replicas] | stop <dir>');
    process.exit(2);
  })().catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
