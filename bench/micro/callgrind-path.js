#!/usr/bin/env node
'use strict';
// Instruction counts of Stelar's server per delivery and per request (not a test). Wall-clock
// and CPU-time benches are noisy on a loaded machine; `valgrind --tool=callgrind` counts the
// instructions the server process executes, which do not depend on the load. The server (the
// bench app of bench/systems/stelar.server.js, from a built dist/) runs under callgrind; this
// process drives it over raw TCP sockets (not instrumented). After the clients are connected
// and joined and a warm-up phase has let V8 optimise, the counters are zeroed
// (callgrind_control -z) and each phase is dumped on its own (callgrind_control -d):
//   fanout   M messages to the N members of a room, in a window of 32 (batched turns)
//   lowrate  M messages to the N members, one at a time (every message its own turn: the
//            publisher waits until every subscriber has the previous one)
//   echo     C clients × R ACK requests answered by the server, one outstanding per client
// A full GC (--expose-gc) runs before the warm-up; V8's compiler and its GC still show in the
// counts when they run inside a phase: callgrind-self.py lists them as layers of their own.
// Usage (after `npm run build`; needs valgrind):
//   node bench/micro/callgrind-path.js [--dist DIR] [--out DIR] [--subscribers 200]
//        [--messages 200] [--clients 20] [--requests 100] [--phases fanout,lowrate,echo]
//        [--perf-map (node --perf-basic-prof: JIT code named for callgrind-self.py)]
//        [--builder (the fanout handler uses the broadcast builder, server.to(room).emit)]
// Prints one JSON line per phase: Ir total and Ir per delivery / request. Dumps stay in --out
// for `callgrind_annotate`.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

if (process.argv[2] === '--server') {
  // Runs under valgrind: the bench app, listening on 127.0.0.1, ports written to a file.
  const dist = process.argv[3];
  const portFile = process.argv[4];
  const { StelarServer } = require(path.join(dist, 'src/index.js'));
  const server = new StelarServer({
    port: 0,
    tcpPort: 0,
    rateLimit: false,
    maxConnectionsPerIP: 1e6,
    maxConnections: 1e6,
    gracefulShutdown: false,
    logger: false,
    heartbeatInterval: 3_600_000,
  });
  if (process.argv[5] === 'builder') server.on('pub', (ctx) => server.to(ctx.data.room).emit('msg', ctx.data.d));
  else server.on('pub', (ctx) => server.to(ctx.data.room, 'msg', ctx.data.d));
  server.onAck('echo', (ctx) => ctx.data);
  server.on('quit', () => process.exit(0));
  // A full collection on request (node --expose-gc), answered with an event once done.
  server.on('gc', (ctx) => {
    global.gc();
    ctx.emit('gcdone', {});
  });
  server.start().then((port) => fs.writeFileSync(portFile, JSON.stringify({ port, tcpPort: server.getTcpPort() })));
  return;
}

const T_EVENT = 0;
const T_ACK_REQ = 4;
const T_ACK_RES = 5;
const T_CONNECT = 6;
const T_JOIN = 8;

function frame(type, event, payload) {
  const ev = Buffer.from(event, 'utf8');
  const body = Buffer.from(payload, 'utf8');
  const buf = Buffer.allocUnsafe(7 + ev.length + body.length);
  buf.writeUInt32BE(3 + ev.length + body.length, 0);
  buf[4] = type;
  buf.writeUInt16BE(ev.length, 5);
  ev.copy(buf, 7);
  body.copy(buf, 7 + ev.length);
  return buf;
}

/** A raw TCP client: resolves after the server's Connect; calls onFrame(type) for each frame. */
function client(tcpPort, onFrame) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: tcpPort, noDelay: true });
    let buffered = null;
    let ready = false;
    s.on('data', (chunk) => {
      const buf = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      let off = 0;
      while (buf.length - off >= 5) {
        const total = buf.readUInt32BE(off);
        if (buf.length - off < 4 + total) break;
        const type = buf[off + 4];
        if (type === T_CONNECT && !ready) (ready = true), resolve(s);
        else onFrame(type);
        off += 4 + total;
      }
      buffered = off < buf.length ? buf.subarray(off) : null;
    });
    s.on('error', reject);
    s.once('connect', () => s.write(frame(T_CONNECT, '', '{"v":1}')));
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond, what, ms = 600_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function main() {
  const dist = path.resolve(arg('dist', path.join(__dirname, '../../dist')));
  const out = path.resolve(arg('out', fs.mkdtempSync('/tmp/stelar-callgrind-')));
  const N = Number(arg('subscribers', 200));
  const M = Number(arg('messages', 200));
  const C = Number(arg('clients', 20));
  const R = Number(arg('requests', 100));
  const phases = String(arg('phases', 'fanout,lowrate,echo')).split(',');
  fs.mkdirSync(out, { recursive: true });
  const portFile = path.join(out, 'ports.json');
  fs.rmSync(portFile, { force: true });
  const base = path.join(out, 'callgrind.out');
  // --plain: the server without valgrind (to look at V8's --trace-opt/--trace-deopt output,
  // given with --node-flags "…", in OUT/valgrind.log); nothing is counted.
  const plain = process.argv.includes('--plain');
  const nodeFlags = String(arg('node-flags', '')).split(' ').filter(Boolean);
  const handler = process.argv.includes('--builder') ? ['builder'] : [];
  const vg = spawn(
    plain ? process.execPath : 'valgrind',
    [
      ...(plain ? ['--single-threaded', '--expose-gc', ...nodeFlags, __filename, '--server', dist, portFile, ...handler] : []),
    ].concat(plain ? [] : [
      '--tool=callgrind',
      `--callgrind-out-file=${base}`,
      process.execPath,
      '--single-threaded',
      '--expose-gc',
      // Names V8's generated code in /tmp/perf-<pid>.map, for callgrind-self.py.
      ...(process.argv.includes('--perf-map') ? ['--perf-basic-prof'] : []),
      __filename,
      '--server',
      dist,
      portFile,
      ...handler,
    ]),
    { stdio: ['ignore', plain ? fs.openSync(path.join(out, 'trace.log'), 'w') : 'ignore', fs.openSync(path.join(out, 'valgrind.log'), 'w')] },
  );
  await waitFor(() => fs.existsSync(portFile) && fs.statSync(portFile).size > 0, 'the server');
  const { tcpPort } = JSON.parse(fs.readFileSync(portFile, 'utf8'));

  let deliveries = 0;
  let answers = 0;
  let joins = 0;
  const onSub = (t) => {
    if (t === T_EVENT) deliveries++;
    else if (t === T_JOIN) joins++;
  };
  const subs = [];
  for (let i = 0; i < N; i++) subs.push(await client(tcpPort, onSub));
  for (const s of subs) s.write(frame(T_JOIN, 'room', '{"id":1}'));
  await waitFor(() => joins === N, 'the joins');
  let gcs = 0;
  const pub = await client(tcpPort, (t) => t === T_EVENT && gcs++);
  const echoers = [];
  for (let i = 0; i < C; i++) echoers.push(await client(tcpPort, (t) => t === T_ACK_RES && answers++));
  const msg = frame(T_EVENT, 'pub', JSON.stringify({ room: 'room', d: { seq: 1, p: 'x'.repeat(48) } }));
  const req = frame(T_ACK_REQ, 'echo', JSON.stringify({ id: 1, ack: 'echo', data: { p: 'x'.repeat(48) } }));

  const windowed = async (count, win) => {
    const target = deliveries + count * N;
    let sent = 0;
    const startAt = deliveries;
    while (sent < count) {
      while (sent < count && sent - Math.floor((deliveries - startAt) / N) < win) {
        pub.write(msg);
        sent++;
      }
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => deliveries >= target, 'the deliveries');
  };
  const oneByOne = async (count) => {
    for (let i = 0; i < count; i++) {
      const target = deliveries + N;
      pub.write(msg);
      while (deliveries < target) await new Promise((r) => setImmediate(r));
    }
  };
  // One request in flight per client.
  const echoStrict = async (count) => {
    await Promise.all(
      echoers.map(
        (s) =>
          new Promise((resolve) => {
            let left = count;
            s.removeAllListeners('data');
            let buffered = null;
            s.on('data', (chunk) => {
              const buf = buffered ? Buffer.concat([buffered, chunk]) : chunk;
              let off = 0;
              while (buf.length - off >= 5) {
                const total = buf.readUInt32BE(off);
                if (buf.length - off < 4 + total) break;
                if (buf[off + 4] === T_ACK_RES) {
                  if (--left === 0) resolve();
                  else s.write(req);
                }
                off += 4 + total;
              }
              buffered = off < buf.length ? buf.subarray(off) : null;
            });
            s.write(req);
          }),
      ),
    );
  };

  const control = (...a) => plain ? '' : execFileSync('callgrind_control', [...a, String(vg.pid)], { stdio: 'pipe', timeout: 600_000 }).toString();
  // A full collection after the connects (what setting up left), then the warm-up: V8
  // optimises the paths before anything is counted. (A gc() right before a phase would make
  // V8 recompile inside it.)
  pub.write(frame(T_EVENT, 'gc', '{}'));
  await waitFor(() => gcs > 0, 'the gc');
  await windowed(Math.max(300, M), 32);
  await oneByOne(Math.max(100, M));
  await echoStrict(Math.max(300, R));
  const results = [];
  control('-z');
  for (const phase of phases) {
    if (phase === 'fanout') await windowed(M, 32);
    else if (phase === 'lowrate') await oneByOne(M);
    else if (phase === 'echo') await echoStrict(R);
    else throw new Error(`unknown phase ${phase}`);
    control('-d', phase);
    const units = phase === 'echo' ? C * R : N * M;
    results.push({ phase, units, unit: phase === 'echo' ? 'request' : 'delivery' });
  }
  pub.write(frame(T_EVENT, 'quit', '{}'));
  await new Promise((r) => vg.once('exit', r));
  // callgrind_control -d writes base.<n>[-<thread>]; the n-th dump is the n-th phase.
  const dumps = fs.readdirSync(out).filter((f) => /^callgrind\.out\.\d+/.test(f));
  const dumpOf = (n) => dumps.filter((f) => f.startsWith(`callgrind.out.${n}`)).map((f) => path.join(out, f));
  for (let i = 0; i < results.length; i++) {
    let ir = 0;
    for (const f of dumpOf(i + 1)) {
      // totals: the sum of the dump's cost lines (what callgrind-self.py attributes).
      const m = /^totals:\s+(\d+)/m.exec(fs.readFileSync(f, 'utf8'));
      if (m) ir += Number(m[1]);
    }
    const r = results[i];
    r.ir = ir;
    r.irPerUnit = Math.round(ir / r.units);
    r.files = dumpOf(i + 1);
    console.log(JSON.stringify({ dist, ...r }));
  }
  for (const s of [...subs, pub, ...echoers]) s.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
