'use strict';
// Makes sure the JavaScript runtimes the package test drives besides Node are present: Deno and
// Bun, from their official npm distributions (@deno/linux-x64-glibc, @oven/bun-linux-x64). Each
// is installed once into a cache outside the work tree (so `npm ci` does not wipe it) and reused:
//   $STELAR_RUNTIMES_DIR, else $XDG_CACHE_HOME/stelar-time-real/runtimes, else ~/.cache/…
// Prints the binaries' paths as JSON when run directly; `runtimes()` returns them (null entries
// for a runtime that has no npm build for this platform or could not be installed, with why).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const VERSIONS = { deno: '2.9.6', bun: '1.4.4' };

function cacheDir() {
  if (process.env.STELAR_RUNTIMES_DIR) return process.env.STELAR_RUNTIMES_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'stelar-time-real', 'runtimes');
}

function hasAvx2() {
  try {
    return /\bavx2\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return true;
  }
}

function isMusl() {
  const report = process.report?.getReport?.();
  return !(report && report.header && report.header.glibcVersionRuntime);
}

/** The npm package and the binary's path inside it, for this platform (null when none). */
function packageFor(name) {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  const musl = isMusl();
  if (name === 'deno') return musl ? null : { pkg: '@deno/linux-x64-glibc', bin: 'deno' };
  const flavour = `${musl ? '-musl' : ''}${hasAvx2() ? '' : '-baseline'}`;
  return { pkg: `@oven/bun-linux-x64${flavour}`, bin: 'bin/bun' };
}

function ensure(name) {
  const spec = packageFor(name);
  if (spec === null) return { path: null, why: `no npm build of ${name} for ${process.platform}-${process.arch}` };
  const dir = path.join(cacheDir(), `${name}-${VERSIONS[name]}`);
  const bin = path.join(dir, 'node_modules', spec.pkg, spec.bin);
  if (fs.existsSync(bin)) return { path: bin, why: null };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  console.log(`[ensure-runtimes] installing ${spec.pkg}@${VERSIONS[name]} into ${dir}…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(
    npm,
    ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', `${spec.pkg}@${VERSIONS[name]}`],
    { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (r.status !== 0 || !fs.existsSync(bin)) return { path: null, why: `npm install ${spec.pkg} failed (exit ${r.status})` };
  fs.chmodSync(bin, 0o755);
  return { path: bin, why: null };
}

/** `{ deno: { path, why }, bun: { path, why } }`, installing what is missing. */
function runtimes() {
  return { deno: ensure('deno'), bun: ensure('bun') };
}

module.exports = { runtimes, VERSIONS };
if (require.main === module) console.log(JSON.stringify(runtimes(), null, 2));
