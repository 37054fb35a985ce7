'use strict';
// The reconnect schedule alone, without sockets (issue #17): N clients lose the server at t = 0,
// every attempt before the server is back (at R) is refused at once (ECONNREFUSED), the first
// one at or after R gets through. Prints, per R, when 50 / 99 / 100 % of the clients are back
// and the highest attempt used, for the previous schedule (full jitter drawn from each failure)
// and the anchored one (windows on the time line of the first failure), both with the client
// defaults (1 s base, 30 s cap, 10 attempts), and when the 10 attempts run out if the server
// never returns. The policy functions are the build's (npm run build first).
//   node bench/micro/backoff-model.bench.js [clients=10000]

const path = require('node:path');

const dist = path.resolve(process.env.STELAR_BENCH_DIST || path.join(__dirname, '../../dist'));
const { fullJitterDelay, anchoredJitterDelay } = require(path.join(dist, 'src/domain/client/reconnect-backoff.policy.js'));

const N = Number(process.argv[2] || 10000);
const BASE = 1000;
const MAX = 30000;
const ATTEMPTS = 10;

/** The next attempt's instant (ms after the loss) after a failure at `at` (attempt n next). */
const SCHEDULES = {
  before: (n, at) => at + fullJitterDelay(n, BASE, MAX),
  anchored: (n, at) => at + anchoredJitterDelay(n, at, BASE, MAX),
};

function run(schedule, backAt) {
  const back = [];
  let highest = 0;
  for (let i = 0; i < N; i++) {
    let at = 0;
    for (let n = 1; n <= ATTEMPTS; n++) {
      at = schedule(n, at);
      if (at >= backAt) {
        back.push(at);
        highest = Math.max(highest, n);
        break;
      }
    }
  }
  back.sort((a, b) => a - b);
  const q = (f) => (back.length >= Math.ceil(N * f) ? (back[Math.ceil(N * f) - 1] / 1000).toFixed(2) : 'never');
  return { p50: q(0.5), p99: q(0.99), p100: q(1), highest, gaveUp: N - back.length };
}

console.log(`${N} clients, base ${BASE} ms, cap ${MAX} ms, ${ATTEMPTS} attempts; seconds after the loss`);
console.log('| server back at | schedule | 50 % back | 99 % back | 100 % back | highest attempt | gave up |');
console.log('|---:|---|---:|---:|---:|---:|---:|');
for (const R of [500, 1000, 2000, 3000, 5000, 7000, 10000, 30000, 60000]) {
  for (const [name, s] of Object.entries(SCHEDULES)) {
    const r = run(s, R);
    console.log(`| ${(R / 1000).toFixed(1)} s | ${name} | ${r.p50} | ${r.p99} | ${r.p100} | ${r.highest} | ${r.gaveUp} |`);
  }
}
for (const [name, s] of Object.entries(SCHEDULES)) {
  const ends = [];
  for (let i = 0; i < N; i++) {
    let at = 0;
    for (let n = 1; n <= ATTEMPTS; n++) at = s(n, at);
    ends.push(at);
  }
  ends.sort((a, b) => a - b);
  const q = (f) => (ends[Math.min(N - 1, Math.floor(N * f))] / 1000).toFixed(1);
  console.log(`server never back, ${name}: the 10th attempt at ${q(0.01)} s (1 %) / ${q(0.5)} s (median) / ${q(0.99)} s (99 %)`);
}
