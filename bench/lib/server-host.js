'use strict';
// Child-process entry for one system's server. Started by server-process.js with
// `--expose-gc`; loads bench/systems/<module>.server.js, starts it, and answers IPC requests
// from the driver: its own CPU time, memory after a forced GC, its live connection count, and
// a heap snapshot on demand (bench/heap-per-connection.js).
//
// argv: <server module path> <JSON options>

const path = require('node:path');

const modPath = path.resolve(process.argv[2]);
const options = JSON.parse(process.argv[3] || '{}');
let server = null;

function memory(gc) {
  if (gc) {
    if (typeof global.gc !== 'function') throw new Error('server not started with --expose-gc');
    // Two passes: the first may only schedule finalisation of weakly-held objects.
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

async function handle(msg) {
  switch (msg.cmd) {
    case 'cpu':
      return process.cpuUsage();
    case 'mem':
      return memory(msg.gc !== false);
    case 'conns':
      return server.connections();
    case 'heapsnapshot':
      // After the same two GC passes as 'mem', so only live objects are in the snapshot.
      memory(true);
      return require('node:v8').writeHeapSnapshot(msg.file);
    case 'stop':
      await server.stop();
      return true;
    case 'exit':
      // A normal exit (not SIGKILL) so --cpu-prof can write its profile.
      setImmediate(() => process.exit(0));
      return true;
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

process.on('message', (msg) => {
  handle(msg).then(
    (value) => process.send({ id: msg.id, value }),
    (err) => process.send({ id: msg.id, error: String((err && err.stack) || err) }),
  );
});
// The driver going away must never leave an orphan server behind.
process.on('disconnect', () => process.exit(0));

(async () => {
  try {
    const start = require(modPath);
    server = await start(options);
    process.send({ ready: true, port: server.port, tcpPort: server.tcpPort });
  } catch (err) {
    process.send({ ready: false, error: String((err && err.stack) || err) });
    setTimeout(() => process.exit(1), 50);
  }
})();
