'use strict';
// WsReceiver with permessage-deflate (RFC 7692), server side. The input is a small program
// that builds client frames: compressed messages (fragmented, text or binary, compression
// bombs among them), uncompressed frames, compressed frames with corrupt bytes, control frames
// between fragments and raw bytes. Invariants: those of ws-receiver (documented errors only,
// bounded messages — bombs stop at maxPayloadSize —, valid UTF-8, nothing after close/error,
// chunking-independent results), and every well-formed message arrives exactly as it was
// compressed.
const zlib = require('node:zlib');
const { dist, check } = require('../lib/invariants');
const { split } = require('../lib/chunks');
const { WsRecorder } = require('../lib/ws-recorder');

const { WsReceiver } = dist('adapters/websocket/ws-receiver.js');
const { PerMessageDeflate } = dist('adapters/websocket/permessage-deflate.js');
const { sharedZlibLimiter } = dist('adapters/websocket/zlib-limiter.js');
const LIMITS = { maxPayloadSize: 4096, maxFrameSize: 2048, maxFragments: 8 };
const MAX_HEADER = 14;

class Reader {
  constructor(buf) {
    this.buf = buf;
    this.at = 0;
  }
  get more() {
    return this.at < this.buf.length;
  }
  u8() {
    return this.at < this.buf.length ? this.buf[this.at++] : 0;
  }
  bytes(n) {
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += b.length;
    return Buffer.from(b);
  }
}

function frame(b0, payload, maskKey) {
  const n = payload.length;
  let h;
  if (n < 126) h = Buffer.from([b0, 0x80 | n]);
  else if (n < 65536) {
    h = Buffer.alloc(4);
    h[0] = b0;
    h[1] = 0x80 | 126;
    h.writeUInt16BE(n, 2);
  } else {
    h = Buffer.alloc(10);
    h[0] = b0;
    h[1] = 0x80 | 127;
    h.writeBigUInt64BE(BigInt(n), 2);
  }
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= maskKey[i & 3];
  return Buffer.concat([h, maskKey, body]);
}

/** Raw deflate of `data` with the RFC 7692 trailer (00 00 ff ff) removed. */
function compress(data, windowBits) {
  const out = zlib.deflateRawSync(data, { windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/** Splits `body` into `n` fragment payloads. */
function fragments(body, n) {
  const out = [];
  const size = Math.ceil(body.length / n) || 0;
  for (let i = 0; i < n; i++) out.push(body.subarray(i * size, (i + 1) * size));
  return out;
}

/** Builds the client's byte stream; `expected` gets the well-formed messages in order. */
function build(r, windowBits) {
  const mask = r.u8() & 1 ? r.bytes(4) : Buffer.alloc(4);
  const parts = [];
  const expected = [];
  let exact = true;
  for (let ops = 0; r.more && ops < 16; ops++) {
    const op = r.u8();
    const kind = op & 7;
    const binary = (op & 0x40) !== 0;
    const data = r.bytes(r.u8());
    if (kind <= 2 || kind === 7) {
      const plain = op & 0x08 ? Buffer.alloc((data.length + 1) * 64, data[0] ?? 0x61) : data;
      const pieces = fragments(compress(plain, windowBits), 1 + ((op >> 4) & 3));
      pieces.forEach((p, i) => {
        const first = i === 0;
        const fin = i === pieces.length - 1;
        parts.push(frame((fin ? 0x80 : 0) | (first ? 0x40 | (binary ? 2 : 1) : 0), p, mask));
        if (kind === 7 && !fin) parts.push(frame(0x89, data.subarray(0, 125), mask));
      });
      expected.push(`${binary ? 'bin' : 'text'}:${plain.toString('hex')}`);
    } else if (kind === 3) {
      parts.push(frame(0x80 | (binary ? 2 : 1), data, mask));
      expected.push(`${binary ? 'bin' : 'text'}:${data.toString('hex')}`);
    } else if (kind === 4) {
      parts.push(frame(0xc0 | (binary ? 2 : 1), data, mask));
      exact = false;
    } else if (kind === 5) {
      parts.push(frame(0x80 | [8, 9, 10][(op >> 4) % 3], data.subarray(0, 125), mask));
      exact = false;
    } else {
      parts.push(data);
      exact = false;
    }
  }
  return { stream: Buffer.concat(parts), expected, exact };
}

async function settle(receiver) {
  // zlib runs on libuv's thread pool: on a loaded machine a flush can take a while.
  const deadline = Date.now() + 5000;
  while (receiver.busy) {
    check(Date.now() < deadline, 'inflate never finished (5 s)');
    await new Promise(setImmediate);
  }
}

async function parse(chunks, params, waitEach) {
  const sink = new WsRecorder(LIMITS.maxPayloadSize);
  const pmd = new PerMessageDeflate(params, true, LIMITS.maxPayloadSize);
  const receiver = new WsReceiver(sink, { isServer: true, deflate: pmd, ...LIMITS });
  try {
    for (const c of chunks) {
      receiver.push(c);
      if (waitEach) await settle(receiver);
      if (!receiver.busy) {
        check(receiver.bufferedBytes <= LIMITS.maxFrameSize + MAX_HEADER, () => `receiver buffers ${receiver.bufferedBytes} bytes`);
      }
    }
    await settle(receiver);
    if (sink.stopped) check(receiver.stopped && receiver.bufferedBytes === 0, 'receiver kept bytes after it stopped');
    return sink.events;
  } finally {
    receiver.stop();
    pmd.close();
    // The limiter is process-wide: a slot a closed context keeps would stall every connection.
    const { running, queue } = sharedZlibLimiter;
    check(running === 0 && queue.length === 0, () => `zlib limiter leaked: ${running} running, ${queue.length} queued after close()`);
  }
}

module.exports = {
  maxLen: 2048,
  heapBudgetMB: 96,
  // Byte 0: context takeover, window bits, chunking; then the frame program.
  async fuzz(data) {
    if (data.length < 2) return;
    const ctl = data[0];
    const windowBits = 9 + (ctl & 7) - ((ctl & 7) === 7 ? 1 : 0); // 9..15
    const params = {
      serverNoContextTakeover: false,
      clientNoContextTakeover: (ctl & 8) !== 0,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: windowBits,
    };
    const { stream, expected, exact } = build(new Reader(data.subarray(2)), windowBits);
    // push() unmasks in place: each run gets its own copy.
    const whole = await parse([Buffer.from(stream)], params, false);
    const cut = await parse(split(stream, data[1]), params, (ctl & 0x10) !== 0);
    check(whole.join() === cut.join(), () => `chunking changed the result:\n whole ${whole.join(' ').slice(0, 600)}\n cut   ${cut.join(' ').slice(0, 600)}`);
    const failed = whole.some((e) => e.startsWith('error:') || e.startsWith('close:'));
    if (exact && !failed) {
      const got = whole.filter((e) => !e.startsWith('ping:'));
      check(got.join() === expected.join(), () => `inflated messages differ:\n sent ${expected.join(' ').slice(0, 600)}\n got  ${got.join(' ').slice(0, 600)}`);
    }
  },
};
