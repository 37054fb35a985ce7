'use strict';
// The files of the package that its entry points can reach: starts from every target of
// package.json "exports" (and "main"/"types"), follows relative require()/import/export specifiers
// of JavaScript files and relative imports/references of declaration files. scripts/build.js
// deletes the rest of dist/; the package test checks the tarball against the same graph.
const fs = require('node:fs');
const path = require('node:path');

function exportTargets(node, out) {
  if (typeof node === 'string') out.push(node);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) exportTargets(v, out);
  return out;
}

// `asset('../x')`: a file read at run time (the dashboard's page bundle), shipped like a module.
const JS_SPEC = /(?:require\(|from\s*|import\(\s*|\)\(|asset\()\s*(['"])(\.{1,2}\/[^'"]+)\1/g;
const DTS_SPEC = /(?:from\s*|import\(\s*|<reference path=)\s*(['"])(\.{1,2}\/[^'"]+)\1/g;

function resolveJs(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.js`, path.join(base, 'index.js')]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

function resolveDts(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  const stem = base.replace(/\.(m?js)$/, '');
  const mts = base.endsWith('.mjs');
  const candidates = mts ? [`${stem}.d.mts`] : [`${stem}.d.ts`, path.join(base, 'index.d.ts'), base];
  for (const c of candidates) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

/** Absolute paths of every file reachable from the package's entry points (missing ones skipped). */
function reachableFiles(root, pkg) {
  const entries = exportTargets(pkg.exports, []);
  if (pkg.main) entries.push(pkg.main);
  if (pkg.types) entries.push(pkg.types);
  const seen = new Set();
  const queue = entries
    .filter((e) => !e.endsWith('package.json'))
    .map((e) => path.resolve(root, e))
    .filter((f) => fs.existsSync(f));
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    const isDts = /\.d\.m?ts$/.test(file);
    const re = isDts ? DTS_SPEC : JS_SPEC;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const target = isDts ? resolveDts(file, m[2]) : resolveJs(file, m[2]);
      if (target !== null && !seen.has(target)) queue.push(target);
    }
  }
  return seen;
}

module.exports = { reachableFiles };
