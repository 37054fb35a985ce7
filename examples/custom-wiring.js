#!/usr/bin/env node
'use strict';
// Swapping adapters through the container: the server's ports are inversify bindings that can be
// replaced before anything is resolved. Here the rate limiter and the client id generator are
// custom; the same works for the IP tracker, the clock, the logger or the cluster bus.
//   npm run build && node examples/custom-wiring.js
const { StelarServer, TOKENS } = require('../dist/src/index.js');

/** A fixed-window limiter: 3 messages per client, whatever the event (e.g. backed by Redis). */
class FixedQuotaLimiter {
  constructor(quota) {
    this.quota = quota;
    this.used = new Map();
  }
  check(id) {
    const n = (this.used.get(id) ?? 0) + 1;
    this.used.set(id, n);
    return n <= this.quota;
  }
  reset(id) {
    this.used.delete(id);
  }
  cleanup() {}
  size() {
    return this.used.size;
  }
}

function main({ port = 0, quota = 3 } = {}) {
  let n = 0;
  const limiter = new FixedQuotaLimiter(quota);
  const server = StelarServer.create(
    { port, logger: false, gracefulShutdown: false, hooks: { onRateLimitExceeded: () => false } },
    {
      configure(container) {
        container.bind(TOKENS.IRateLimiter).toConstantValue(limiter);
        container.rebind(TOKENS.IdGenerator).toConstantValue({ next: () => `client-${++n}` });
      },
    },
  );
  return { server, limiter };
}

module.exports = { main, FixedQuotaLimiter };

if (require.main === module) {
  const { server } = main({ port: Number(process.env.PORT ?? 3000) });
  server.on('chat', (ctx) => console.log(`${ctx.id}: ${JSON.stringify(ctx.data)}`));
  server.start().then((p) => console.log(`custom wiring demo on ws://localhost:${p}/ (ids client-1, client-2, …; 3 messages each)`));
}
