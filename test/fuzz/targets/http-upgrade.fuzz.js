'use strict';
// The HTTP upgrade path of a real StelarServer (WebSocket on a user's http.Server,
// permessage-deflate on, origin allow-list, trustProxy): raw request bytes (and whatever frames
// follow them) go through Node's HTTP parser into the upgrade router, the RFC 6455 handshake
// checks, extension negotiation, screening and, when accepted, the WebSocket connection. Each
// input runs on an in-memory socket that is closed afterwards. Invariants: no exception; the
// answer is a 101 with a correct Sec-WebSocket-Accept or a complete HTTP error with a
// documented status; every socket is closed and the server holds no connection afterwards
// (the body shared with own-port-upgrade: ../lib/upgrade-target.js).
const http = require('node:http');
const { dist } = require('../lib/invariants');
const { UPGRADE_SERVER_OPTIONS, upgradeTarget } = require('../lib/upgrade-target');

const { StelarServer } = dist('index.js');

const httpServer = http.createServer((req, res) => {
  // The user's app: anything the Stelar routes do not answer.
  res.writeHead(404, { 'Content-Length': '0' });
  res.end();
});
const stelar = new StelarServer({
  ...UPGRADE_SERVER_OPTIONS,
  server: httpServer,
  // Stelar listens on an attached server that is not listening yet: keep that on an ephemeral
  // loopback port (inputs arrive on in-memory sockets; nothing connects there).
  port: 0,
});

module.exports = upgradeTarget({
  stelar,
  ready: stelar.start(),
  statuses: new Set([101, 200, 400, 403, 404, 405, 413, 426, 429, 431, 500, 503, 505]),
  connectionClose: false,
  accept: (socket) => httpServer.emit('connection', socket),
});
