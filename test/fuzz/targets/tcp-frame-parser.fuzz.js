'use strict';
// TcpFrameParser on arbitrary byte streams. Invariants: only documented protocol errors
// (FRAME_TOO_LARGE / PAYLOAD_TOO_LARGE / INVALID_FRAME / TRUNCATED_FRAME); no frame above the
// limits; buffered bytes bounded by maxFrameSize + the length prefix; nothing after a halt; and
// the same frames and error whether the stream arrives whole or cut into random chunks.
const { dist, check, expectProtocolError } = require('../lib/invariants');
const { split } = require('../lib/chunks');

const { TcpFrameParser } = dist('adapters/tcp/tcp-frame-parser.js');
const MAX_FRAME = 1024;
const MAX_PAYLOAD = 768;

class Recorder {
  constructor() {
    this.events = [];
    this.halted = false;
  }
  onFrame(body) {
    check(!this.halted, 'frame delivered after the parser halted');
    check(body.length <= MAX_PAYLOAD && body.length <= MAX_FRAME, () => `frame of ${body.length} bytes above the limits`);
    this.events.push(Buffer.from(body).toString('hex'));
  }
  onFrameError(err) {
    check(!this.halted, 'second error after the parser halted');
    expectProtocolError(err);
    this.halted = true;
    this.events.push(`error:${err.code}:${err.closeCode}`);
  }
}

function parse(chunks) {
  const sink = new Recorder();
  const parser = new TcpFrameParser(sink, { maxFrameSize: MAX_FRAME, maxPayloadSize: MAX_PAYLOAD });
  for (const c of chunks) {
    parser.push(c);
    check(parser.buffered <= MAX_FRAME + 4, () => `parser buffers ${parser.buffered} bytes (limit ${MAX_FRAME} + 4)`);
    if (sink.halted) check(parser.halted && parser.buffered === 0, 'parser kept bytes after its error');
  }
  return sink.events;
}

module.exports = {
  maxLen: 4096,
  // Byte 0 picks the chunking; the rest is the TCP stream.
  fuzz(data) {
    if (data.length === 0) return;
    const stream = data.subarray(1);
    const whole = parse([Buffer.from(stream)]);
    const cut = parse(split(stream, data[0]));
    check(whole.join() === cut.join(), () => `chunking changed the result:\n whole ${whole.join(' ')}\n cut   ${cut.join(' ')}`);
  },
  dictionary: ['\x00\x00\x00\x03', '\x00\x00\x00\x00', '\x00\x00\x04\x00', '\x00\x00\x04\x01', '\x00\x00\x03\x00', '\xff\xff\xff\xff', '\x00\x00\x00\x02', '\x00\x00\x00\x01'],
};
