#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test) of the server's own hot paths, without sockets: a real
// StelarServer (the benchmark app: on('pub') → server.to(room), onAck('echo')) whose
// ConnectionService accepts in-memory connections. A connection's send() only counts, so what
// is measured is exactly Stelar's domain + application + codec work per unit:
//   decode     codec decode of an echo request (WS JSON text / TCP frame)
//   encode     codec encode of an echo answer
//   echo       inbound pipeline → router → ack handler → answer encoded and sent, per request
//   fanout     one publish to a room of N members (decode, dispatch, encode once, N sends),
//              reported per delivery
//   connect    accept + admission (no middleware) + Connect message + close cleanup, per connection
//   idle       heap bytes per admitted idle connection (after forced GC, needs --expose-gc)
// Run after `npm run build`:
//   node --expose-gc bench/micro/server-hot-path.bench.js [--members 1000] [--requests 200000]
//        [--publishes 2000] [--clients 10000] [--echo-clients 100] [--trials 9] [--rate-limit]
//        [--only echo,fanout,...] [--recovery] [--metrics [--scrape-every N]]
// --metrics: metrics on (ack durations timed, lag sampler running, as with the `metrics` option)
// and, with --scrape-every N, one server.metrics() render per N echo requests / fanout publishes
// (a scraper's share: at 20 000 requests/s and a 1 s scrape, N = 20000).

const path = require('node:path');

const DIST = path.resolve(__dirname, '../../dist/src');
const { StelarServer, WsJsonCodec, TcpBinaryCodec } = require(`${DIST}/index.js`);
const { APP_TOKENS } = require(`${DIST}/application/server/app-tokens.js`);

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const MEMBERS = Number(arg('members', 1000));
const REQUESTS = Number(arg('requests', 200000));
const PUBLISHES = Number(arg('publishes', 2000));
const IDLE = Number(arg('clients', 10000));
const ECHO_CLIENTS = Number(arg('echo-clients', 100));
const TRIALS = Number(arg('trials', 9));
// --rate-limit: the default global token bucket on (with a limit high enough never to refuse).
const RATE_LIMIT = process.argv.includes('--rate-limit') ? { maxPoints: 1e12, windowMs: 1000 } : false;
const ONLY = String(arg('only', 'decode,encode,echo,fanout,connect,idle')).split(',');
const METRICS = process.argv.includes('--metrics');
const SCRAPE_EVERY = Number(arg('scrape-every', 0));
// --recovery: session recovery on, every connection holding a session (the `x-stelar-session`
// offer), so sends are recorded and delivered positioned (docs/PERFORMANCE.md, "Session recovery cost").
const RECOVERY = process.argv.includes('--recovery');
const SESSION_HEADERS = Object.freeze({ 'x-stelar-session': '{"v":1}' });
const PAYLOAD = '#00000001' + 'x'.repeat(55); // 64 B, as in bench/scenarios

/** An in-memory Connection (src/ports/connection.port.ts) whose send() only counts. */
class MemoryConnection {
  constructor(protocol, n) {
    this.protocol = protocol;
    this.remoteAddress = `10.0.${(n >> 8) & 255}.${n & 255}`;
    this.socket = null;
    this.request = null;
    this.handshakeHeaders = RECOVERY ? SESSION_HEADERS : null;
    this.bufferedAmount = 0;
    this.isOpen = true;
    this.owner = null;
    this.handler = null;
    this.sent = 0;
  }
  setHandler(h) {
    this.handler = h;
  }
  send(m) {
    this.sent++;
    return m !== null;
  }
  ping() {}
  close(code, reason) {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.handler.onClose(this, code, reason);
  }
  terminate() {
    this.close(1006, '');
  }
}

function cpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * Runs fn(i) n times after a warm-up, in TRIALS slices; returns the fastest slice's CPU µs per
 * call (the machine is shared: the minimum is the figure least disturbed by other load).
 */
function measure(n, fn) {
  const warm = Math.min(20000, n >> 2);
  for (let i = 0; i < warm; i++) fn(i);
  const per = Math.max(1, Math.floor(n / TRIALS));
  let best = Infinity;
  for (let t = 0, i = 0; t < TRIALS; t++) {
    const t0 = cpuUs();
    for (const end = i + per; i < end; i++) fn(i);
    best = Math.min(best, (cpuUs() - t0) / per);
  }
  return best;
}

/** How many measured calls measure(n, …) makes. */
function measuredCalls(n) {
  return Math.max(1, Math.floor(n / TRIALS)) * TRIALS;
}

function newServer() {
  const server = new StelarServer({ port: 0, tcpPort: false, rateLimit: RATE_LIMIT, maxConnectionsPerIP: 1e6, maxConnections: 1e6, gracefulShutdown: false, logger: false, recovery: RECOVERY });
  server.on('pub', (ctx) => server.to(ctx.data.room, 'msg', ctx.data.d));
  server.onAck('echo', (ctx) => ctx.data);
  const conns = server.container.get(APP_TOKENS.ConnectionService);
  // The first metrics() call creates the exporter and turns timing and the lag sampler on.
  const ready = METRICS ? server.metrics() : Promise.resolve('');
  return { server, conns, ready };
}

/** With --metrics --scrape-every N: renders the metrics every N calls (rendering is synchronous
 * work inside an async function, so the CPU is spent before the promise is returned). */
function scrapeEvery(server) {
  if (!METRICS || !(SCRAPE_EVERY > 0)) return () => {};
  let k = 0;
  return () => {
    if (++k >= SCRAPE_EVERY) {
      k = 0;
      void server.metrics();
    }
  };
}

/** Accepts `n` in-memory connections and waits for their admission (microtasks). */
async function admit(conns, protocol, n, offset = 0) {
  const list = [];
  for (let i = 0; i < n; i++) {
    const c = new MemoryConnection(protocol, offset + i);
    conns.accept(c);
    list.push(c);
  }
  await new Promise((r) => setImmediate(r));
  for (const c of list) if (c.sent < 1) throw new Error('connection not admitted');
  return list;
}

const codecs = { ws: new WsJsonCodec(), tcp: new TcpBinaryCodec() };
const requestBytes = (protocol, id) =>
  codecs[protocol].encode({ type: 4, event: 'echo', ack: 'echo', id, data: PAYLOAD }).payload;
/** What the transport hands the domain: WS message body, or a TCP frame without totalLen. */
const inbound = (protocol, bytes) => (protocol === 'tcp' ? bytes.subarray(4) : bytes);

async function main() {
  const results = [];
  const row = (name, protocol, value, unit) => {
    results.push({ name, protocol, value, unit });
    console.log(`${name.padEnd(8)} ${protocol.padEnd(4)} ${value.toFixed(3).padStart(10)} ${unit}`);
  };
  for (const protocol of ['ws', 'tcp']) {
    const codec = codecs[protocol];
    const req = inbound(protocol, requestBytes(protocol, 7));
    if (ONLY.includes('decode')) row('decode', protocol, measure(REQUESTS, () => codec.decode(req, protocol === 'tcp')), 'µs/message');
    if (ONLY.includes('encode')) {
      row('encode', protocol, measure(REQUESTS, (i) => codec.encode({ type: 5, ack: 'echo', id: i & 0xffff, data: PAYLOAD })), 'µs/message');
    }
    if (ONLY.includes('echo')) {
      const { server, conns, ready } = newServer();
      await ready;
      const scrape = scrapeEvery(server);
      // 100 clients taking turns, as in bench/scenarios/echo.js (one context shape per client).
      const clients = await admit(conns, protocol, ECHO_CLIENTS);
      const reqs = [];
      for (let i = 0; i < 1024; i++) reqs.push(inbound(protocol, requestBytes(protocol, i)));
      const sent = () => clients.reduce((n, c) => n + c.sent, 0);
      const before = sent();
      const tcp = protocol === 'tcp';
      const us = measure(REQUESTS, (i) => {
        conns.onMessage(clients[i % ECHO_CLIENTS], reqs[i & 1023], tcp);
        scrape();
      });
      if (sent() - before < measuredCalls(REQUESTS)) throw new Error('echo answers missing');
      row('echo', protocol, us, 'µs/request');
      await server.stop();
    }
    if (ONLY.includes('fanout')) {
      const { server, conns, ready } = newServer();
      await ready;
      const scrape = scrapeEvery(server);
      const subs = await admit(conns, protocol, MEMBERS);
      const join = protocol === 'tcp'
        ? codec.encode({ type: 8, room: 'bench', id: 1 }).payload.subarray(4)
        : codec.encode({ type: 8, room: 'bench', id: 1 }).payload;
      for (const s of subs) conns.onMessage(s, join, protocol === 'tcp');
      const [pub] = await admit(conns, protocol, 1, MEMBERS);
      const msg = codec.encode({ type: 0, event: 'pub', data: { room: 'bench', d: PAYLOAD } }).payload;
      const body = inbound(protocol, msg);
      const before = subs[0].sent;
      const us = measure(PUBLISHES, () => {
        conns.onMessage(pub, body, protocol === 'tcp');
        scrape();
      });
      if (subs[0].sent - before < measuredCalls(PUBLISHES)) throw new Error('fanout deliveries missing');
      row('fanout', protocol, us / MEMBERS, 'µs/delivery');
      await server.stop();
    }
    if (ONLY.includes('connect')) {
      // Admission (id, record, context, middleware chain, Connect message) and close cleanup.
      const { server, conns } = newServer();
      const BATCH = 500;
      const cycle = async (k) => {
        const list = await admit(conns, protocol, BATCH, k * BATCH);
        for (const c of list) c.close(1000, '');
      };
      for (let k = 0; k < 4; k++) await cycle(k);
      let best = Infinity;
      for (let t = 0; t < TRIALS; t++) {
        const t0 = cpuUs();
        await cycle(t);
        best = Math.min(best, (cpuUs() - t0) / BATCH);
      }
      if (conns.stats().activeConnections !== 0) throw new Error('connections left open');
      row('connect', protocol, best, 'µs/open+close');
      await server.stop();
    }
    if (ONLY.includes('idle') && typeof global.gc === 'function') {
      const { server, conns } = newServer();
      await admit(conns, protocol, 100, 0);
      global.gc();
      global.gc();
      const h0 = process.memoryUsage().heapUsed;
      const list = await admit(conns, protocol, IDLE, 100);
      global.gc();
      global.gc();
      const h1 = process.memoryUsage().heapUsed;
      // The in-memory connection itself (9 fields, its address string, its slot in `list`) is
      // about 150 B of the figure; the rest is what Stelar keeps per admitted connection.
      row('idle', protocol, (h1 - h0) / IDLE, 'heap B/conn (incl. ~150 B of in-memory connection)');
      if (list.length !== IDLE) throw new Error('idle connections missing');
      await server.stop();
    }
  }
  return results;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
