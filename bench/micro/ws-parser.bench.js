#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): parse throughput of Stelar's WsReceiver vs ws's Receiver on the
// same frames, fed in 16 KiB socket-sized chunks. Run after `npm run build`:
//   node bench/micro/ws-parser.bench.js
// Prints MB/s and messages/s per scenario; higher is better. Figures vary by machine: compare
// the two columns of one run, not runs across machines.
const { WsReceiver } = require('../../dist/src/adapters/websocket/ws-receiver');
const { frame } = require('../../dist/src/adapters/websocket/ws-sender');
const WsLibReceiver = require('ws').Receiver;

const CHUNK = 16 * 1024;
const TARGET_BYTES = 64 * 1024 * 1024;

function buildStream(size, binary, masked) {
  const payload = Buffer.alloc(size);
  if (binary) for (let i = 0; i < size; i++) payload[i] = (i * 31) & 0xff;
  else payload.fill('a');
  const one = Buffer.concat(frame(payload, { opcode: binary ? 2 : 1, fin: true, rsv1: false, mask: masked }));
  const count = Math.max(1, Math.floor((4 * 1024 * 1024) / one.length));
  const all = Buffer.concat(new Array(count).fill(one));
  const chunks = [];
  for (let off = 0; off < all.length; off += CHUNK) chunks.push(all.subarray(off, off + CHUNK));
  return { chunks, bytes: all.length, count };
}

function stelarRun(stream, masked, copies) {
  let messages = 0;
  const sink = {
    onFrameMessage() {
      messages++;
    },
    onFramePing() {},
    onFramePong() {},
    onFrameClose() {},
    onFrameError(err) {
      throw err;
    },
    onFrameResume() {},
  };
  const r = new WsReceiver(sink, { isServer: masked, maxPayloadSize: 1 << 30, maxFrameSize: 1 << 30 });
  for (let i = 0; i < copies.length; i++) r.push(copies[i]);
  return messages;
}

function wsRun(stream, masked, copies) {
  let messages = 0;
  const r = new WsLibReceiver({ isServer: masked, maxPayload: 1 << 30, allowSynchronousEvents: true });
  r.on('message', () => messages++);
  r.on('error', (err) => {
    throw err;
  });
  for (let i = 0; i < copies.length; i++) r.write(copies[i]);
  return messages;
}

function measure(name, fn, stream, masked) {
  // Masked payloads are unmasked in place by both parsers: give each pass fresh copies, made
  // outside the timed region.
  const rounds = Math.max(3, Math.ceil(TARGET_BYTES / stream.bytes));
  const prepared = [];
  for (let i = 0; i < rounds + 2; i++) prepared.push(masked ? stream.chunks.map((c) => Buffer.from(c)) : stream.chunks);
  fn(stream, masked, prepared[0]); // warm-up
  fn(stream, masked, prepared[1]);
  let messages = 0;
  const start = process.hrtime.bigint();
  for (let i = 2; i < prepared.length; i++) messages += fn(stream, masked, prepared[i]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { name, mbps: (stream.bytes * rounds) / 1e6 / seconds, mps: messages / seconds };
}

const scenarios = [
  ['text 16 B', 16, false],
  ['text 128 B', 128, false],
  ['text 4 KiB', 4096, false],
  ['binary 4 KiB', 4096, true],
  ['binary 64 KiB', 65536, true],
  ['binary 1 MiB', 1 << 20, true],
];

let nativeUnmask = false;
try {
  require.resolve('bufferutil');
  nativeUnmask = !process.env.WS_NO_BUFFER_UTIL;
} catch {}
// ws unmasks with the native `bufferutil` addon when it is installed; Stelar is pure JS. Run
// with WS_NO_BUFFER_UTIL=1 for a JS-vs-JS comparison of the masked (server) rows.
console.log(`node ${process.version}, ${CHUNK / 1024} KiB chunks, ws native bufferutil: ${nativeUnmask ? 'yes' : 'no'}`);
console.log('scenario'.padEnd(30) + 'stelar MB/s'.padStart(14) + 'ws MB/s'.padStart(12) + 'stelar msg/s'.padStart(16) + 'ws msg/s'.padStart(14) + 'ratio'.padStart(8));
for (const masked of [true, false]) {
  for (const [label, size, binary] of scenarios) {
    const stream = buildStream(size, binary, masked);
    const a = measure('stelar', stelarRun, stream, masked);
    const b = measure('ws', wsRun, stream, masked);
    const name = `${label} ${masked ? '(server, masked)' : '(client, unmasked)'}`;
    console.log(
      name.padEnd(30) +
        a.mbps.toFixed(0).padStart(14) +
        b.mbps.toFixed(0).padStart(12) +
        Math.round(a.mps).toString().padStart(16) +
        Math.round(b.mps).toString().padStart(14) +
        (a.mbps / b.mbps).toFixed(2).padStart(8),
    );
  }
}
