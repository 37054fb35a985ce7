'use strict';
// The systems under test. A system is a server module (bench/systems/<x>.server.js, run in its
// own process by lib/server-host.js) plus a client module used by the driver.
//
// Server module: `module.exports = async function start(options) ->
//   { port, tcpPort?, connections(): number, stop(): Promise<void> }` implementing the app:
//   confirmed room join, publish to a room (every member gets the payload), echo request.
// Client module: `{ connect(endpoint {port, tcpPort, localAddress?}, { onMsg(seq), onClose() }) -> Promise<Conn> }` with
//   Conn = { join(room): Promise, publish(room, payload): void, echo(payload): Promise<payload>,
//            pause(), resume(), close(): Promise, destroy() }.
// To add a system: write both modules and add an entry below.

const path = require('node:path');

const SYSTEMS = {
  ws: { label: 'ws', server: 'ws.server.js', client: 'json-ws.client.js', options: {} },
  uws: { label: 'uWebSockets.js', server: 'uws.server.js', client: 'json-ws.client.js', options: {} },
  socketio: { label: 'socket.io', server: 'socketio.server.js', client: 'socketio.client.js', options: {} },
  stelar: { label: 'Stelar (WS)', server: 'stelar.server.js', client: 'stelar-ws.client.js', options: {} },
  'stelar-tcp': {
    label: 'Stelar (TCP)',
    server: 'stelar.server.js',
    client: 'stelar-tcp.client.js',
    options: { tcp: true },
  },
  // Stelar with `metrics: true` and a scrape every second (docs/OPERATIONS.md, "Cost"): run
  // beside the plain ones, e.g. --systems stelar,stelar-metrics --scenarios fanout,echo, and
  // read the same-round ratio. Never run unless named (or STELAR_BENCH_METRICS=1, which turns
  // metrics on for the plain Stelar systems too).
  'stelar-metrics': {
    label: 'Stelar (WS, metrics on)',
    server: 'stelar.server.js',
    client: 'stelar-ws.client.js',
    options: { metrics: true },
    hidden: true,
  },
  'stelar-tcp-metrics': {
    label: 'Stelar (TCP, metrics on)',
    server: 'stelar.server.js',
    client: 'stelar-tcp.client.js',
    options: { tcp: true, metrics: true },
    hidden: true,
  },
  // Stelar with Node's http server reading the request heads (`httpParser: 'node'`, the path
  // before the own-port listener): run beside `stelar` for the same-round cost of Node's http
  // upgrade path (docs/PERFORMANCE.md, "Own the socket"). Never run unless named.
  'stelar-node-http': {
    label: 'Stelar (WS, Node http parser)',
    server: 'stelar.server.js',
    client: 'stelar-ws.client.js',
    options: { httpParser: 'node' },
    hidden: true,
  },
  // Stelar with `recovery: true` (docs/API.md, "Session recovery"), its clients holding a
  // session (they send the `x-stelar-session` offer), so every room send is recorded in the
  // room's history and delivered with its stream position: run beside the plain ones, e.g.
  // --systems stelar,stelar-recovery,stelar-tcp,stelar-tcp-recovery --scenarios fanout,echo,
  // and read the same-round ratio (docs/PERFORMANCE.md, "Session recovery cost").
  'stelar-recovery': {
    label: 'Stelar (WS, recovery on)',
    server: 'stelar.server.js',
    client: 'stelar-ws.client.js',
    options: { recovery: true },
    clientOptions: { session: true },
    hidden: true,
  },
  'stelar-tcp-recovery': {
    label: 'Stelar (TCP, recovery on)',
    server: 'stelar.server.js',
    client: 'stelar-tcp.client.js',
    options: { tcp: true, recovery: true },
    clientOptions: { session: true },
    hidden: true,
  },
  // The floor (issue #17, floor.server.js): the least a Node WebSocket server can do running the
  // same app (node:net, fixed 101, minimal frame parse, no validation or limits). Run beside the
  // others, e.g. --systems floor,ws,uws,stelar, and read the same-round ratios: stelar ÷ floor is
  // Stelar's own cost, floor ÷ uws Node's (docs/PERFORMANCE.md, "Floors"). `floor-http` reads the
  // upgrade with Node's http parser. Never run unless named.
  floor: { label: 'floor (bare Node WS)', server: 'floor.server.js', client: 'json-ws.client.js', options: {}, hidden: true },
  'floor-http': {
    label: 'floor (bare Node WS, http upgrade)',
    server: 'floor.server.js',
    client: 'json-ws.client.js',
    options: { http: true },
    hidden: true,
  },
  // Protocol stand-ins used only to self-test the Stelar clients; never run unless named.
  'fake-stelar': {
    label: 'fake Stelar (WS)',
    server: '../selftest/fake-stelar.server.js',
    client: 'stelar-ws.client.js',
    options: {},
    hidden: true,
  },
  'fake-stelar-tcp': {
    label: 'fake Stelar (TCP)',
    server: '../selftest/fake-stelar.server.js',
    client: 'stelar-tcp.client.js',
    options: { tcp: true },
    hidden: true,
  },
  // Deliberately broken servers for the scale bench's self-test (bench/selftest/scale.selftest.js).
  'faulty-lossy': {
    label: 'faulty (loses messages)',
    server: '../selftest/faulty.server.js',
    client: 'json-ws.client.js',
    options: { fault: 'lossy' },
    hidden: true,
  },
  'faulty-freeze': {
    label: 'faulty (freezes)',
    server: '../selftest/faulty.server.js',
    client: 'json-ws.client.js',
    options: { fault: 'freeze' },
    hidden: true,
  },
};

/** Systems run when --systems is not given. */
const DEFAULT_SYSTEMS = Object.keys(SYSTEMS).filter((k) => !SYSTEMS[k].hidden);

/** Resolved descriptor of a system: { name, label, serverPath, client, options }. */
function getSystem(name) {
  const s = SYSTEMS[name];
  if (!s) throw new Error(`unknown system "${name}" (known: ${Object.keys(SYSTEMS).join(', ')})`);
  const client = require(path.join(__dirname, s.client));
  const extra = s.clientOptions;
  return {
    name,
    label: s.label,
    serverPath: path.join(__dirname, s.server),
    // `clientOptions` ride on the endpoint every connect() gets (e.g. { session: true }).
    client: extra === undefined ? client : { ...client, connect: (endpoint, handlers) => client.connect({ ...endpoint, ...extra }, handlers) },
    options: s.options,
  };
}

module.exports = { SYSTEMS, DEFAULT_SYSTEMS, getSystem };
