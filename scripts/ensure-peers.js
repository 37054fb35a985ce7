'use strict';
// Makes sure the external programs the test suite drives are present on a fresh machine:
// Debian's Chromium (browser tests) and a Redis server (cluster tests). Installs them with apt
// when missing and we are root. Never downloads a browser build of its own.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function aptInstall(pkgs) {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.warn(`[ensure-peers] not root: cannot apt-get install ${pkgs.join(' ')}`);
    return;
  }
  console.log(`[ensure-peers] installing ${pkgs.join(' ')} from Debian packages…`);
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function ensurePeers() {
  const missing = [];
  if (!fs.existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!has('redis-server')) missing.push('redis-server');
  if (missing.length) aptInstall(missing);
}

module.exports = { ensurePeers };
if (require.main === module) ensurePeers();
