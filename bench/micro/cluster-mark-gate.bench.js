#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): what the processed-mark gate costs (issue #13, client → server at
// most once across nodes). One StelarServer node with `cluster` and `recovery` on, over a Redis on
// 127.0.0.1 (REDIS_PORT, default 6379, private key prefix), one client over TCP: sequential
// request round trips (latency: each waits for one MARK script before its handler) and a
// windowed emit stream (throughput: one MARK script per batch). A = the gate (the default),
// B = the same server with the gate off (ClientSequencer rebound without it), interleaved in
// the same round. Needs the build (npm run build). Run:
//   node bench/micro/cluster-mark-gate.bench.js [--rounds 3] [--requests 2000] [--emits 20000]
const { StelarServer } = require('../../dist/src');
const { StelarClient } = require('../../dist/src/client');
const { APP_TOKENS } = require('../../dist/src/application/server/app-tokens');
const { TOKENS } = require('../../dist/src/ports');
const { ClientSequencer } = require('../../dist/src/domain/recovery/client-sequencer');

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : process.argv[i + 1];
};
const ROUNDS = Number(arg('rounds', 3));
const REQUESTS = Number(arg('requests', 2000));
const EMITS = Number(arg('emits', 20000));
const BATCH = 64; // well under the 1024-message unconfirmed log (confirmations lag by up to 10 ms + a write)
const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);

async function once(gate, round) {
  const configure = gate
    ? undefined
    : (c) =>
        c.rebind(APP_TOKENS.ClientSequencer).toResolvedValue(
          (clock, sender, counters) => new ClientSequencer(clock, (r, m) => sender.sendTo(r, m), counters, null),
          [TOKENS.Clock, APP_TOKENS.MessageSender, APP_TOKENS.Counters],
        );
  const server = StelarServer.create(
    {
      port: 0, tcpPort: 0, logger: false, gracefulShutdown: false, rateLimit: false, recovery: true,
      cluster: { redis: { host: '127.0.0.1', port: REDIS_PORT }, prefix: `bench-gate-${process.pid}-${round}-${gate ? 1 : 0}` },
    },
    { configure },
  );
  let got = 0;
  server.on('e', () => void got++);
  server.onAck('q', (ctx) => ctx.data);
  await server.start();
  const client = new StelarClient(`127.0.0.1:${server.getTcpPort()}`, { mode: 'tcp', logger: 'silent', reconnection: false, ackTimeout: 60000 });
  await new Promise((r) => client.connect(r));
  const wait = (pred) => new Promise((r) => { const t = () => (pred() ? r() : setImmediate(t)); t(); });
  for (let i = 0; i < 200; i++) await client.request('q', i); // warm-up
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < REQUESTS; i++) await client.request('q', i);
  const rttUs = Number(process.hrtime.bigint() - t0) / REQUESTS / 1000;
  t0 = process.hrtime.bigint();
  for (let sent = 0; sent < EMITS; ) {
    for (let i = 0; i < BATCH && sent < EMITS; i++, sent++) client.emit('e', sent);
    await wait(() => sent - got <= BATCH && client.getUnconfirmedCount() <= 512);
  }
  await wait(() => got === EMITS);
  const emitUs = Number(process.hrtime.bigint() - t0) / EMITS / 1000;
  client.disconnect();
  await server.stop();
  return { rttUs, emitUs };
}

async function main() {
  const rows = [];
  for (let r = 0; r < ROUNDS; r++) {
    const on = await once(true, r);
    const off = await once(false, r);
    rows.push({ round: r + 1, rttOn: on.rttUs, rttOff: off.rttUs, emitOn: on.emitUs, emitOff: off.emitUs });
  }
  for (const x of rows) {
    console.log(
      `round ${x.round}: request RTT µs gate ${x.rttOn.toFixed(1)} / off ${x.rttOff.toFixed(1)} (${(x.rttOn / x.rttOff).toFixed(2)}×); ` +
        `emit µs/message gate ${x.emitOn.toFixed(2)} / off ${x.emitOff.toFixed(2)} (${(x.emitOn / x.emitOff).toFixed(2)}×)`,
    );
  }
  console.log(`load average ${require('node:os').loadavg().map((v) => v.toFixed(1)).join(' ')}`);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
