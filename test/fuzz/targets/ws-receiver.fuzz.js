'use strict';
// WsReceiver (RFC 6455 framing, no extension) on arbitrary byte streams, server and client
// side. Invariants: only documented protocol errors; messages within maxPayloadSize and
// maxFragments, text valid UTF-8; buffered input bounded by maxFrameSize + a frame header;
// nothing after close or error; and the same events whether the stream arrives whole or cut
// into random chunks.
const { dist, check } = require('../lib/invariants');
const { split } = require('../lib/chunks');
const { WsRecorder } = require('../lib/ws-recorder');

const { WsReceiver } = dist('adapters/websocket/ws-receiver.js');
const LIMITS = { maxPayloadSize: 2048, maxFrameSize: 1024, maxFragments: 8 };
const MAX_HEADER = 14;

function parse(chunks, isServer) {
  const sink = new WsRecorder(LIMITS.maxPayloadSize);
  const receiver = new WsReceiver(sink, { isServer, ...LIMITS });
  for (const c of chunks) {
    receiver.push(c);
    check(receiver.bufferedBytes <= LIMITS.maxFrameSize + MAX_HEADER, () => `receiver buffers ${receiver.bufferedBytes} bytes`);
    if (sink.stopped) check(receiver.stopped && receiver.bufferedBytes === 0, 'receiver kept bytes after it stopped');
  }
  check(!receiver.busy, 'receiver busy without permessage-deflate');
  return sink.events;
}

module.exports = {
  maxLen: 4096,
  // Byte 0: bit 7 picks the side (0: server, client frames masked), the rest the chunking.
  fuzz(data) {
    if (data.length === 0) return;
    const isServer = (data[0] & 0x80) === 0;
    const stream = data.subarray(1);
    // push() unmasks in place: each run gets its own copy.
    const whole = parse([Buffer.from(stream)], isServer);
    const cut = parse(split(stream, data[0] & 0x7f), isServer);
    check(whole.join() === cut.join(), () => `chunking changed the result:\n whole ${whole.join(' ')}\n cut   ${cut.join(' ')}`);
  },
  dictionary: ['\x81\x85', '\x82\x85', '\x01\x85', '\x80\x85', '\x00\x85', '\x89\x80', '\x8a\x80', '\x88\x82', '\x88\x80', '\x81\xfe\x04\x00', '\x81\xff\x00\x00\x00\x00\x00\x00\x04\x01', '\x81\xff\x80\x00\x00\x00\x00\x00\x00\x00', '\x81\x05', '\x03\xe8', '\x03\xed', '\x0b\xb8', '\xce\xba\xe1\xbd\xb9', '\xed\xa0\x80', '\xf4\x90\x80\x80', '\x00\x00\x00\x00'],
};
