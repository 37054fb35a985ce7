'use strict';
// Edge coverage for the fuzz engine: every file of the built package (dist/src) that a target
// loads is instrumented on require with @jazzer.js/instrumentor's code-coverage Babel plugin
// (one counter per branch edge, as `jazzer` does), and the counters live in a plain Uint8Array
// read by our own loop. This is the part of Jazzer.js that needs no native addon; see
// docs/SECURITY.md ("Fuzzing") for why libFuzzer itself is not used here.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const MAX_EDGES = 1 << 20;
const counters = new Uint8Array(MAX_EDGES);
let edgeCount = 0;
const instrumentedFiles = [];

const dirs = [];
let hooked = false;

/** Instruments files under `dir` (absolute) on require. Call before loading them. */
function instrument(dir) {
  dirs.push(dir.endsWith(path.sep) ? dir : dir + path.sep);
  if (hooked) return;
  hooked = true;
  const instrumentorMain = require.resolve('@jazzer.js/instrumentor');
  const { codeCoverage } = require(path.join(path.dirname(instrumentorMain), 'plugins/codeCoverage.js'));
  const babel = require(require.resolve('@babel/core', { paths: [instrumentorMain] }));
  const ids = { nextEdgeId: () => edgeCount++ };
  globalThis.Fuzzer = {
    coverageTracker: {
      // AFL++'s NeverZero counters, like Jazzer's CoverageTracker.
      incrementCounter(id) {
        const c = counters[id];
        counters[id] = c === 255 ? 1 : c + 1;
      },
    },
  };
  const original = Module._extensions['.js'];
  Module._extensions['.js'] = function instrumented(module, filename) {
    const prefix = dirs.find((d) => filename.startsWith(d));
    if (prefix === undefined || filename.includes(`${path.sep}node_modules${path.sep}`)) return original(module, filename);
    const code = fs.readFileSync(filename, 'utf8');
    const out = babel.transformSync(code, {
      filename,
      plugins: [codeCoverage(ids)],
      sourceMaps: false,
      babelrc: false,
      configFile: false,
    });
    instrumentedFiles.push(path.relative(prefix, filename));
    module._compile(out.code, filename);
  };
}

// AFL's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+ as one bit each.
const BUCKET = new Uint8Array(256);
for (let i = 1; i < 256; i++) {
  BUCKET[i] = i === 1 ? 1 : i === 2 ? 2 : i === 3 ? 4 : i < 8 ? 8 : i < 16 ? 16 : i < 32 ? 32 : i < 128 ? 64 : 128;
}

/** Coverage seen so far, as bucket bits per edge. */
const seen = new Uint8Array(MAX_EDGES);
let edgesHit = 0;

/**
 * Folds the counters of the last execution into `seen` and clears them. Returns true when
 * the execution reached an edge, or a hit-count bucket of an edge, never seen before.
 */
function collect() {
  let fresh = false;
  const n = edgeCount;
  for (let i = 0; i < n; i++) {
    const c = counters[i];
    if (c === 0) continue;
    counters[i] = 0;
    const b = BUCKET[c];
    const s = seen[i];
    if ((s & b) === 0) {
      if (s === 0) edgesHit++;
      seen[i] = s | b;
      fresh = true;
    }
  }
  return fresh;
}

/** Clears the counters without recording them (work done outside an execution). */
function discard() {
  counters.fill(0, 0, edgeCount);
}

module.exports = {
  instrument,
  collect,
  discard,
  stats: () => ({ edgesHit, edgesTotal: edgeCount, files: instrumentedFiles.length }),
};
