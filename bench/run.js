#!/usr/bin/env node
'use strict';
// Side-by-side benchmark driver (GitHub issue #8). Each system's server runs in its own child
// process; load clients run here. Systems are interleaved within each round (order rotated
// per round), medians over rounds are reported with same-round ratios. Results:
// bench/results/latest.json and a Markdown report on stdout. See docs/PERFORMANCE.md.

const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('./lib/args');
const { runMeta } = require('./lib/meta');
const { ensureFdLimit } = require('./lib/fd-limit');
const { ServerProcess } = require('./lib/server-process');
const { medians, pairwiseRatios } = require('./lib/stats');
const { scenarioMarkdown } = require('./lib/report');
const { DEFAULT_SYSTEMS, getSystem } = require('./systems');

const SCENARIOS = {
  fanout: require('./scenarios/fanout'),
  echo: require('./scenarios/echo'),
  idle: require('./scenarios/idle'),
  connect: require('./scenarios/connect'),
  slow: require('./scenarios/slow'),
  cluster: require('./scenarios/cluster'),
  storm: require('./scenarios/storm'),
};

function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function paramsFor(scenario, opts) {
  return { ...scenario.defaults, ...(opts.quick ? scenario.quick : {}), ...pick(opts.set, scenario.defaults) };
}

function pick(set, defaults) {
  const out = {};
  for (const k of Object.keys(set)) if (k in defaults) out[k] = set[k];
  return out;
}

async function startServer(system, profile) {
  for (let attempt = 1; ; attempt++) {
    const srv = new ServerProcess(system.serverPath, system.options, { profile });
    try {
      await srv.start();
      return srv;
    } catch (err) {
      await srv.stop();
      const msg = String(err.message || err).split('\n')[0].replace(/^(Error: )+/, '');
      // One retry: a transient failure (a port race with other processes) must not drop a
      // system from the whole run; a missing module fails the same way twice.
      if (attempt < 2) {
        log(`  ${system.name} server did not start (${msg}); retrying once`);
        continue;
      }
      const e = new Error(msg);
      e.startFailure = true;
      throw e;
    }
  }
}

async function runOne(system, scenario, params, profile) {
  const srv = await startServer(system, profile);
  try {
    return await scenario.run(system, srv, params);
  } finally {
    await srv.stop();
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const opts = parseArgs(argv);
  const scenarioNames = opts.scenarios || Object.keys(SCENARIOS).filter((n) => !SCENARIOS[n].optIn);
  for (const n of scenarioNames) if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n} (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const systemNames = opts.systems || DEFAULT_SYSTEMS;
  const systems = systemNames.map(getSystem);
  const labels = Object.fromEntries(systems.map((s) => [s.name, s.label]));
  const meta = runMeta(argv);
  if (scenarioNames.includes('idle')) ensureFdLimit(paramsFor(SCENARIOS.idle, opts).connections + 1000, log);
  log(`node ${meta.node}, ${meta.cpu}, load ${meta.loadAverage.join(' ')}`);

  const skipped = {};
  const results = { meta, skipped, scenarios: {} };
  const started = Date.now();
  const out = [];
  out.push(`## Stelar benchmark — ${meta.date}`);
  out.push('');
  out.push(`\`${meta.command}\` · commit ${meta.commit} · Node ${meta.node} · ${meta.platform} · ${meta.cpu} · ${meta.memoryGB} GB · load average at start ${meta.loadAverage.join(' ')}`);
  out.push('');

  for (const name of scenarioNames) {
    const scenario = SCENARIOS[name];
    const params = paramsFor(scenario, opts);
    const roundsWanted = opts.rounds || (opts.quick ? 1 : scenario.rounds);
    if (scenario.standalone) {
      // Runs its own server processes (several per system, e.g. the cluster nodes).
      const r = await scenario.runStandalone(params, roundsWanted, log, opts.systems);
      results.scenarios[name] = { params, roundsRun: roundsWanted, rows: r.rows };
      out.push(r.markdown);
      process.stdout.write(r.markdown + '\n');
      continue;
    }
    const rounds = [];
    for (let r = 0; r < roundsWanted; r++) {
      const round = { round: r, results: {} };
      // Rotate the order each round so no system always runs first (cold machine) or last.
      const order = systems.map((_, i) => systems[(i + r) % systems.length]);
      for (const system of order) {
        if (skipped[system.name]) continue;
        log(`${name} round ${r + 1}/${roundsWanted}: ${system.name}`);
        const t = Date.now();
        try {
          const profile = opts.profile
            ? path.join(__dirname, 'results/profiles', `${name}-${system.name}-r${r + 1}.cpuprofile`)
            : null;
          round.results[system.name] = await runOne(system, scenario, params, profile);
          const v = round.results[system.name][scenario.primary];
          log(`  ${scenario.primary} = ${typeof v === 'number' ? v.toFixed(3) : v} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
        } catch (err) {
          if (err.startFailure) {
            skipped[system.name] = err.message;
            log(`!!! SKIPPING SYSTEM ${system.name}: its server did not start: ${err.message}`);
          } else {
            round.results[system.name] = { error: String(err.stack || err) };
            log(`!!! ${name} round ${r + 1} ${system.name} failed: ${err.message}`);
          }
        }
      }
      rounds.push(round);
    }
    const ran = systemNames.filter((s) => !skipped[s]);
    const result = {
      params,
      roundsRun: roundsWanted,
      primary: scenario.primary,
      unit: scenario.unit,
      systems: ran,
      labels,
      rounds,
      medians: medians(rounds, ran),
      ratios: pairwiseRatios(rounds, ran, scenario.primary),
    };
    results.scenarios[name] = result;
    const md = scenarioMarkdown(scenario, result);
    out.push(md);
    process.stdout.write(md + '\n');
  }

  const skippedNames = Object.keys(skipped);
  if (skippedNames.length) {
    const lines = ['### Skipped systems', '', ...skippedNames.map((s) => `- **${labels[s]}**: ${skipped[s]}`), ''];
    out.push(lines.join('\n'));
    process.stdout.write(lines.join('\n') + '\n');
  }
  results.durationSec = Math.round((Date.now() - started) / 1000);
  meta.loadAverageEnd = require('node:os').loadavg().map((x) => Math.round(x * 100) / 100);
  const footer = `Finished in ${results.durationSec} s; load average at end ${meta.loadAverageEnd.join(' ')}.\n`;
  out.push(footer);
  process.stdout.write(footer);
  results.markdown = out.join('\n');
  const file = path.resolve(opts.out || path.join(__dirname, 'results/latest.json'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  log(`done in ${results.durationSec} s; results written to ${path.relative(process.cwd(), file)}`);
  if (skippedNames.length) log(`!!! skipped: ${skippedNames.map((s) => `${s} (${skipped[s]})`).join('; ')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err && err.stack ? err.stack : err);
    process.exit(1);
  },
);
