'use strict';
// Opening and tearing down many load-client connections with bounded concurrency.

const { runPool, withTimeout } = require('./pool');

/**
 * Opens `count` connections to a system's server.
 * @param {object} system descriptor from systems/index.js
 * @param {{port:number, tcpPort?:number}} endpoint
 * @param {number} count
 * @param {number} concurrency connections being opened at once
 * @param {(i:number) => object} [handlersFor] per-connection handlers ({ onMsg(seq) })
 * @param {object[]} [into] array the connections are pushed into as they open (for cleanup on failure)
 */
async function openMany(system, endpoint, count, concurrency, handlersFor, into = []) {
  const conns = new Array(count);
  await runPool(count, concurrency, async (i) => {
    const c = await withTimeout(
      system.client.connect(endpoint, handlersFor ? handlersFor(i) : {}),
      30000,
      `${system.name} connect #${i}`,
    );
    conns[i] = c;
    into.push(c);
  });
  return conns;
}

/** Abruptly closes every connection (teardown between rounds; never measured). */
function destroyAll(conns) {
  for (const c of conns) {
    try {
      if (c) c.destroy();
    } catch {
      // Already closed.
    }
  }
  conns.length = 0;
}

module.exports = { openMany, destroyAll };
