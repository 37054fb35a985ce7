#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): Node's own floor for each unit of work that `npm run bench`
// measures — the server CPU that a bare Node server doing the least possible work spends per
// open+close, per fanout delivery, per echo request, and the memory it holds per idle
// connection. Any server built on `net.Socket` (Stelar, ws) pays at least this; uWebSockets.js
// does not (its sockets are native). Same method as bench/lib/server-host.js: each server runs in
// a forked child (--expose-gc), the parent drives load on 127.0.0.1 and asks the child over IPC
// for process.cpuUsage() right before and right after each measured phase. Run:
//   node bench/micro/node-floor.bench.js [--only a,b,…] [--rounds 3] [--strace DIR | --perf DIR]
//        [--connections 5000] [--subscribers 1000] [--messages 2000] [--clients 100]
//        [--requests 500] [--idle 10000]
// measurements (default: all):
//   connect-net       net.Server accepts; the client connects then ends, the server ends back
//   connect-net-hello as connect-net plus one small message each way (client hello, server
//                     answer) and a small goodbye with the client's end: Stelar-TCP's minimal lifecycle
//   connect-ws        http.Server 'upgrade' → fixed 101 with the real Sec-WebSocket-Accept (sha1);
//                     the client (a raw socket) sends the upgrade, waits for the 101, then ends
//   connect-ws-close  as connect-ws plus the WebSocket close handshake (client close frame,
//                     server close frame + end), i.e. the minimal lifecycle the bench's ws clients run
//   fanout-1|4|16     N sockets; per event-loop turn the server writes to each socket one buffer of
//                     k WebSocket frames of a 64 B message (66 B each); window of 32 messages.
//                     Any fanout-<k> may be named in --only (e.g. fanout-12)
//   fanout-handle     as fanout-1 but through the socket's native handle (no Writable stream):
//                     what the stream layer costs per write (internal API, for evidence only)
//   echo              C clients × R sequential 64 B request/response; one write per 'data'
//   idle-net|idle-ws  RSS/heap per idle connection: net.Server, and sockets kept after the 101
// --strace DIR attaches `strace -c -f` to the server child during each measured phase and reports
// syscalls per unit (its CPU and timing figures are then meaningless: use it for counts only);
// --perf DIR counts the same with `perf stat` syscall tracepoints, which barely slows the server.
// Connect and fanout sizes default to the bench's scenarios (5,000 conns 50 at a time after 200
// warm-up; 1,000 subscribers, 2,000 messages after 100 warm-up; 100 × 500 echo; 10,000 idle).
const { fork, spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { ensureFdLimit } = require('../lib/fd-limit');
const { runPool, sleep, withTimeout } = require('../lib/pool');
const { median } = require('../lib/stats');

const HOST = '127.0.0.1';
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const noop = () => {};
const acceptKey = (key) => crypto.hash('sha1', key + GUID, 'base64');
// A server-to-client WebSocket text frame of a 64 B message: FIN+text, length 64, payload.
const FRAME = Buffer.concat([Buffer.from([0x81, 64]), Buffer.from('#00000000'.padEnd(64, 'x'))]);
const CLOSE_1000 = Buffer.from([0x88, 0x02, 0x03, 0xe8]); // server close frame, code 1000
const WELCOME = Buffer.from([0, 0, 0, 5, 6, 0, 2, 0x69, 0x64]); // a Stelar-TCP-sized answer
const HELLO = Buffer.from('\0\0\0\x0a\x06\0\0{"v":1}', 'latin1');
const MASKED_CLOSE = Buffer.from([0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xe8 ^ 2]); // client's

// ---------------------------------------------------------------- server (child process) ----
if (process.argv[2] === '--server') {
  const kind = process.argv[3];
  const socks = [];
  let server;
  if (kind === 'connect-ws' || kind === 'connect-ws-close' || kind === 'idle-ws') {
    server = http.createServer(); // noDelay is on by default for http servers
    server.on('upgrade', (req, socket) => {
      socket.on('error', noop);
      socket.on('end', () => socket.end()); // http sockets allow half-open: end our side
      const accept = acceptKey(req.headers['sec-websocket-key']);
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      if (kind === 'connect-ws-close') socket.on('data', () => socket.end(CLOSE_1000));
      else socket.on('data', noop);
      if (kind === 'idle-ws') socks.push(socket);
    });
  } else {
    server = net.createServer({ noDelay: true }, (socket) => {
      socket.on('error', noop);
      if (kind === 'echo') socket.on('data', (d) => socket.write(d));
      else if (kind === 'connect-net-hello') socket.once('data', () => { socket.write(WELCOME); socket.on('data', noop); });
      else if (kind !== 'connect-net') socket.on('data', noop); // connect-net: auto-end on 'end'
      if (kind.startsWith('fanout') || kind === 'idle-net') socks.push(socket);
    });
  }
  // fanout-handle: write through the native handle, as Node's writeGeneric does minus the stream.
  let handleWrite = null;
  if (kind === 'fanout-handle') {
    const { WriteWrap, streamBaseState, kLastWriteWasAsync } = process.binding('stream_wrap');
    let pending = 0; // asynchronous (kernel buffer full) writes; the buffers are shared and live
    handleWrite = (socket, buf) => {
      const req = new WriteWrap();
      req.handle = socket._handle;
      req.oncomplete = () => pending--;
      req.async = false;
      if (socket._handle.writeBuffer(req, buf) !== 0) throw new Error('writeBuffer failed');
      if (streamBaseState[kLastWriteWasAsync]) pending++;
      return true;
    };
  }
  server.listen(0, HOST, () => process.send({ port: server.address().port }));
  const frames = {};
  const burst = ({ turns, k }) =>
    new Promise((resolve) => {
      const buf = (frames[k] ||= Buffer.concat(Array(k).fill(FRAME)));
      let full = 0;
      const turn = () => {
        if (handleWrite) for (let i = 0; i < socks.length; i++) handleWrite(socks[i], buf);
        else for (let i = 0; i < socks.length; i++) if (!socks[i].write(buf)) full++;
        if (--turns > 0) setImmediate(turn);
        else resolve(full);
      };
      setImmediate(turn);
    });
  const handle = async (m) => {
    switch (m.cmd) {
      case 'cpu':
        return process.cpuUsage();
      case 'mem':
        global.gc();
        global.gc();
        return process.memoryUsage();
      case 'conns':
        return new Promise((r) => server.getConnections((e, n) => r(n)));
      case 'burst':
        return burst(m);
      case 'exit':
        setImmediate(() => process.exit(0));
        return true;
    }
    throw new Error(`unknown command ${m.cmd}`);
  };
  process.on('message', (m) => handle(m).then((value) => process.send({ id: m.id, value })));
  process.on('disconnect', () => process.exit(0));
  return;
}

// ------------------------------------------------------------------------ driver (parent) ----
function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const num = (name, fallback) => Number(arg(name, fallback));
const P = {
  connections: num('connections', 5000), connWarmup: 200, concurrency: 50,
  subscribers: num('subscribers', 1000), messages: num('messages', 2000), fanWarmup: 100, window: 32,
  clients: num('clients', 100), requests: num('requests', 500), echoWarmup: 20,
  idle: num('idle', 10000),
};
// --strace DIR or --perf DIR: count the server's syscalls in each measured phase (see top).
const TRACE = arg('strace', null) ? { tool: 'strace', dir: arg('strace') } : arg('perf', null) ? { tool: 'perf', dir: arg('perf') } : null;

async function startServer(kind) {
  const child = fork(__filename, ['--server', kind], { stdio: 'inherit', execArgv: ['--expose-gc', '--no-deprecation'] });
  const { port } = await withTimeout(new Promise((r) => child.once('message', r)), 10000, `${kind} start`);
  let nextId = 0;
  const waiting = new Map();
  child.on('message', (m) => waiting.get(m.id)?.(m.value));
  const call = (cmd, extra) =>
    withTimeout(new Promise((r) => {
      const id = ++nextId;
      waiting.set(id, (v) => (waiting.delete(id), r(v)));
      child.send({ id, cmd, ...extra });
    }), 120000, `${kind} ${cmd}`);
  const waitConns = async (n) => {
    for (let i = 0; i < 3000; i++) {
      if ((await call('conns')) === n) return;
      await sleep(10);
    }
    throw new Error(`${kind}: server never reached ${n} connections`);
  };
  return { child, port, call, waitConns, stop: () => call('exit') };
}

/** Syscall counts of the server during `fn`: strace -c -f (slow) or perf stat tracepoints. */
const SC = ['write', 'writev', 'sendto', 'sendmsg', 'read', 'readv', 'recvfrom', 'epoll_pwait', 'epoll_wait', 'epoll_ctl', 'accept4', 'shutdown', 'close'];
async function withSyscalls(pid, label, fn) {
  if (!TRACE) return [await fn(), null];
  fs.mkdirSync(TRACE.dir, { recursive: true });
  const file = path.join(TRACE.dir, `${label}.${TRACE.tool}.txt`);
  const argv = TRACE.tool === 'strace' ? ['-c', '-f', '-p', String(pid), '-o', file]
    : ['stat', '-x,', '-o', file, '-p', String(pid), '-e', SC.map((c) => `syscalls:sys_enter_${c}`).join(',')];
  const st = spawn(TRACE.tool, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (TRACE.tool === 'strace') await withTimeout(new Promise((r) => st.stderr.on('data', (d) => /attached/.test(d) && r())), 10000, 'strace attach');
  await sleep(300);
  const value = await fn();
  const exited = new Promise((r) => st.once('exit', r));
  st.kill('SIGINT');
  await withTimeout(exited, 10000, `${TRACE.tool} exit`);
  const calls = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = line.trim().match(/^[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/) || line.match(/^(\d+),[^,]*,syscalls:sys_enter_(\w+),/);
    if (m && m[2] !== 'total' && +m[1] > 0) calls[m[2]] = Number(m[1]);
  }
  return [value, calls];
}

/** Server CPU (user, system, total) in µs per unit over `fn`, plus strace counts per unit. */
async function measure(srv, label, units, fn) {
  const c0 = await srv.call('cpu');
  const [extra, calls] = await withSyscalls(srv.child.pid, label, fn);
  const c1 = await srv.call('cpu');
  const user = (c1.user - c0.user) / units;
  const sys = (c1.system - c0.system) / units;
  const out = { user, sys, total: user + sys, ...extra };
  if (calls) for (const [k, v] of Object.entries(calls)) out[`sc:${k}`] = v / units;
  return out;
}

// --- connect: one open + graceful close per cycle ---------------------------------------------
function cycle(port, kind) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port, noDelay: true });
    s.on('error', reject);
    s.on('close', () => (upgraded || kind === 'connect-net' ? resolve() : reject(new Error('closed before 101'))));
    let upgraded = false;
    if (kind === 'connect-net') return s.on('connect', () => s.end());
    if (kind === 'connect-net-hello') {
      s.on('connect', () => s.write(HELLO));
      return s.once('data', () => ((upgraded = true), s.end(HELLO)));
    }
    const key = crypto.randomBytes(16).toString('base64');
    s.on('connect', () =>
      s.write(`GET / HTTP/1.1\r\nHost: ${HOST}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`),
    );
    let head = '';
    s.on('data', (d) => {
      if (upgraded) return;
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      if (!head.startsWith('HTTP/1.1 101') || !head.includes(acceptKey(key))) return reject(new Error(`bad 101: ${head}`));
      upgraded = true;
      if (kind === 'connect-ws-close') s.write(MASKED_CLOSE); // the server answers and ends
      else s.end();
    });
  });
}

async function connect(srv, kind) {
  const run = (n) => runPool(n, P.concurrency, () => withTimeout(cycle(srv.port, kind), 30000, kind));
  await run(P.connWarmup);
  await srv.waitConns(0);
  return measure(srv, kind, P.connections, async () => {
    await run(P.connections);
    await srv.waitConns(0);
  });
}

// --- fanout: N readers count bytes; the server writes bursts of `window` messages --------------
async function fanout(srv, kind) {
  const k = kind === 'fanout-handle' ? 1 : Number(kind.split('-')[1]);
  const N = P.subscribers;
  let received = 0; // bytes, all clients
  let target = 0;
  let wake = noop;
  const socks = [];
  await runPool(N, 50, () => new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port: srv.port }, () => resolve());
    s.on('data', (d) => {
      received += d.length;
      if (received >= target) wake();
    });
    s.on('error', reject);
    socks.push(s);
  }));
  await srv.waitConns(N);
  let full = 0;
  const send = async (messages) => {
    for (let done = 0; done < messages; ) {
      const m = Math.min(P.window, messages - done);
      const turns = Math.ceil(m / k); // one write of k frames per socket per turn
      target += N * turns * k * FRAME.length;
      const arrived = new Promise((r) => (wake = r));
      full += await srv.call('burst', { turns, k });
      if (received < target) await withTimeout(arrived, 30000, `${kind} burst`);
      if (received !== target) throw new Error(`${kind}: ${received} bytes received, ${target} expected`);
      done += turns * k;
    }
  };
  await send(P.fanWarmup);
  const messages = Math.ceil(P.messages / P.window) * P.window;
  const r = await measure(srv, kind, N * messages, async () => {
    await send(messages);
    return { perWrite: k };
  });
  for (const s of socks) s.destroy();
  return { ...r, full };
}

// --- echo: C clients × R sequential 64 B request/response -----------------------------------------
async function echo(srv) {
  const req = Buffer.alloc(64, 'e');
  const clients = [];
  await runPool(P.clients, 50, () => new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port: srv.port, noDelay: true }, () => resolve());
    s.on('error', reject);
    clients.push(s);
  }));
  const run = (n) => Promise.all(clients.map((s) => withTimeout(new Promise((resolve) => {
    let left = n;
    let got = 0;
    s.removeAllListeners('data');
    s.on('data', (d) => {
      got += d.length;
      if (got < req.length) return;
      if (got > req.length) throw new Error('echo: more bytes than sent');
      got = 0;
      if (--left === 0) resolve();
      else s.write(req);
    });
    s.write(req);
  }), 120000, 'echo')));
  await run(P.echoWarmup);
  const r = await measure(srv, 'echo', P.clients * P.requests, async () => void (await run(P.requests)));
  for (const s of clients) s.destroy();
  return r;
}

// --- idle: memory per held connection (after two forced GCs), as the bench's idle scenario ----------
async function idle(srv, kind) {
  const open = () => new Promise((resolve, reject) => {
    const s = net.connect({ host: HOST, port: srv.port }, () => {
      if (kind === 'idle-net') return resolve(s);
      s.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      s.once('data', () => resolve(s)); // the 101
    });
    s.on('error', reject);
  });
  const warm = await runPool(100, 50, open);
  for (const s of warm) s.destroy();
  await srv.waitConns(0);
  await sleep(300);
  const m0 = await srv.call('mem');
  const held = await runPool(P.idle, 100, open);
  await srv.waitConns(P.idle);
  await sleep(1000);
  const m1 = await srv.call('mem');
  for (const s of held) s.destroy();
  const kb = (f) => (m1[f] - m0[f]) / P.idle / 1024;
  return { total: kb('rss'), heap: kb('heapUsed'), external: kb('external') };
}

const MEASUREMENTS = {
  'connect-net': ['µs CPU per open+close', connect],
  'connect-net-hello': ['µs CPU per open+close', connect],
  'connect-ws': ['µs CPU per open+close', connect],
  'connect-ws-close': ['µs CPU per open+close', connect],
  'fanout-1': ['µs CPU per delivery', fanout],
  'fanout-4': ['µs CPU per delivery', fanout],
  'fanout-16': ['µs CPU per delivery', fanout],
  'fanout-handle': ['µs CPU per delivery', fanout],
  echo: ['µs CPU per request', echo],
  'idle-net': ['KB RSS per connection', idle],
  'idle-ws': ['KB RSS per connection', idle],
};

(async () => {
  const only = arg('only', Object.keys(MEASUREMENTS).join(',')).split(',');
  for (const m of only) if (/^fanout-\d+$/.test(m)) MEASUREMENTS[m] ||= MEASUREMENTS['fanout-1']; // any k
  for (const m of only) if (!MEASUREMENTS[m]) throw new Error(`unknown measurement ${m}`);
  if (only.some((m) => m.startsWith('idle'))) ensureFdLimit(P.idle + 2000, (s) => console.error(s));
  const rounds = num('rounds', 3);
  const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`node ${process.version}, ${rounds} round(s), load average ${load()}${TRACE ? `, syscalls counted with ${TRACE.tool}` : ''}`);
  const results = Object.fromEntries(only.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of only) { // interleaved, so background load hits every measurement alike
      const srv = await startServer(name);
      try {
        results[name].push(await MEASUREMENTS[name][1](srv, name));
      } finally {
        await srv.stop().catch(noop);
      }
      const x = results[name][r];
      const extra = Object.entries(x).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${+v.toFixed(3)}`).join(', ');
      console.log(`  round ${r + 1} ${name.padEnd(16)} ${x.total.toFixed(3)} (${extra})`);
    }
  }
  console.log(`\nmedians over ${rounds} round(s) [min – max]; load average now ${load()}`);
  console.log('| measurement | unit | median | min – max | user / system (median) |');
  console.log('|---|---|---:|---:|---:|');
  for (const name of only) {
    const rs = results[name];
    const tot = rs.map((x) => x.total);
    const f = (v) => (v >= 100 ? v.toFixed(1) : v.toFixed(3));
    const us = rs[0].user === undefined ? `heap ${f(median(rs.map((x) => x.heap)))} KB` : `${f(median(rs.map((x) => x.user)))} / ${f(median(rs.map((x) => x.sys)))}`;
    console.log(`| ${name} | ${MEASUREMENTS[name][0]} | ${f(median(tot))} | ${f(Math.min(...tot))} – ${f(Math.max(...tot))} | ${us} |`);
    const sc = Object.keys(rs[0]).filter((k) => k.startsWith('sc:'));
    if (sc.length) {
      const top = sc.map((k) => [k.slice(3), median(rs.map((x) => x[k] || 0))]).sort((a, b) => b[1] - a[1]).slice(0, 8);
      console.log(`|   syscalls per unit | | ${top.map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')} | | |`);
    }
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
