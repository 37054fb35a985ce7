'use strict';
// Helpers shared by the seed examples: ports from env/argv, run-when-executed-directly, and the
// stand-ins for what the README leaves to the reader (a Redis client, a certificate).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** A port from argv[index] (when run directly), else env[name], else `fallback`; 0 is allowed. */
function portFrom(name, fallback, argvIndex = 2) {
  const raw = require.main && require.main.filename === process.argv[1] ? process.argv[argvIndex] : undefined;
  const value = raw ?? process.env[name];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${name}: invalid port ${value}`);
  return port;
}

/** A client target ('host:port' or URL) from argv/env, else `fallback`. */
function targetFrom(name, fallback, argvIndex = 2) {
  const raw = require.main && require.main.filename === process.argv[1] ? process.argv[argvIndex] : undefined;
  return raw ?? process.env[name] ?? fallback;
}

/** Runs `main()` when `mod` is the entry point (`node examples/seed/xx.js`). */
function runMain(mod, main) {
  if (require.main !== mod) return;
  main().then(
    (r) => {
      if (r && typeof r.summary === 'function') console.log(r.summary());
      // Client-only examples end by disconnecting; servers keep running until Ctrl-C
      // (gracefulShutdown stops them and exits).
      if (r && r.finished === true && typeof r.stop === 'function') return r.stop();
      return undefined;
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

/** Resolves with the first argument of the next `event` of an emitter-like client. */
function once(client, event, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), timeoutMs);
    client.once(event, (data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

/** Connects `client` and resolves after its `connect` event (rejects on an `error` first). */
function connected(client, timeoutMs = 5000) {
  const p = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out connecting')), timeoutMs);
    const onError = (err) => {
      clearTimeout(timer);
      reject(err);
    };
    client.once('error', onError);
    client.once('connect', () => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve(client);
    });
  });
  client.connect();
  return p;
}

/** A tiny in-memory stand-in for a Redis client: incr / expire (seconds) / del, async like Redis. */
class FakeRedis {
  constructor() {
    this.values = new Map();
    this.timers = new Map();
  }
  async incr(key) {
    const next = (this.values.get(key) ?? 0) + 1;
    this.values.set(key, next);
    return next;
  }
  async expire(key, seconds) {
    clearTimeout(this.timers.get(key));
    const t = setTimeout(() => {
      this.values.delete(key);
      this.timers.delete(key);
    }, seconds * 1000);
    t.unref();
    this.timers.set(key, t);
    return 1;
  }
  async del(key) {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    return this.values.delete(key) ? 1 : 0;
  }
  quit() {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.values.clear();
  }
}

/** A throw-away self-signed certificate for localhost/127.0.0.1 (openssl, temp dir removed). */
function selfSignedCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stelar-example-cert-'));
  try {
    const keyPath = path.join(dir, 'server-key.pem');
    const certPath = path.join(dir, 'server-cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-keyout', keyPath, '-out', certPath,
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    return { key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Listens an http server on `port` (0 = ephemeral) and resolves once it is listening. */
function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.removeListener('error', reject);
      resolve(server.address().port);
    });
  });
}

/** Closes an http server we created (upgraded sockets are Stelar's and closed by stop()). */
function closeHttp(server) {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

module.exports = { portFrom, targetFrom, runMain, once, connected, FakeRedis, selfSignedCert, listen, closeHttp };
