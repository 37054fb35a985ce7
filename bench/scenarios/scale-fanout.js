'use strict';
// Scale bench, fanout (GitHub issue #17): S subscribers (1k / 5k / 20k) in one room, held by a
// fleet of client processes; a publisher (in the driver) sends, on the same connections:
//   warm-up  `warmup` messages, window-limited, not measured;
//   low      `lowMessages` at `lowRate` per second, each from its own timer callback (so every
//            message is its own event-loop turn on the server: no batching);
//   high     as fast as a window of `window` messages in flight allows (a message leaves the
//            window once every subscriber has it); the count is sized so each size delivers
//            about `highDeliveries` messages.
// Per phase: server CPU µs per delivery, deliveries/s, lost deliveries (expected − received),
// reordering, and how far the system fell behind (per-message completion latency: the time
// from publishing a message to the last subscriber receiving it; p50 and max). A phase that
// stops progressing for `stallMs`, or falls more than `maxLagMs` behind, ends there and is
// reported as such; the high phase is skipped when the low phase did not complete (its lost
// messages would hold the window shut).

const { ServerProcess } = require('../lib/server-process');
const { ClientFleet, loopbackAddresses, fdLimitOf } = require('../lib/client-fleet');
const { makePayload } = require('../lib/payload');
const { withTimeout } = require('../lib/pool');
const { median } = require('../lib/stats');
const { procCpuUs } = require('../lib/ipc-child');

const ROOM = 'scale';

function fleetSize(n, p) {
  return Math.max(1, Math.min(p.maxClientProcs, Math.ceil(n / p.subsPerClientProc)));
}

/** Messages of the high phase for `subs` subscribers. */
function highMessagesFor(subs, p) {
  return Math.max(p.highMin, Math.min(p.highMax, Math.round(p.highDeliveries / subs)));
}

async function runScaleFanout(system, subs, p, ctx) {
  const srv = (ctx.srv = new ServerProcess(system.serverPath, system.options, { fdLimit: p.fdLimit }));
  await srv.start(30000);
  const fleet = (ctx.fleet = new ClientFleet(system.name, fleetSize(subs, p), {
    fdLimit: p.fdLimit,
    addresses: loopbackAddresses(p.sourceAddresses),
  }));
  const endpoint = { port: srv.port, tcpPort: srv.tcpPort };
  const W = p.warmup;
  const L = p.lowMessages;
  const H = highMessagesFor(subs, p);
  const total = W + L + H;
  await fleet.init(endpoint, ROOM, total);
  const o = await fleet.open(subs, { join: true, concurrency: p.concurrency, timeoutMs: 30000 + subs * p.msPerConnectBudget, connectTimeoutMs: p.connectTimeoutMs });
  if (o.members === 0) throw new Error(`no subscriber joined (${o.failed} failed: ${o.firstError})`);
  const publisher = await withTimeout(system.client.connect(endpoint, {}), 30000, `${system.name} publisher`);
  ctx.publisher = publisher;
  const members = o.members;

  const publishedAt = new Float64Array(total);
  const doneAt = new Float64Array(total);
  let gl = 0; // global low-water mark: every sequence below it reached every subscriber
  let next = 0;
  let limit = 0;
  let windowed = false;
  let wake = null;
  const publish = (seq) => {
    publishedAt[seq] = performance.now();
    publisher.publish(ROOM, makePayload(seq, p.bytes));
  };
  const pump = () => {
    while (windowed && next < limit && next < gl + p.window) publish(next++);
  };
  fleet.onProgress = (low) => {
    const now = performance.now();
    while (gl < low) doneAt[gl++] = now;
    pump();
    if (wake) wake();
  };

  /**
   * Waits until sequence `to` is complete, or deliveries stop for stallMs once everything is
   * sent, or the last message is maxLagMs old, or the phase deadline passes; resolves with null
   * (complete) or the reason it stopped.
   */
  const settle = async (from, to, stallArmed, lagSince, deadline) => {
    let lastDelivered = -1;
    let lastChange = performance.now();
    const progress = () => `${gl - from}/${to - from} messages complete`;
    let lastPoll = performance.now();
    for (;;) {
      if (gl >= to) return null;
      // Woken by progress (to see completion at once) or by the poll timer; the workers' exact
      // counters are asked for at most once per pollMs.
      await new Promise((r) => {
        const t = setTimeout(r, p.pollMs);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = null;
      if (gl >= to) return null;
      const now = performance.now();
      if (now - lastPoll < p.pollMs) continue;
      lastPoll = now;
      const d = (await fleet.stats()).delivered;
      if (d !== lastDelivered) {
        lastDelivered = d;
        lastChange = now;
      }
      if (stallArmed() && now - lastChange > p.stallMs) return `stalled: no delivery for ${p.stallMs} ms (${progress()})`;
      const sent = lagSince();
      if (sent !== null && now - sent > p.maxLagMs) return `fell behind: incomplete ${p.maxLagMs} ms after the last publish (${progress()})`;
      if (now > deadline) return `did not complete in time (${progress()})`;
    }
  };

  // The server's CPU: over IPC (process.cpuUsage(), µs) as everywhere in the bench, and from
  // /proc/<pid>/stat (10 ms ticks) at the same moments. A server too busy to answer the IPC
  // query within ipcTimeoutMs has fallen behind: the phase then reports the /proc figure.
  const cpu = async () => {
    const proc = procCpuUs(srv.child.pid);
    try {
      const u = await srv.request('cpu', {}, p.ipcTimeoutMs);
      return { ipc: u.user + u.system, proc };
    } catch (err) {
      return { ipc: NaN, proc, error: String((err && err.message) || err).split('\n')[0] };
    }
  };
  const phase = async (from, to, paced) => {
    const s0 = await fleet.stats();
    const cpu0 = await cpu();
    const t0 = performance.now();
    let sentAll = null;
    if (paced) {
      const period = 1000 / p.lowRate;
      let i = from;
      const tick = () => {
        if (i >= to) return;
        publish(i++);
        next = i;
        if (i >= to) sentAll = performance.now();
        else setTimeout(tick, Math.max(0, t0 + (i - from) * period - performance.now()));
      };
      tick();
    } else {
      windowed = true;
      next = from;
      limit = to;
      pump();
    }
    const deadline = t0 + (paced ? ((to - from) / p.lowRate) * 1000 + p.maxLagMs + p.stallMs : p.highMaxMs);
    // Paced: stalls and lag count once the last message is out. Windowed: a stall counts at any
    // time (a lost message holds the window shut); the deadline bounds the rest.
    const reason = await settle(from, to, () => !paced || sentAll !== null, () => (paced ? sentAll : null), deadline);
    windowed = false;
    const t1 = performance.now();
    const cpu1 = await cpu();
    const s1 = await fleet.stats();
    const deliveries = s1.delivered - s0.delivered;
    const expected = members * (to - from);
    const lat = [];
    for (let s = from; s < Math.min(gl, to); s++) lat.push(doneAt[s] - publishedAt[s]);
    lat.sort((a, b) => a - b);
    const unresponsive = cpu0.error || cpu1.error;
    const used = unresponsive ? cpu1.proc - cpu0.proc : cpu1.ipc - cpu0.ipc;
    const r = {
      cpuUsPerDelivery: deliveries > 0 && Number.isFinite(used) ? used / deliveries : undefined,
      deliveriesPerSec: deliveries / ((t1 - t0) / 1000),
      deliveries,
      lost: Math.max(0, expected - deliveries),
      latencyP50Ms: median(lat),
      latencyMaxMs: lat.length ? lat[lat.length - 1] : undefined,
      wallMs: t1 - t0,
      messages: to - from,
    };
    const notes = [];
    if (reason) {
      r.incomplete = true;
      notes.push(reason);
    }
    if (unresponsive) {
      r.unresponsive = true;
      notes.push(`server unresponsive to the driver (${unresponsive}): CPU from /proc`);
    }
    if (notes.length) r.note = notes.join('; ');
    return r;
  };

  // Warm-up: window-limited, unmeasured; a system that cannot complete it fails the case.
  const warm = await phase(0, W, false);
  if (warm.note) throw new Error(`warm-up ${warm.note}`);
  const out = { subscribers: members, clientProcs: fleet.workers.length, highMessages: H };
  const results = {};
  let failed = null;
  for (const [ph, from, to, paced] of [['low', W, W + L, true], ['high', W + L, total, false]]) {
    let r;
    if (failed) r = { note: `skipped: the ${failed} phase did not complete` };
    else {
      r = await phase(from, to, paced);
      if (r.incomplete) failed = ph;
    }
    results[ph] = r;
    for (const [k, v] of Object.entries(r)) out[`${ph}_${k}`] = v;
  }
  const { low, high } = results;
  const s = await fleet.stats();
  Object.assign(out, { reordered: s.reordered, invalid: s.invalid, closedEarly: s.closedEarly });
  if (!low.unresponsive && !high.unresponsive) {
    out.rssMB = (await srv.mem(false)).rss / 2 ** 20;
  }
  out.fdLimitServer = fdLimitOf(srv.child.pid);
  const notes = [];
  if (members < subs) notes.push(`${subs - members} of ${subs} subscribers did not join (${o.firstError})`);
  if (low.note) notes.push(`low: ${low.note}`);
  if (high.note) notes.push(`high: ${high.note}`);
  if (low.lost || high.lost) notes.push(`lost ${(low.lost || 0) + (high.lost || 0)} deliveries`);
  if (s.closedEarly) notes.push(`${s.closedEarly} subscribers disconnected by the server`);
  if (notes.length) out.note = notes.join('; ');
  return out;
}

module.exports = {
  name: 'scale-fanout',
  kind: 'fanout',
  title: 'Scale: fanout to S subscribers at a low and a high rate',
  primary: 'low_cpuUsPerDelivery',
  run: runScaleFanout,
  budgetMs: (n, p) =>
    p.budgetBaseMs + n * p.msPerConnectBudget * 1.5 + (p.lowMessages / p.lowRate) * 1000 + 2 * p.maxLagMs + p.highMaxMs,
  fleetSize,
  highMessagesFor,
};
