'use strict';
// Describes the run: machine, Node, package versions, git commit, command line.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '../..');

function pkgVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Run metadata for the JSON results and the report header. */
function runMeta(argv) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    command: `node bench/run.js ${argv.join(' ')}`.trim(),
    commit: gitCommit(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${os.release()} ${process.arch}`,
    cpu: `${cpus.length} × ${cpus[0] ? cpus[0].model.trim() : 'unknown'}`,
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    fdLimit: fdLimit(),
    packages: {
      ws: pkgVersion('ws'),
      'socket.io': pkgVersion('socket.io'),
      'socket.io-client': pkgVersion('socket.io-client'),
      '@trufflesuite/uws-js-unofficial': pkgVersion('@trufflesuite/uws-js-unofficial'),
      'stelar-time-real': JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
    },
  };
}

function fdLimit() {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  } catch {
    return undefined;
  }
}

module.exports = { runMeta, fdLimit };
