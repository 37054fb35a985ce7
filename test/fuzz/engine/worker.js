'use strict';
// Runs one fuzz target for a fixed time: coverage-guided mutation of a corpus (seeded from
// test/fuzz/corpus/<target>/), plus the target's fast-check properties for a share of the time.
// Prints one JSON report line on stdout; exits 1 on a finding (the input is saved and printed).
//
//   node --expose-gc test/fuzz/engine/worker.js <target> <seconds> [--seed N] [--out DIR] [--save-corpus]
//   node test/fuzz/engine/worker.js <target> 0 --input FILE      (replay one input)
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const coverage = require('./coverage');
const { Mutator } = require('./mutator');

const root = path.resolve(__dirname, '../../..');
const argv = process.argv.slice(2);
const name = argv[0];
const seconds = Number(argv[1] ?? 10);
const flag = (f, d) => {
  const i = argv.indexOf(f);
  return i === -1 ? d : argv[i + 1];
};
const seed = Number(flag('--seed', Date.now() % 0x7fffffff));
const outDir = path.resolve(flag('--out', path.join(root, '.fuzz-out')));
const saveCorpus = argv.includes('--save-corpus');
const PROPERTY_SHARE = 0.15;
const ASYNC_TIMEOUT_MS = 10000;
const MAX_CORPUS = 20000;

// A name is a target of test/fuzz/targets/; a path ending in .js is a target file elsewhere
// (the engine's self-test), instrumented too.
const targetFile = name.endsWith('.js') ? path.resolve(name) : path.join(__dirname, '..', 'targets', `${name}.fuzz.js`);
coverage.instrument(path.join(root, 'dist', 'src'));
if (name.endsWith('.js')) coverage.instrument(path.dirname(targetFile));
const target = require(targetFile);
const maxLen = target.maxLen ?? 4096;
const dictionary = (target.dictionary ?? []).map((t) => (Buffer.isBuffer(t) ? t : Buffer.from(t, 'latin1')));
const mutator = new Mutator(seed, dictionary, maxLen);
const rand = mutator.rand;

let current = Buffer.alloc(0);
let execs = 0;
let propertyRuns = 0;

function finding(kind, err, input) {
  fs.mkdirSync(path.join(outDir, name), { recursive: true });
  const id = crypto.createHash('sha1').update(input).digest('hex').slice(0, 16);
  const file = path.join(outDir, name, `${kind}-${id}`);
  fs.writeFileSync(file, input);
  const report = {
    target: name,
    finding: kind,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    stack: err instanceof Error ? err.stack : undefined,
    input: file,
    inputBase64: input.length <= 4096 ? input.toString('base64') : undefined,
    seed,
    execs,
  };
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(1);
}

process.on('uncaughtException', (err) => finding('uncaught', err, current));
process.on('unhandledRejection', (err) => finding('unhandled-rejection', err, current));

function withTimeout(promise) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ASYNC_TIMEOUT_MS} ms (hang)`)), ASYNC_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs one input; returns true when it reached new coverage. */
async function exec(input) {
  current = input;
  execs++;
  let ret;
  try {
    ret = target.fuzz(input);
    if (ret !== undefined && typeof ret.then === 'function') await withTimeout(ret);
  } catch (err) {
    finding('crash', err, input);
  }
  return coverage.collect();
}

function loadSeeds() {
  const dir = path.join(__dirname, '..', 'corpus', path.basename(name, '.fuzz.js'));
  const seeds = [Buffer.alloc(0)];
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).sort()) seeds.push(fs.readFileSync(path.join(dir, f)));
  }
  for (const s of target.seeds?.() ?? []) seeds.push(Buffer.from(s));
  return seeds;
}

/** heapUsed after a full GC (the worker runs with --expose-gc). */
function settledHeap() {
  if (globalThis.gc) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function runProperties(fc, properties, budgetMs) {
  const end = Date.now() + budgetMs;
  let i = 0;
  while (Date.now() < end) {
    const prop = properties[i++ % properties.length];
    const r = prop.isAsync()
      ? await fc.check(prop, { numRuns: 50, seed: rand() | 0 })
      : fc.check(prop, { numRuns: 50, seed: rand() | 0 });
    propertyRuns += r.numRuns;
    if (r.failed) {
      const ce = r.counterexample ? fc.stringify(r.counterexample) : '';
      finding('property', r.errorInstance ?? new Error(`property failed: ${ce}`), Buffer.from(ce, 'utf8'));
    }
  }
  coverage.discard();
}

async function main() {
  const replay = flag('--input', null);
  if (replay !== null) {
    // Reproduce one saved input (a finding, or a corpus file).
    await exec(fs.readFileSync(replay));
    if (target.teardown) await target.teardown();
    process.stdout.write(JSON.stringify({ target: name, replayed: replay, ok: true }) + '\n');
    process.exit(0);
  }
  const started = Date.now();
  const corpus = [];
  let corpusBytes = 0;
  for (const s of loadSeeds()) {
    await exec(s);
    corpus.push(s);
    corpusBytes += s.length;
  }
  const seedCount = corpus.length;
  const fc = require('fast-check');
  const properties = target.properties ? target.properties(fc) : [];
  const baseline = settledHeap();
  const heapBudget = (target.heapBudgetMB ?? 64) * 1024 * 1024;
  // The budget is for fuzzing: loading and seeding (slow on a loaded machine) come on top.
  const deadline = Date.now() + seconds * 1000;
  let peakGrowth = 0;
  let nextCheck = Date.now() + 1000;
  let nextProps = Date.now() + 500;
  let fuzzMs = 0;
  let lastNew = 0;
  while (Date.now() < deadline) {
    const sliceStart = Date.now();
    for (let k = 0; k < 200; k++) {
      // Favour recent finds (the frontier), like libFuzzer's entropic-less default.
      const pick = rand.below(2) === 0 ? corpus.length - 1 - rand.below(Math.min(corpus.length, 16)) : rand.below(corpus.length);
      const input = mutator.mutate(corpus[pick], corpus[rand.below(corpus.length)]);
      if (await exec(input)) {
        lastNew = execs;
        if (corpus.length < MAX_CORPUS) {
          corpus.push(input);
          corpusBytes += input.length;
        }
      }
    }
    const now = Date.now();
    fuzzMs += now - sliceStart;
    if (properties.length > 0 && now >= nextProps) {
      const slice = 300;
      await runProperties(fc, properties, Math.min(slice, deadline - now));
      nextProps = Date.now() + slice / PROPERTY_SHARE - slice;
    }
    if (now >= nextCheck) {
      nextCheck = now + 5000;
      // Inputs are independent: whatever one left behind is a leak. The corpus itself is the
      // only thing allowed to grow (counted at twice its bytes for Buffer overhead).
      const growth = settledHeap() - baseline - 2 * corpusBytes - corpus.length * 200;
      peakGrowth = Math.max(peakGrowth, growth);
      if (growth > heapBudget) {
        finding('memory', new Error(`heap grew ${(growth / 1048576).toFixed(1)} MiB over the corpus (budget ${target.heapBudgetMB ?? 64} MiB)`), current);
      }
    }
  }
  if (target.teardown) await target.teardown();
  const elapsed = (Date.now() - started) / 1000;
  const cov = coverage.stats();
  if (saveCorpus) {
    const dir = path.join(outDir, name, 'corpus');
    fs.mkdirSync(dir, { recursive: true });
    for (const c of corpus.slice(seedCount)) fs.writeFileSync(path.join(dir, crypto.createHash('sha1').update(c).digest('hex')), c);
  }
  process.stdout.write(
    JSON.stringify({
      target: name,
      seconds: Number(elapsed.toFixed(1)),
      execs,
      execsPerSec: Math.round(execs / Math.max(fuzzMs / 1000, 0.001)),
      edgesHit: cov.edgesHit,
      edgesTotal: cov.edgesTotal,
      files: cov.files,
      corpus: corpus.length,
      seeds: seedCount,
      lastNewAtExec: lastNew,
      propertyRuns,
      peakHeapGrowthMB: Number((Math.max(peakGrowth, 0) / 1048576).toFixed(1)),
      seed,
    }) + '\n',
  );
  process.exit(0);
}

main().catch((err) => finding('engine', err, current));
