'use strict';
// The HTTP upgrade path of a real StelarServer on a port it owns (no `server` option, httpParser
// 'stelar'): raw request bytes (and whatever frames follow them) go through the own-port
// listener's HttpRequestHeadParser into the RFC 6455 handshake checks, extension negotiation,
// screening and, when accepted, the WebSocket connection; plain requests to the built-in routes
// (/health, /metrics) and their minimal responses. Each input runs on an in-memory socket handed
// to the listener's net.Server and closed afterwards. Invariants: no exception; the answer is a
// 101 with a correct Sec-WebSocket-Accept or a complete HTTP response with a documented status
// and `Connection: close`; every socket is closed and the server holds no connection afterwards,
// nor the listener a deadline (the body shared with http-upgrade: ../lib/upgrade-target.js).
const { dist, check } = require('../lib/invariants');
const { UPGRADE_SERVER_OPTIONS, upgradeTarget } = require('../lib/upgrade-target');

const { StelarServer } = dist('index.js');
const { TOKENS } = dist('ports/index.js');

const stelar = new StelarServer({ ...UPGRADE_SERVER_OPTIONS, port: 0 });
let listener = null;
const ready = stelar.start().then(() => {
  const ws = stelar.container.getAll(TOKENS.Transport).find((t) => t.protocol === 'ws');
  listener = ws.httpServer();
  check(listener !== null && typeof listener.pendingCount === 'number', 'the WebSocket transport is not on the own-port listener');
});

module.exports = upgradeTarget({
  stelar,
  ready,
  statuses: new Set([101, 200, 204, 400, 403, 404, 405, 413, 414, 426, 429, 431, 500, 503, 505]),
  connectionClose: true,
  accept: (socket) => listener.server.emit('connection', socket),
  afterEach: () => check(listener.pendingCount === 0, () => `the listener still times ${listener.pendingCount} socket(s) after they closed`),
});
