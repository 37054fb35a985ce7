'use strict';
// Makes sure this process (and the servers it forks) may open enough file descriptors for the
// idle scenario. Node already raises its soft RLIMIT_NOFILE to the hard limit at startup, so
// only the hard limit matters: when it is too low and we are root, the driver re-executes
// itself under `sh -c 'ulimit -n N && exec node …'` (children inherit the limit).

const { spawnSync, execFileSync } = require('node:child_process');

function limits() {
  try {
    const out = execFileSync('sh', ['-c', 'echo $(ulimit -Sn) $(ulimit -Hn)'], { encoding: 'utf8' }).trim();
    const [soft, hard] = out.split(/\s+/).map((x) => (x === 'unlimited' ? Infinity : Number(x)));
    return { soft, hard };
  } catch {
    return { soft: undefined, hard: undefined };
  }
}

/**
 * Returns normally when `needed` descriptors are available; otherwise re-runs the driver with
 * a raised limit and exits with its status (never returns), or warns loudly when it cannot.
 */
function ensureFdLimit(needed, log) {
  const { soft, hard } = limits();
  if (soft === undefined || soft >= needed) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.env.STELAR_BENCH_ULIMIT_RAISED || (hard < needed && !root)) {
    log(`!!! ulimit -n is ${soft} (hard ${hard}) but the idle scenario needs ~${needed}; it will fail — raise the limit`);
    return;
  }
  const target = root ? Math.max(needed, 65536) : Math.min(hard, Math.max(needed, 65536));
  log(`raising ulimit -n from ${soft} to ${target} (re-executing the driver)`);
  const quoted = [process.execPath, ...process.argv.slice(1)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('sh', ['-c', `ulimit -n ${target} 2>/dev/null || echo '[bench] could not raise ulimit -n (not permitted here)' >&2; exec ${quoted}`], {
    stdio: 'inherit',
    env: { ...process.env, STELAR_BENCH_ULIMIT_RAISED: '1' },
  });
  process.exit(r.status === null ? 1 : r.status);
}

module.exports = { ensureFdLimit, limits };
