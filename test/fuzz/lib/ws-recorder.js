'use strict';
// A WsReceiverSink that records what a WsReceiver reports and asserts the receiver's contract
// on every callback: bounded messages, valid UTF-8 text and close reasons, valid close codes,
// documented errors, and silence after a close frame or an error.
const { check, expectProtocolError } = require('./invariants');

function validCloseCode(c) {
  return (c >= 1000 && c <= 1014 && c !== 1004 && c !== 1005 && c !== 1006) || (c >= 3000 && c <= 4999);
}

function isUtf8(buf) {
  return Buffer.from(buf.toString('utf8'), 'utf8').equals(buf);
}

class WsRecorder {
  constructor(maxPayloadSize) {
    this.maxPayloadSize = maxPayloadSize;
    this.events = [];
    this.stopped = false;
    this.resumes = 0;
  }
  alive(what) {
    check(!this.stopped, `${what} reported after the receiver stopped`);
  }
  onFrameMessage(payload, binary) {
    this.alive('message');
    check(payload.length <= this.maxPayloadSize, () => `message of ${payload.length} bytes above maxPayloadSize ${this.maxPayloadSize}`);
    if (!binary) check(isUtf8(payload), 'text message is not valid UTF-8');
    this.events.push(`${binary ? 'bin' : 'text'}:${payload.toString('hex')}`);
  }
  onFramePing(data) {
    this.alive('ping');
    check(data.length <= 125, 'ping above 125 bytes');
    this.events.push(`ping:${data.toString('hex')}`);
  }
  onFramePong(data) {
    this.alive('pong');
    check(data.length <= 125, 'pong above 125 bytes');
    this.events.push(`pong:${data.toString('hex')}`);
  }
  onFrameClose(code, reason) {
    this.alive('close');
    check(code === 1005 || validCloseCode(code), () => `close frame with invalid code ${code} accepted`);
    check(Buffer.byteLength(reason) <= 123, 'close reason above 123 bytes');
    this.stopped = true;
    this.events.push(`close:${code}:${reason}`);
  }
  onFrameError(err) {
    this.alive('error');
    expectProtocolError(err);
    this.stopped = true;
    this.events.push(`error:${err.code}:${err.closeCode}`);
  }
  onFrameResume() {
    this.resumes++;
  }
}

module.exports = { WsRecorder };
