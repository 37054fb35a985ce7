'use strict';
// Slow consumers: the fanout scenario with a fraction of the subscribers pausing their sockets
// (they stop reading; the kernel buffers fill, then the server must buffer or drop). Reports
// the server's RSS/heap/external growth after a forced GC while the slow readers are still
// paused, and the delivery rate to the others (compare with the plain fanout scenario).
// Afterwards the slow readers resume and drain, which shows each system's policy: how many
// connections it closed and what share of the messages reached the slow readers.
// Sized so each slow reader's backlog (messages × bytes = 16 MB) well exceeds what loopback
// kernel buffers absorb for a paused socket (~4 MB measured here: 4 MB send buffer auto-tuning
// plus the receiver's 128 KB) plus Stelar's default 4 MB maxBufferedBytes: below ~4 MB no
// system's user-space memory would move at all.

const fanout = require('./fanout');

module.exports = {
  name: 'slow',
  title: 'Fanout with 20 % slow subscribers (paused sockets)',
  primary: 'rssGrowthMB',
  unit: 'server RSS growth MB while slow readers are paused',
  defaults: {
    subscribers: 200,
    messages: 4000,
    warmup: 20,
    bytes: 4096,
    window: 32,
    slowFraction: 0.2,
    stallMs: 15000,
    drainMs: 1000,
  },
  quick: { subscribers: 50, messages: 1500 },
  rounds: 2,
  columns: [
    ['rssGrowthMB', 'RSS growth MB', 1],
    ['heapGrowthMB', 'heap growth MB', 1],
    ['externalGrowthMB', 'external growth MB', 1],
    ['cpuUsPerDelivery', 'CPU µs/fast delivery', 3],
    ['deliveriesPerSec', 'fast deliveries/s', 0],
    ['lost', 'lost (fast)', 0],
    ['slowReleased', 'slow released while paused', 0],
    ['slowDisconnected', 'slow closed after resume', 0],
    ['slowReceivedPct', 'slow received %', 1],
  ],
  run: fanout.runFanout,
};
