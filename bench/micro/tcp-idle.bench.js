#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): server memory per idle TCP connection, split by layer, so a
// regression can be pinned on the transport or on what sits above it. Each server runs in its
// own child process (forked with --expose-gc); the parent opens N connections that send the
// Connect hello and then stay idle. Run after `npm run build`:
//   node bench/micro/tcp-idle.bench.js [--connections 5000] [--kinds net,transport,stelar] [--no-hello]
//        [--dist DIR]
// kinds: net        bare net.Server, one 'data' listener per socket (the floor Node imposes)
//        transport  Stelar's TcpServerTransport with an acceptor that keeps the connection
//        stelar     the full StelarServer over TCP (transport + domain)
const { fork } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

// --dist DIR: a built dist/ tree (default: this checkout's).
const DIST =
  process.argv[2] === '--server'
    ? process.argv[4]
    : path.resolve(arg('dist', path.resolve(__dirname, '../../dist')), 'src');

if (process.argv[2] === '--server') {
  const kind = process.argv[3];
  const ready = (port) => process.send({ port });
  const held = [];
  if (kind === 'net') {
    const server = net.createServer({ noDelay: true }, (socket) => {
      held.push(socket);
      socket.on('data', () => {});
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1', () => ready(server.address().port));
  } else if (kind === 'transport') {
    const { TcpServerTransport } = require(`${DIST}/adapters/tcp/tcp-server-transport`);
    const t = new TcpServerTransport({ host: '127.0.0.1', port: 0 });
    const handler = { onMessage() {}, onProtocolError() {}, onClose() {} };
    t.setAcceptor({ screen: () => null, accept: (c) => { held.push(c); c.setHandler(handler); } });
    t.listen().then(ready);
  } else {
    const { StelarServer } = require(`${DIST}/index.js`);
    const server = new StelarServer({
      port: 0, tcpPort: 0, rateLimit: false, maxConnectionsPerIP: 1e6, maxConnections: 1e6,
      gracefulShutdown: false, logger: false,
    });
    server.start().then(() => ready(server.getTcpPort()));
  }
  process.on('message', (m) => {
    if (m === 'mem') {
      global.gc();
      global.gc();
      const u = process.memoryUsage();
      process.send({ rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external });
    }
    if (m === 'exit') process.exit(0);
  });
  return;
}

// The Connect hello {"v":1}: totalLen 10 | type 6 | eventLen 0 | {"v":1}
const HELLO = Buffer.concat([Buffer.from([0, 0, 0, 10, 6, 0, 0]), Buffer.from('{"v":1}')]);

const NO_HELLO = process.argv.includes('--no-hello');

function request(child, msg) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(msg);
  });
}

function open(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      if (NO_HELLO) return resolve(s);
      s.write(HELLO);
      // Ready once the server answered (stelar) or after a short pause (others answer nothing).
      const t = setTimeout(() => resolve(s), 20);
      s.once('data', () => {
        clearTimeout(t);
        resolve(s);
      });
    });
    s.on('error', reject);
  });
}

async function openMany(port, n, out) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      out.push(await open(port));
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
}

async function runOne(kind, n) {
  const child = fork(__filename, ['--server', kind, DIST], { stdio: 'inherit', execArgv: ['--expose-gc', ...(process.env.SERVER_FLAGS ? process.env.SERVER_FLAGS.split(' ') : [])] });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  if (!port) throw new Error(`${kind}: no TCP port`);
  const warm = [];
  await openMany(port, 100, warm);
  for (const s of warm) s.destroy();
  await new Promise((r) => setTimeout(r, 300));
  const m0 = await request(child, 'mem');
  const socks = [];
  await openMany(port, n, socks);
  await new Promise((r) => setTimeout(r, 500));
  const m1 = await request(child, 'mem');
  for (const s of socks) s.destroy();
  child.send('exit');
  const kb = (a, b) => ((b - a) / n / 1024).toFixed(2);
  return { kind, rss: kb(m0.rss, m1.rss), heap: kb(m0.heapUsed, m1.heapUsed), heapTotal: kb(m0.heapTotal, m1.heapTotal), ext: kb(m0.external, m1.external) };
}

(async () => {
  const n = Number(arg('connections', 5000));
  const kinds = arg('kinds', 'net,transport,stelar').split(',');
  console.log(`node ${process.version}: ${n} idle TCP connections, KB per connection after GC`);
  for (const kind of kinds) {
    const r = await runOne(kind, n);
    console.log(`${r.kind.padEnd(10)} RSS ${r.rss.padStart(6)}  heap used ${r.heap.padStart(6)}  heap total ${r.heapTotal.padStart(6)}  external ${r.ext.padStart(6)}`);
  }
})();
