'use strict';
// A loopback TCP relay in front of one slow-reading client: the server → client direction reads
// for `readMs`, then stops reading for `stallMs`, so the server's writes back up into its
// buffers as with a client on a slow link. Bytes pass through untouched (TLS too).
const net = require('node:net');

class SlowProxy {
  constructor(upstreamPort, { readMs = 300, stallMs = 1700 } = {}) {
    this.upstreamPort = upstreamPort;
    this.readMs = readMs;
    this.stallMs = stallMs;
    this.links = new Set();
    this.server = net.createServer((down) => this.relay(down));
  }

  listen() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve(this.server.address().port));
    });
  }

  relay(down) {
    const up = net.connect(this.upstreamPort, '127.0.0.1');
    const link = { up, down, stalled: false, timer: null };
    this.links.add(link);
    const cycle = () => {
      link.stalled = !link.stalled;
      if (link.stalled) up.pause();
      else if (!down.writableNeedDrain) up.resume();
      link.timer = setTimeout(cycle, link.stalled ? this.stallMs : this.readMs);
      link.timer.unref();
    };
    link.timer = setTimeout(cycle, this.readMs);
    link.timer.unref();
    down.on('data', (d) => up.write(d));
    up.on('data', (d) => {
      if (!down.write(d)) up.pause();
    });
    down.on('drain', () => {
      if (!link.stalled) up.resume();
    });
    const close = () => {
      clearTimeout(link.timer);
      this.links.delete(link);
      up.destroy();
      down.destroy();
    };
    for (const s of [up, down]) {
      s.on('error', close);
      s.on('close', close);
    }
  }

  close() {
    for (const l of this.links) {
      clearTimeout(l.timer);
      l.up.destroy();
      l.down.destroy();
    }
    this.links.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

module.exports = { SlowProxy };
