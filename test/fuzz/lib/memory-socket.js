'use strict';
// An in-memory socket for Node's http server (`server.emit('connection', socket)`): what the
// fuzz input "sends" is pushed into the readable side, what the server writes is collected.
// No kernel round trip per input, and no port.
const { Duplex } = require('node:stream');

class MemorySocket extends Duplex {
  constructor() {
    // http servers are allowHalfOpen, like the net.Sockets they normally get.
    super({ allowHalfOpen: true });
    this.output = [];
    this.remoteAddress = '127.0.0.1';
    this.remotePort = 40000;
    this.remoteFamily = 'IPv4';
    this.localAddress = '127.0.0.1';
    this.localPort = 8080;
    this.encrypted = undefined;
  }
  _read() {}
  _write(chunk, _enc, cb) {
    this.output.push(Buffer.from(chunk));
    cb();
  }
  _final(cb) {
    cb();
  }
  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
  setTimeout() {
    return this;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  address() {
    return { address: this.localAddress, port: this.localPort, family: 'IPv4' };
  }
  /** Everything the server wrote. */
  written() {
    return Buffer.concat(this.output);
  }
}

module.exports = { MemorySocket };
