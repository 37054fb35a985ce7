#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): server CPU of Stelar's TcpServerTransport alone (no domain), on
// the two hot paths: fanout (one frame written to every subscriber) and echo (frame in, frame
// out). The server runs in a child process so its own CPU time is measured; the parent drives it
// over raw sockets. Run after `npm run build`:
//   node bench/micro/tcp-transport.bench.js [--scenario fanout|echo|connect] [--rounds 3]
//        [--subscribers 500] [--messages 2000] [--window 32] [--clients 50] [--requests 400]
//        [--conns 3000] [--dist DIR[,DIR2]] [--prof-dir DIR (V8 CPU profiles of the servers)]
// With two --dist directories (each a built dist/ tree) the rounds alternate between them and
// the report gives each one's median: an A/B comparison of two builds in the same conditions.
const { fork } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

if (process.argv[2] === '--server') {
  const dist = process.argv[3];
  const { TcpServerTransport } = require(path.join(dist, 'src/adapters/tcp/tcp-server-transport'));
  const t = new TcpServerTransport({ host: '127.0.0.1', port: 0 });
  const conns = new Set();
  // Connect answer: totalLen 5 | type 6 | eventLen 2 | "id"
  const WELCOME = { payload: Buffer.from([0, 0, 0, 5, 6, 0, 2, 0x69, 0x64]), binary: true, frameCache: undefined };
  const handler = {
    onMessage(conn, body) {
      switch (body[0]) {
        case 6: // the hello
          conn.send(WELCOME);
          break;
        case 0: {
          // An event: broadcast it (fanout) or send it back (echo), framed once.
          const frame = Buffer.allocUnsafe(4 + body.length);
          frame.writeUInt32BE(body.length, 0);
          frame.set(body, 4);
          const out = { payload: frame, binary: true, frameCache: undefined };
          if (body[3] === 0x62 /* 'b' */) for (const c of conns) c.send(out);
          else conn.send(out);
          break;
        }
        case 7: // Disconnect
          conn.close(1000, '');
          break;
      }
    },
    onProtocolError() {},
    onClose(conn) {
      conns.delete(conn);
    },
  };
  t.setAcceptor({
    screen: () => null,
    accept: (c) => {
      conns.add(c);
      c.setHandler(handler);
    },
  });
  t.listen().then((port) => process.send({ port }));
  let mark = process.cpuUsage();
  process.on('message', (m) => {
    if (m === 'mark') mark = process.cpuUsage();
    if (m === 'report') {
      const d = process.cpuUsage(mark);
      process.send({ cpuMs: (d.user + d.system) / 1000, conns: conns.size });
    }
    if (m === 'exit') process.exit(0);
  });
  return;
}

function frame(type, event, payload) {
  const ev = Buffer.from(event);
  const body = Buffer.from(payload);
  const buf = Buffer.allocUnsafe(7 + ev.length + body.length);
  buf.writeUInt32BE(3 + ev.length + body.length, 0);
  buf[4] = type;
  buf.writeUInt16BE(ev.length, 5);
  ev.copy(buf, 7);
  body.copy(buf, 7 + ev.length);
  return buf;
}
const HELLO = frame(6, '', '{"v":1}');
const BYE = frame(7, '', '{"code":1000,"reason":""}');

/** A raw client: counts the Event frames it receives. */
function client(port, onEvent) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
    let buffered = null;
    s.on('data', (chunk) => {
      let buf = buffered ? Buffer.concat([buffered, chunk]) : chunk;
      let off = 0;
      while (buf.length - off >= 4) {
        const total = buf.readUInt32BE(off);
        if (buf.length - off < 4 + total) break;
        const type = buf[off + 4];
        if (type === 6) resolve(s);
        else if (type === 0) onEvent(buf.subarray(off + 4, off + 4 + total));
        off += 4 + total;
      }
      buffered = off < buf.length ? buf.subarray(off) : null;
    });
    s.on('error', reject);
    s.once('connect', () => s.write(HELLO));
  });
}

function request(child, msg) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(msg);
  });
}

async function fanout(port, child) {
  const n = Number(arg('subscribers', 500));
  const messages = Number(arg('messages', 2000));
  const windowSize = Number(arg('window', 32));
  let delivered = 0;
  let completeMsgs = 0;
  const counts = new Map();
  let onProgress = () => {};
  const onEvent = () => {
    delivered++;
    if (delivered % n === 0) {
      completeMsgs++;
      onProgress();
    }
  };
  const subs = [];
  for (let i = 0; i < n; i++) subs.push(await client(port, onEvent));
  const pub = await client(port, () => {});
  const msg = frame(0, 'b', 'x'.repeat(64));
  child.send('mark');
  await new Promise((resolve) => {
    let sent = 0;
    const pump = () => {
      while (sent < messages && sent - completeMsgs < windowSize) {
        pub.write(msg);
        sent++;
      }
      if (completeMsgs >= messages) resolve();
    };
    onProgress = pump;
    pump();
  });
  const { cpuMs } = await request(child, 'report');
  counts.clear();
  for (const s of [...subs, pub]) s.destroy();
  return { unit: 'delivery', units: n * messages, cpuMs };
}

async function echo(port, child) {
  const clients = Number(arg('clients', 50));
  const requests = Number(arg('requests', 400));
  const msg = frame(0, 'e', 'x'.repeat(64));
  const socks = [];
  const waiters = [];
  for (let i = 0; i < clients; i++) {
    const idx = i;
    socks.push(await client(port, () => waiters[idx]()));
  }
  child.send('mark');
  await Promise.all(
    socks.map(
      (s, i) =>
        new Promise((resolve) => {
          let left = requests;
          waiters[i] = () => {
            if (--left === 0) resolve();
            else s.write(msg);
          };
          s.write(msg);
        }),
    ),
  );
  const { cpuMs } = await request(child, 'report');
  for (const s of socks) s.destroy();
  return { unit: 'request', units: clients * requests, cpuMs };
}

async function connect(port, child) {
  const total = Number(arg('conns', 3000));
  child.send('mark');
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const s = await client(port, () => {});
      await new Promise((r) => {
        s.once('close', r);
        s.end(BYE);
      });
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
  // Let the server finish its closes before reading its CPU time.
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const { conns } = await request(child, 'report');
    if (conns === 0) break;
  }
  const { cpuMs } = await request(child, 'report');
  return { unit: 'conn', units: total, cpuMs };
}

async function runOne(dist, scenario) {
  const profDir = arg('prof-dir', null);
  const execArgv = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const child = fork(__filename, ['--server', dist], { stdio: 'inherit', execArgv });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const run = { fanout, echo, connect }[scenario];
  const r = await run(port, child);
  child.send('exit');
  return (r.cpuMs * 1000) / r.units;
}

(async () => {
  const scenario = arg('scenario', 'fanout');
  const rounds = Number(arg('rounds', 3));
  const dists = arg('dist', path.resolve(__dirname, '../../dist'))
    .split(',')
    .map((d) => path.resolve(d));
  const results = dists.map(() => []);
  console.log(`node ${process.version}: TcpServerTransport ${scenario}, server CPU µs per unit`);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < dists.length; k++) {
      const i = (k + r) % dists.length;
      const us = await runOne(dists[i], scenario);
      results[i].push(us);
      console.log(`  round ${r + 1} ${dists[i]}: ${us.toFixed(3)}`);
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (let i = 0; i < dists.length; i++) console.log(`${dists[i]}: median ${median(results[i]).toFixed(3)} µs`);
})();
