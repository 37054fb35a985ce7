#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): the cost of client → server session recovery (issue #13) on a
// client's sends — sequence numbers, the unconfirmed log, the server's at-most-once check,
// batched confirmations, answers recorded in the session's stream. One client over real
// localhost sockets, recovery off (A) and on (B) in the same round, interleaved. Needs the build
// (npm run build). Run:
//   node bench/micro/recovery-c2s.bench.js [--rounds 5] [--emits 20000] [--requests 5000] [--mode tcp|ws]
const { StelarServer } = require('../../dist/src');
const { StelarClient } = require('../../dist/src/client');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1];
};
const ROUNDS = Number(arg('rounds', 5));
const EMITS = Number(arg('emits', 20000));
const REQUESTS = Number(arg('requests', 5000));
const MODE = arg('mode', 'tcp');
// Sends per turn, and the same application-level window for both cases (at most 2 × BATCH not
// yet handled by the server): recovery on must stay under its unconfirmed log (1024 messages).
const BATCH = 256;

async function once(recovery) {
  const server = StelarServer.create({ port: 0, tcpPort: 0, logger: false, gracefulShutdown: false, recovery, rateLimit: false });
  let got = 0;
  server.on('e', () => void got++);
  server.onAck('q', (ctx) => ctx.data);
  await server.start();
  const target = MODE === 'ws' ? `ws://127.0.0.1:${server.getPort()}/` : `127.0.0.1:${server.getTcpPort()}`;
  const client = new StelarClient(target, { mode: MODE, logger: 'silent', reconnection: false, ackTimeout: 60000 });
  await new Promise((r) => client.connect(r));
  const wait = (pred) => new Promise((r) => { const t = () => (pred() ? r() : setImmediate(t)); t(); });
  let t0 = process.hrtime.bigint();
  for (let sent = 0; sent < EMITS; ) {
    for (let i = 0; i < BATCH && sent < EMITS; i++, sent++) client.emit('e', { n: sent, text: 'hello world' });
    await wait(() => sent - got <= BATCH);
  }
  await wait(() => got === EMITS);
  const emitNs = Number(process.hrtime.bigint() - t0) / EMITS;
  t0 = process.hrtime.bigint();
  for (let done = 0; done < REQUESTS; done += BATCH) {
    const ps = [];
    for (let i = 0; i < BATCH; i++) ps.push(client.request('q', i));
    await Promise.all(ps);
  }
  const reqNs = Number(process.hrtime.bigint() - t0) / REQUESTS;
  client.disconnect();
  await server.stop();
  return { emitNs, reqNs };
}

(async () => {
  const rows = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [false, true] : [true, false];
    const res = {};
    for (const rec of order) res[rec ? 'on' : 'off'] = await once(rec);
    rows.push(res);
    console.log(
      `round ${r + 1}: emit ${res.off.emitNs.toFixed(0)} → ${res.on.emitNs.toFixed(0)} ns/msg (×${(res.on.emitNs / res.off.emitNs).toFixed(2)}), ` +
        `request ${res.off.reqNs.toFixed(0)} → ${res.on.reqNs.toFixed(0)} ns/req (×${(res.on.reqNs / res.off.reqNs).toFixed(2)})`,
    );
  }
  const med = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `${MODE}: median same-round ratio on/off: emit ×${med(rows.map((x) => x.on.emitNs / x.off.emitNs)).toFixed(2)}, request ×${med(rows.map((x) => x.on.reqNs / x.off.reqNs)).toFixed(2)}`,
  );
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
