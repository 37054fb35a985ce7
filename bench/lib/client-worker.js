'use strict';
// Child-process entry of the scale bench's client fleet (bench/lib/client-fleet.js): holds a
// share of one system's load-client connections (using that system's client module) so that
// 20k-50k sockets are spread over several processes (file descriptors, heap, event loop).
// Optionally every connection joins one room and counts the deliveries it gets: the worker
// tracks the lowest sequence number not yet received by all of its members and reports it to
// the driver as {ev:'p', low, delivered} (coalesced to one report per event-loop turn).
//
// argv: <system name>. Commands (IPC {id, cmd, …} → {id, value|error}): init, open, stats,
// closeAll, exit. The worker exits when the driver goes away.

const { getSystem } = require('../systems');

const system = getSystem(process.argv[2]);
let endpoint = null;
let room = null;
let total = 0;
const conns = [];
let members = 0;
let counts = null; // counts[seq] = members of this worker that have seq
let expected = []; // per member: next sequence number expected
let low = 0;
let delivered = 0;
let reordered = 0;
let invalid = 0;
let closedEarly = 0;
let closing = false;
let reportQueued = false;

function report() {
  reportQueued = false;
  if (process.connected) process.send({ ev: 'p', low, delivered });
}

function handlersFor(slot) {
  return {
    onMsg(seq) {
      if (seq < 0 || seq >= total) return void invalid++;
      delivered++;
      if (seq !== expected[slot]) reordered++;
      expected[slot] = seq + 1;
      if (++counts[seq] === members && seq === low) {
        while (low < total && counts[low] === members) low++;
        if (!reportQueued) {
          reportQueued = true;
          setImmediate(report);
        }
      }
    },
    onClose() {
      if (!closing) closedEarly++;
    },
  };
}

/** Opens one connection (and joins the room) within `timeoutMs`; resolves true/false. */
function openOne(localAddress, join, timeoutMs) {
  const slot = expected.length;
  expected.push(0);
  let timer;
  const attempt = (async () => {
    const c = await system.client.connect({ ...endpoint, localAddress }, join ? handlersFor(slot) : {});
    conns.push(c);
    if (join) {
      await c.join(room);
      members++;
    }
  })();
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connect/join timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
}

async function open({ count, concurrency, localAddresses, offset, join, timeoutMs }) {
  const t0 = performance.now();
  let next = 0;
  let opened = 0;
  let failed = 0;
  let firstError = null;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const addr = localAddresses.length ? localAddresses[(offset + i) % localAddresses.length] : undefined;
      try {
        await openOne(addr, join, timeoutMs);
        opened++;
      } catch (err) {
        failed++;
        if (!firstError) firstError = String((err && err.message) || err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  if (join) low = 0;
  return { opened, failed, firstError, ms: performance.now() - t0, members };
}

function stats() {
  return { delivered, low, reordered, invalid, closedEarly, members, conns: conns.length };
}

async function handle(msg) {
  switch (msg.cmd) {
    case 'init':
      endpoint = msg.endpoint;
      room = msg.room || null;
      total = msg.total || 0;
      counts = new Uint32Array(total);
      return true;
    case 'open':
      return open(msg);
    case 'stats':
      return stats();
    case 'closeAll':
      closing = true;
      for (const c of conns) {
        try {
          c.destroy();
        } catch {
          // Already closed.
        }
      }
      conns.length = 0;
      return true;
    case 'exit':
      setImmediate(() => process.exit(0));
      return true;
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

process.on('message', (msg) => {
  handle(msg).then(
    (value) => process.connected && process.send({ id: msg.id, value }),
    (err) => process.connected && process.send({ id: msg.id, error: String((err && err.stack) || err) }),
  );
});
process.on('disconnect', () => process.exit(0));
