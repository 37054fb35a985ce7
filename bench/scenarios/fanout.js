'use strict';
// Fanout: N subscribers in one room, one publisher sends M payloads to the room with a bounded
// in-flight window (a message is complete once every counted subscriber has it). Every
// delivery is counted per subscriber; loss and reordering are checked. Optionally a fraction
// of the subscribers pause their sockets (slow consumers, see slow.js) and are not awaited.
// Primary metric: server CPU µs per delivery.

const { openMany, destroyAll } = require('../lib/clients');
const { makePayload } = require('../lib/payload');
const { sleep, withTimeout } = require('../lib/pool');

const ROOM = 'bench';

/**
 * @param {object} system
 * @param {import('../lib/server-process').ServerProcess} srv
 * @param {{subscribers:number, messages:number, warmup:number, bytes:number, window:number,
 *          slowFraction?:number, stallMs:number}} p
 */
async function runFanout(system, srv, p) {
  const N = p.subscribers;
  const total = p.warmup + p.messages;
  const isSlow = new Uint8Array(N);
  let slowCount = 0;
  if (p.slowFraction > 0) {
    const every = Math.round(1 / p.slowFraction);
    for (let i = every - 1; i < N; i += every) (isSlow[i] = 1), slowCount++;
  }
  const fastN = N - slowCount;
  const expected = new Int32Array(N);
  const received = new Uint32Array(N);
  const counts = new Uint32Array(total);
  let reordered = 0;
  let slowClosed = 0; // slow readers the server disconnected (a bounded-buffer policy)
  let closing = false;
  let invalid = 0;
  let delivered = 0;
  let low = 0; // lowest sequence not yet received by every fast subscriber
  let next = 0; // next sequence to publish
  let limit = p.warmup; // publishing stops here until the measured phase opens
  let publisher = null;
  let waiter = null; // { until, resolve }

  const pump = () => {
    while (next < limit && next < low + p.window) publisher.publish(ROOM, makePayload(next++, p.bytes));
  };
  const onMsgFor = (i) => ({
    onClose() {
      if (isSlow[i] && !closing) slowClosed++;
    },
    onMsg(seq) {
      if (seq < 0 || seq >= total) return void invalid++;
      if (seq !== expected[i]) reordered++;
      expected[i] = seq + 1;
      received[i]++;
      if (isSlow[i]) return;
      delivered++;
      if (++counts[seq] === fastN && seq === low) {
        while (low < total && counts[low] === fastN) low++;
        if (waiter && low >= waiter.until) waiter.resolve();
        pump();
      }
    },
  });
  // Resolves when sequence `until` is complete; rejects when deliveries stall for stallMs.
  const completion = (until) =>
    new Promise((resolve, reject) => {
      if (low >= until) return resolve();
      let last = delivered;
      const timer = setInterval(() => {
        if (delivered === last) {
          clearInterval(timer);
          waiter = null;
          reject(new Error(`stalled at ${low}/${until} (${delivered} deliveries)`));
        }
        last = delivered;
      }, p.stallMs);
      waiter = {
        until,
        resolve: () => {
          clearInterval(timer);
          waiter = null;
          resolve();
        },
      };
    });

  const conns = [];
  try {
    const endpoint = { port: srv.port, tcpPort: srv.tcpPort };
    const subs = await openMany(system, endpoint, N, 50, onMsgFor, conns);
    for (let i = 0; i < N; i += 100) await Promise.all(subs.slice(i, i + 100).map((c) => c.join(ROOM)));
    [publisher] = await openMany(system, endpoint, 1, 1, null, conns);
    // Slow readers stop reading before any broadcast, so their kernel receive buffers never
    // auto-tune upwards: the backlog lands in the server's user-space send buffers (or is
    // dropped / the reader disconnected, depending on the system's policy).
    for (let i = 0; i < N; i++) if (isSlow[i]) subs[i].pause();

    // Warm-up (JIT, buffers), not measured.
    const warm = completion(p.warmup);
    pump();
    await warm;
    const memBefore = slowCount ? await srv.mem() : null;

    const cpu0 = await srv.cpu();
    const t0 = performance.now();
    const delivered0 = delivered;
    limit = total;
    const done = completion(total);
    pump();
    let stalled = null;
    await done.catch((e) => (stalled = e.message));
    const t1 = performance.now();
    const cpu1 = await srv.cpu();
    const measured = delivered - delivered0;

    let lost = 0;
    for (let i = 0; i < N; i++) if (!isSlow[i]) lost += total - received[i];
    const out = {
      cpuUsPerDelivery: (cpu1 - cpu0) / measured,
      deliveriesPerSec: measured / ((t1 - t0) / 1000),
      wallMs: t1 - t0,
      deliveries: measured,
      lost,
      reordered,
      invalid,
    };
    if (stalled) out.note = stalled;
    if (slowCount) {
      const memAfter = await srv.mem();
      out.slowSubscribers = slowCount;
      // Connections the server had already released while the readers were paused (a paused
      // reader notices nothing, not even a FIN, so ask the server).
      out.slowReleased = N + 1 - (await srv.conns());
      // Then let the slow readers drain what reached them, to see each system's policy: all
      // messages (unbounded buffering), fewer (dropped), or a close (disconnected).
      await drainSlow(subs, isSlow, received, p.drainMs);
      out.slowDisconnected = slowClosed;
      out.slowReceivedPct = (100 * slowSum(received, isSlow)) / (slowCount * total);
      out.rssGrowthMB = (memAfter.rss - memBefore.rss) / 2 ** 20;
      out.heapGrowthMB = (memAfter.heapUsed - memBefore.heapUsed) / 2 ** 20;
      out.externalGrowthMB = (memAfter.external - memBefore.external) / 2 ** 20;
    } else {
      out.rssMB = (await srv.mem(false)).rss / 2 ** 20;
    }
    return out;
  } finally {
    closing = true;
    destroyAll(conns);
    await withTimeout(srv.waitConns(0, 10000), 11000, 'teardown').catch(() => {});
  }
}

function slowSum(received, isSlow) {
  let n = 0;
  for (let i = 0; i < received.length; i++) if (isSlow[i]) n += received[i];
  return n;
}

/** Resumes the slow readers and waits until their deliveries stop progressing for `quietMs`. */
async function drainSlow(subs, isSlow, received, quietMs) {
  for (let i = 0; i < subs.length; i++) if (isSlow[i]) subs[i].resume();
  let last = -1;
  for (;;) {
    await sleep(quietMs);
    const now = slowSum(received, isSlow);
    if (now === last) return;
    last = now;
  }
}

module.exports = {
  name: 'fanout',
  title: 'Fanout: 1 publisher → N subscribers in one room',
  primary: 'cpuUsPerDelivery',
  unit: 'server CPU µs per delivery',
  defaults: { subscribers: 1000, messages: 2000, warmup: 100, bytes: 64, window: 32, stallMs: 15000 },
  quick: { subscribers: 200, messages: 300, warmup: 30 },
  rounds: 5,
  columns: [
    ['cpuUsPerDelivery', 'CPU µs/delivery', 3],
    ['deliveriesPerSec', 'deliveries/s', 0],
    ['wallMs', 'wall ms', 0],
    ['lost', 'lost', 0],
    ['reordered', 'reordered', 0],
    ['rssMB', 'RSS MB', 1],
  ],
  run: runFanout,
  runFanout,
};
