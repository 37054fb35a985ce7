#!/usr/bin/env node
'use strict';
// `npm test`: type-check the whole tree, build the package (integration tests load dist/ and
// examples), make sure the external peers tests need are present (Chromium, Redis; Deno and Bun
// from npm for the package test, cached outside the work tree), then run Jest.
// Extra arguments are passed to Jest (`npm test -- test/unit`).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']);
run(process.execPath, [path.join(root, 'scripts/build.js')]);
require('./ensure-peers').ensurePeers();
require('./ensure-runtimes').runtimes();
run(process.execPath, [require.resolve('jest/bin/jest'), '--ci', ...process.argv.slice(2)], {
  env: { ...process.env, STELAR_PEERS_CHECKED: '1' },
});
