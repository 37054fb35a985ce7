'use strict';
// Echo: C clients each send R sequential request/response round trips (64-byte payload),
// all clients concurrently. Responses are checked against their requests.
// Primary metric: server CPU µs per request; also wall throughput and latency percentiles.

const { openMany, destroyAll } = require('../lib/clients');
const { makePayload } = require('../lib/payload');
const { latencySummary } = require('../lib/stats');
const { withTimeout } = require('../lib/pool');

async function runEcho(system, srv, p) {
  const conns = [];
  try {
    const endpoint = { port: srv.port, tcpPort: srv.tcpPort };
    const clients = await openMany(system, endpoint, p.clients, 50, null, conns);
    let mismatched = 0;
    const loop = async (c, ci, n, lat) => {
      for (let k = 0; k < n; k++) {
        const payload = makePayload(ci * n + k, p.bytes);
        const t = performance.now();
        const d = await c.echo(payload);
        if (lat) lat[ci * n + k] = (performance.now() - t) * 1000;
        if (d !== payload) mismatched++;
      }
    };
    await Promise.all(clients.map((c, ci) => loop(c, ci, p.warmup, null)));

    const lat = new Float64Array(p.clients * p.requests);
    const cpu0 = await srv.cpu();
    const t0 = performance.now();
    await withTimeout(
      Promise.all(clients.map((c, ci) => loop(c, ci, p.requests, lat))),
      p.timeoutMs,
      'echo round trips',
    );
    const t1 = performance.now();
    const cpu1 = await srv.cpu();
    const n = p.clients * p.requests;
    const l = latencySummary(lat);
    return {
      cpuUsPerRequest: (cpu1 - cpu0) / n,
      requestsPerSec: n / ((t1 - t0) / 1000),
      wallMs: t1 - t0,
      p50us: l.p50,
      p90us: l.p90,
      p99us: l.p99,
      maxUs: l.max,
      mismatched,
      rssMB: (await srv.mem(false)).rss / 2 ** 20,
    };
  } finally {
    destroyAll(conns);
    await withTimeout(srv.waitConns(0, 10000), 11000, 'teardown').catch(() => {});
  }
}

module.exports = {
  name: 'echo',
  title: 'Echo: C clients × R sequential request/response',
  primary: 'cpuUsPerRequest',
  unit: 'server CPU µs per request',
  defaults: { clients: 100, requests: 500, warmup: 20, bytes: 64, timeoutMs: 120000 },
  quick: { clients: 20, requests: 100, warmup: 10 },
  rounds: 5,
  columns: [
    ['cpuUsPerRequest', 'CPU µs/request', 2],
    ['requestsPerSec', 'requests/s', 0],
    ['p50us', 'p50 µs', 0],
    ['p90us', 'p90 µs', 0],
    ['p99us', 'p99 µs', 0],
    ['mismatched', 'mismatched', 0],
  ],
  run: runEcho,
};
