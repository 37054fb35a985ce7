#!/usr/bin/env node
'use strict';
// Builds the package: CommonJS + .d.ts with tsc into dist/src, an ESM entry that re-exports the
// CommonJS build (dist/esm/index.mjs), and the browser client bundle when its entry exists.
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

// ESM entry: named exports plus a default export of StelarServer (2.x-style imports).
const cjs = require(path.join(dist, 'src/index.js'));
const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule');
fs.mkdirSync(path.join(dist, 'esm'), { recursive: true });
fs.writeFileSync(
  path.join(dist, 'esm/index.mjs'),
  `import cjs from '../src/index.js';\n` +
    `export const { ${names.join(', ')} } = cjs;\n` +
    `export default cjs.StelarServer;\n`,
);

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
}
// The dashboard page (option `dashboard`): its code with uPlot and the browser client in one
// script, and uPlot's styles with the page's in one stylesheet. Users need no build step.
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
console.log('[build] dist/ ready');
