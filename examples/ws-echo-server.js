#!/usr/bin/env node
'use strict';
// Raw WebSocket echo server over the built package, for external conformance suites (Autobahn
// fuzzingclient and the like). No Stelar protocol on top: every text message is echoed as text,
// every binary message as binary.
//
//   npm run build
//   node examples/ws-echo-server.js --port 9001 [--host 127.0.0.1] [--compression]
//
// Limits are raised for the conformance catalogue: 16 MiB messages in up to 65,537 frames
// (Autobahn 9.3.1 / 9.4.1 send 4 MiB in 64-byte fragments: 65,536 full frames and, the length
// being an exact multiple, an empty final one). The library's own defaults stay as documented.
const { WsServerTransport } = require('../dist/src/adapters/websocket/ws-server-transport');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

const port = Number(arg('port', '9001'));
const host = arg('host', undefined);
const compression = process.argv.includes('--compression');

const transport = new WsServerTransport({
  port,
  host,
  compression,
  maxPayloadSize: 16 * 1024 * 1024,
  maxFrameSize: 16 * 1024 * 1024,
  maxFragments: 65537,
  maxBufferedBytes: 32 * 1024 * 1024,
});

// One handler object for every connection (the port's design: no per-connection closures).
const echoHandler = {
  onMessage(conn, payload, binary) {
    conn.send({ payload, binary, frameCache: undefined });
  },
  onProtocolError() {},
  onClose() {},
};

transport.setAcceptor({
  screen: () => null,
  accept(conn) {
    conn.setHandler(echoHandler);
  },
});

transport.listen().then(
  (bound) => console.log(`ws echo server listening on ${host || '0.0.0.0'}:${bound}${compression ? ' (permessage-deflate)' : ''}`),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    transport.close().then(() => process.exit(0));
  });
}
