'use strict';
// The benchmark app on Stelar, written against the documented API (seed 000/001): rooms joined
// with the protocol's Join Room request (client.joinRoom, confirmed by the server), a publish
// event forwarded with server.to(room, 'msg', d), and an 'echo' ACK handler returning its data.
// Also answers a 'join' event (ctx.joinRoom + ctx.emit('joined')) for clients that prefer it.
// Requires the built package (npm run build -> dist/src/index.js).
// Options: { tcp: boolean } also opens the TCP transport (tcpPort 0, read back with getTcpPort());
// { metrics: boolean } (or STELAR_BENCH_METRICS=1) turns Prometheus metrics on and scrapes them
// once a second in the server process, as a scraper would (a pessimistic 1 s interval);
// { recovery: true | {…} } turns session recovery on (clients with `session` hold one).

const net = require('node:net');
const path = require('node:path');
const fs = require('node:fs');

// STELAR_BENCH_DIST: another build (e.g. of main, for a before/after storm run).
const DIST = path.resolve(process.env.STELAR_BENCH_DIST || path.resolve(__dirname, '../../dist'), 'src/index.js');

/** Finds a free TCP port on 127.0.0.1 (fallback when the server cannot report its TCP port). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** @param {{ tcp?: boolean }} options */
module.exports = async function start(options) {
  if (!fs.existsSync(DIST)) throw new Error(`Stelar is not built: ${DIST} is missing (run npm run build)`);
  const { StelarServer } = require(DIST);
  if (typeof StelarServer !== 'function') throw new Error(`${DIST} does not export StelarServer yet`);

  // tcpPort 0 + getTcpPort() avoids the race of probing a free port first (other processes
  // may take it in between); the probe is only a fallback for a build without getTcpPort.
  const canReport = typeof StelarServer.prototype.getTcpPort === 'function';
  // { port, tcpPort }: fixed ports (the storm scenario restarts the server on the same ones).
  const tcpPort = options && options.tcp ? (options.tcpPort || (canReport ? 0 : await freePort())) : false;
  const metrics = Boolean(options && options.metrics) || process.env.STELAR_BENCH_METRICS === '1';
  const server = new StelarServer({
    port: (options && options.port) || 0,
    tcpPort,
    rateLimit: false,
    maxConnectionsPerIP: 1e6,
    maxConnections: 1e6,
    gracefulShutdown: false,
    logger: process.env.STELAR_BENCH_LOG || false,
    ...(metrics ? { metrics: true } : {}),
    ...(options && options.httpParser ? { httpParser: options.httpParser } : {}),
    // Session recovery (the stelar-recovery systems): histories per room, positions on deliveries.
    ...(options && options.recovery ? { recovery: options.recovery } : {}),
    // The cluster scenario (bench/scenarios/cluster.js) runs several nodes on one Redis.
    ...(options && options.cluster ? { cluster: options.cluster } : {}),
    // Session recovery (bench/micro/cluster-recovery.bench.js: the cluster figure with it on).
    ...(options && options.recovery ? { recovery: options.recovery } : {}),
    // { shedLagMs: 0 }: no lag shedding (heap-per-connection.js: a heap snapshot stalls the loop,
    // and the storm guard would then shed the connections that are being counted).
    ...(options && options.shedLagMs !== undefined ? { shedLagMs: options.shedLagMs } : {}),
  });
  let scrape = null;
  if (metrics) {
    if (typeof server.metrics !== 'function') throw new Error('this Stelar build has no metrics()');
    scrape = setInterval(() => void server.metrics().catch(() => undefined), 1000);
    scrape.unref();
  }

  server.on('pub', (ctx) => server.to(ctx.data.room, 'msg', ctx.data.d));
  server.on('join', (ctx) => {
    ctx.joinRoom(ctx.data.room);
    ctx.emit('joined', { room: ctx.data.room });
  });
  server.onAck('echo', (ctx) => ctx.data);

  const port = await server.start();
  if (typeof port !== 'number' || port <= 0) throw new Error(`StelarServer.start() resolved ${port}, not a port`);
  const actualTcpPort = tcpPort === false ? undefined : canReport && !options.tcpPort ? server.getTcpPort() : tcpPort;
  if (tcpPort !== false && !(actualTcpPort > 0)) throw new Error(`Stelar TCP transport did not report a port (${actualTcpPort})`);
  return {
    port,
    tcpPort: actualTcpPort,
    connections: () => server.getStats().activeConnections,
    stop: () => {
      if (scrape !== null) clearInterval(scrape);
      return server.stop();
    },
  };
};
