#!/usr/bin/env node
'use strict';
// Builds the package (`npm run build`, and `prepack` before `npm pack`/`npm publish`):
//  - CommonJS + .d.ts with tsc into dist/src (no source maps: the maps would point at src/*.ts,
//    which is not shipped; the emitted JavaScript is readable as it is);
//  - declarations made valid for every consumer resolution (node16, nodenext, bundler) with
//    skipLibCheck off: inversify 8 is ESM-only, so a CommonJS .d.ts must import its types with
//    `resolution-mode: "import"` (TS1479/TS1541 otherwise);
//  - the ESM entry dist/esm/index.mjs: the CommonJS build loaded through createRequire, so Node,
//    Bun and Deno all see the same single instance (no dual-package hazard), with named exports
//    and the 2.x-style default export (StelarServer), and its .d.mts;
//  - the browser client bundle dist/browser/stelar-client.mjs (esbuild) and its .d.mts;
//  - then removes whatever no entry point of package.json "exports" can reach (dist/src/browser.js,
//    declarations of modules no public type refers to), so the tarball ships nothing unreachable.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
fs.rmSync(dist, { recursive: true, force: true });

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

function walk(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

// ---- declarations: ESM-only dependencies imported with resolution-mode "import"
const ESM_ONLY = /^(inversify|@inversifyjs\/[^'"]+)$/;
const ATTR = `with { 'resolution-mode': 'import' }`;
for (const file of walk(path.join(dist, 'src')).filter((f) => f.endsWith('.d.ts'))) {
  const before = fs.readFileSync(file, 'utf8');
  const after = before
    // import { A } from 'inversify';  /  import type { A } from 'inversify';  /  export … from
    .replace(/^(import|export)( type)? (\{[^}]*\}|\* as \w+) from (['"])([^'"]+)\4;$/gm, (m, kw, _t, what, q, spec) =>
      ESM_ONLY.test(spec) ? `${kw} type ${what} from ${q}${spec}${q} ${ATTR};` : m,
    )
    // import("inversify").Container
    .replace(/import\((['"])([^'"]+)\1\)/g, (m, q, spec) =>
      ESM_ONLY.test(spec) ? `import(${q}${spec}${q}, { with: { 'resolution-mode': 'import' } })` : m,
    );
  if (after !== before) fs.writeFileSync(file, after);
}

// ---- ESM entry over the CommonJS build
const cjs = require(path.join(dist, 'src/index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule');
fs.mkdirSync(path.join(dist, 'esm'), { recursive: true });
fs.writeFileSync(
  path.join(dist, 'esm/index.mjs'),
  `// ESM entry of stelar-time-real: the CommonJS build, loaded once (one instance for require and\n` +
    `// import). createRequire works the same under Node, Bun and Deno.\n` +
    `import { createRequire } from 'node:module';\n` +
    `const cjs = createRequire(import.meta.url)('../src/index.js');\n` +
    `export const { ${names.join(', ')} } = cjs;\n` +
    `export default cjs.StelarServer;\n`,
);
fs.writeFileSync(
  path.join(dist, 'esm/index.d.mts'),
  `export * from '../src/index.js';\n` +
    `import { StelarServer } from '../src/index.js';\n` +
    `/** 2.x-style \`import StelarServer from 'stelar-time-real'\`. */\n` +
    `export default StelarServer;\n`,
);

// ---- browser bundle
const browserEntry = path.join(root, 'src/browser.ts');
if (fs.existsSync(browserEntry)) {
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [browserEntry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    outfile: path.join(dist, 'browser/stelar-client.mjs'),
    legalComments: 'none',
  });
  fs.writeFileSync(
    path.join(dist, 'browser/stelar-client.d.mts'),
    `export * from '../src/browser.js';\n` +
      `import { StelarClient } from '../src/browser.js';\n` +
      `export default StelarClient;\n`,
  );
}

// ---- dashboard page (option `dashboard`): its code with uPlot and the browser client in one
// script, uPlot's styles with the page's in one stylesheet. Users need no build step. The server
// reads them through `asset('…')` paths, which the package graph follows.
const dashboardEntry = path.join(root, 'src/dashboard/dashboard.page.ts');
if (fs.existsSync(dashboardEntry)) {
  const esbuild = require('esbuild');
  const out = path.join(dist, 'dashboard');
  esbuild.buildSync({
    entryPoints: [dashboardEntry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    outfile: path.join(out, 'dashboard.js'),
    legalComments: 'none',
  });
  const css = [require.resolve('uplot/dist/uPlot.min.css'), path.join(root, 'src/dashboard/dashboard.css')];
  fs.writeFileSync(path.join(out, 'dashboard.css'), css.map((f) => fs.readFileSync(f, 'utf8')).join('\n'));
}

// ---- prune what no export can reach
const { reachableFiles } = require('./package-graph');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const keep = reachableFiles(root, pkg);
let pruned = 0;
for (const file of walk(dist)) {
  if (!keep.has(file)) {
    fs.rmSync(file);
    pruned++;
  }
}
removeEmptyDirs(dist);
console.log(`[build] dist/ ready (${keep.size} files; ${pruned} unreachable removed)`);

function removeEmptyDirs(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeEmptyDirs(path.join(dir, entry.name));
  }
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}
