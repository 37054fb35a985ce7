'use strict';
// The scale bench (`node bench/run.js --scale`, GitHub issue #17): idle connections at
// 10k / 25k / 50k and fanout to 1k / 5k / 20k subscribers at a low and a high rate, for every
// system, interleaved (within each round and size the system order rotates), medians and
// ranges over rounds, same-round ratios. Each system × size runs under its own wall-clock
// budget: on timeout (or any failure) its server and client processes are killed by PID and
// the result records what happened; the run always ends.

const { withTimeout } = require('./pool');
const { livePids, effectiveFdLimit } = require('./ipc-child');
const { scaleMarkdown } = require('./scale-report');
const { getSystem } = require('../systems');

const CASES = {
  idle: require('../scenarios/scale-idle'),
  fanout: require('../scenarios/scale-fanout'),
};

const DEFAULTS = {
  idleSizes: [10000, 25000, 50000],
  fanoutSizes: [1000, 5000, 20000],
  rounds: 1,
  fdLimit: 200000, // ulimit -n of every server and client process
  fdReserve: 500, // descriptors a server needs besides its connections (listeners, pipes, libs)
  sourceAddresses: 4, // 127.0.0.2 … 127.0.0.5: ~28k ephemeral ports each
  connsPerClientProc: 12500,
  subsPerClientProc: 5000,
  maxClientProcs: 4,
  concurrency: 50, // connections being opened at once per client process
  msPerConnectBudget: 4, // open budget per connection, on top of a fixed 30 s
  connectTimeoutMs: 30000, // one connection (and its join)
  budgetBaseMs: 90000, // fixed part of one system × size's wall-clock budget
  warmup: 20, // idle: connections opened and closed first; fanout: warm-up messages
  settleMs: 1000,
  bytes: 64,
  lowMessages: 100,
  lowRate: 20, // messages per second
  highDeliveries: 2000000, // high-rate phase: messages = this / subscribers, within [highMin, highMax]
  highMin: 50,
  highMax: 2000,
  window: 32,
  pollMs: 500,
  ipcTimeoutMs: 20000, // a server that cannot answer the driver's CPU query in this long has fallen behind
  stallMs: 10000,
  maxLagMs: 30000,
  highMaxMs: 120000,
};

/** Small sizes for a smoke run (`--scale --quick`). */
const QUICK = { idleSizes: [2000, 5000], fanoutSizes: [200, 1000], lowMessages: 40, highDeliveries: 200000, stallMs: 5000, maxLagMs: 15000 };

async function cleanup(ctx) {
  if (ctx.publisher) {
    try {
      ctx.publisher.destroy();
    } catch {
      // Already closed.
    }
  }
  // Server first: it closes actively, so TIME_WAIT lands on its (per-run) port, not on the
  // clients' source ports.
  if (ctx.srv) await ctx.srv.kill();
  if (ctx.fleet) await ctx.fleet.stop();
}

/** Runs one system at one size under its budget; never throws. */
async function runCase(kindMod, system, size, p, log) {
  const ctx = {};
  const budget = kindMod.budgetMs(size, p);
  const t = Date.now();
  let res;
  try {
    res = await withTimeout(kindMod.run(system, size, p, ctx), budget, `${system.name} ${kindMod.kind} ${size}`);
  } catch (err) {
    const msg = String((err && err.message) || err).split('\n')[0];
    res = { error: msg, timedOut: /^timeout after/.test(msg) };
  } finally {
    if (ctx.srv) res.port = ctx.srv.port;
    await cleanup(ctx);
  }
  res.seconds = (Date.now() - t) / 1000;
  res.budgetSeconds = budget / 1000;
  return res;
}

/**
 * @param {{ systems: string[], rounds?: number, set?: object, quick?: boolean, idleSizes?: number[],
 *          fanoutSizes?: number[], onCase?: (partial: object) => void }} o onCase: called after each
 *          size of each round with the results so far (the driver saves them: a long run that is
 *          interrupted keeps what it measured)
 * @param {(msg: string) => void} log
 */
async function runScale(o, log) {
  const p = { ...DEFAULTS, ...(o.quick ? QUICK : {}) };
  for (const [k, v] of Object.entries(o.set || {})) if (k in DEFAULTS && !Array.isArray(DEFAULTS[k])) p[k] = v;
  if (o.idleSizes) p.idleSizes = o.idleSizes;
  if (o.fanoutSizes) p.fanoutSizes = o.fanoutSizes;
  if (o.rounds) p.rounds = o.rounds;
  const systems = o.systems.map(getSystem);
  // One server process must hold every connection of a case: a size above what its fd limit
  // allows is capped to that (and said so), and sizes that cap to the same value run once.
  const fdEffective = effectiveFdLimit(p.fdLimit);
  const maxConns = Number.isFinite(fdEffective) ? fdEffective - p.fdReserve : Infinity;
  const capped = [];
  const sized = (kind, sizes) => {
    const seen = new Set();
    const list = [];
    for (const asked of sizes) {
      const size = Math.min(asked, maxConns);
      if (size !== asked) capped.push({ kind, asked, size });
      if (seen.has(size)) continue;
      seen.add(size);
      list.push({ kind, size, asked, key: `${kind}-${size}` });
    }
    return list;
  };
  const cases = [...sized('idle', p.idleSizes), ...sized('fanout', p.fanoutSizes)];
  if (capped.length) {
    log(`!!! ulimit -n ${p.fdLimit} was refused here: a process gets at most ${fdEffective} descriptors, so one server holds at most ${maxConns} connections`);
    for (const c of capped) log(`!!! ${c.kind} ${c.asked} capped to ${c.size}`);
  }
  const out = { params: p, fdLimitEffective: fdEffective, capped, systems: systems.map((s) => s.name), labels: Object.fromEntries(systems.map((s) => [s.name, s.label])), cases: {} };
  for (const c of cases) out.cases[c.key] = { kind: c.kind, size: c.size, asked: c.asked, rounds: [] };
  for (let r = 0; r < p.rounds; r++) {
    for (const [ci, c] of cases.entries()) {
      const round = { round: r, results: {} };
      const order = systems.map((_, i) => systems[(i + r + ci) % systems.length]);
      for (const system of order) {
        log(`scale ${c.key} round ${r + 1}/${p.rounds}: ${system.name}`);
        const res = await runCase(CASES[c.kind], system, c.size, p, log);
        round.results[system.name] = res;
        const primary = res[CASES[c.kind].primary];
        log(
          res.error
            ? `  !!! ${res.timedOut ? 'TIMED OUT' : 'failed'}: ${res.error} (${res.seconds.toFixed(1)} s)`
            : `  ${CASES[c.kind].primary} = ${typeof primary === 'number' ? primary.toFixed(3) : primary}${res.note ? ` (${res.note})` : ''} (${res.seconds.toFixed(1)} s)`,
        );
        const left = livePids();
        if (left.length) log(`  !!! child processes still alive after cleanup: ${left.join(', ')}`);
      }
      out.cases[c.key].rounds.push(round);
      if (o.onCase) o.onCase({ ...out, markdown: scaleMarkdown(out) });
    }
  }
  out.markdown = scaleMarkdown(out);
  return out;
}

module.exports = { runScale, DEFAULTS, QUICK, CASES };
