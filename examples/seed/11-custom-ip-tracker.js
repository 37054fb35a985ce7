'use strict';
// README 3.2 "Custom IP Tracker" / type reference IIPTracker: blocked IPs, a VIP without limit,
// 20 connections for everyone else. `remove` and `cleanup` are the type reference's versions.
// Adaptation: `trustProxy: true`, so behind a reverse proxy the tracker sees the client IP
// from X-Forwarded-For (without it, remoteAddress is the socket's peer address).
//   node examples/seed/11-custom-ip-tracker.js [port]
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

class CustomIPTracker {
  constructor() {
    this.blockedIPs = new Set(['1.2.3.4', '5.6.7.8']);
    this.vipIPs = new Set(['10.0.0.1']);
    this.counts = new Map();
  }

  check(ip) {
    if (this.blockedIPs.has(ip)) return false; // Blocked IP
    if (this.vipIPs.has(ip)) return true; // VIP no limit
    return (this.counts.get(ip) || 0) < 20; // 20 for normal
  }

  add(ip) {
    this.counts.set(ip, (this.counts.get(ip) || 0) + 1);
  }
  remove(ip) {
    const n = (this.counts.get(ip) ?? 1) - 1;
    n <= 0 ? this.counts.delete(ip) : this.counts.set(ip, n);
  }
  getCount(ip) {
    return this.counts.get(ip) || 0;
  }
  cleanup() {
    for (const [ip, n] of this.counts) if (n <= 0) this.counts.delete(ip);
  }
}

async function main(options = {}) {
  const tracker = new CustomIPTracker();
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    customIPTracker: tracker,
    trustProxy: true,
    logger: options.logger,
  });
  stelar.onConnection((ctx) => ctx.emit('you', { ip: ctx.clientInfo.remoteAddress }));
  await stelar.start();
  return { stelar, tracker, stop: () => stelar.stop() };
}

module.exports = { main, CustomIPTracker };
runMain(module, main);
