'use strict';
// The body the two HTTP-upgrade fuzz targets share (http-upgrade: a user's http.Server and Node's
// parser; own-port-upgrade: the port Stelar owns and its own head parser): the server options,
// one input on an in-memory socket (optionally in two pieces), the peer's end, and the checks on
// what came back. Invariants: no exception; the answer is a 101 with a correct
// Sec-WebSocket-Accept or a complete HTTP response with a documented status; every socket is
// closed and the server holds no connection afterwards.
const crypto = require('node:crypto');
const { check } = require('./invariants');
const { MemorySocket } = require('./memory-socket');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The server both targets run: deflate on, an origin allow-list, trustProxy, small payloads. */
const UPGRADE_SERVER_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  tcpPort: false,
  logger: false,
  gracefulShutdown: false,
  compression: true,
  trustProxy: true,
  allowedOrigins: ['https://app.example'],
  maxPayloadSize: 4096,
  maxConnections: 1000,
  maxConnectionsPerIP: 1000,
});

const DICTIONARY = ['GET / HTTP/1.1\r\n', 'GET /health HTTP/1.1\r\n', 'POST / HTTP/1.1\r\n', 'HTTP/1.0', 'Host: x\r\n', 'Upgrade: websocket\r\n', 'Connection: Upgrade\r\n', 'Connection: keep-alive, Upgrade\r\n', 'Sec-WebSocket-Version: 13\r\n', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n', 'Sec-WebSocket-Extensions: ', 'permessage-deflate', '; client_max_window_bits', '; server_max_window_bits=8', '; client_no_context_takeover', '; server_no_context_takeover', 'Origin: https://app.example\r\n', 'Origin: https://evil.example\r\n', 'X-Forwarded-For: ', '::ffff:10.0.0.1', 'Content-Length: 5\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n\r\n', '\r\n', '\x81\x85\x00\x00\x00\x00', '\x88\x80\x00\x00\x00\x00'];

function waitClosed(socket, ms) {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function header(text, name) {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(text);
  return m === null ? null : m[1].trim();
}

function checkAnswer(out, input, statuses, connectionClose) {
  if (out.length === 0) return;
  const text = out.toString('latin1');
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  check(m !== null, () => `answer is not an HTTP/1.1 status line: ${JSON.stringify(text.slice(0, 80))}`);
  const status = Number(m[1]);
  check(statuses.has(status), () => `undocumented status ${status}`);
  const end = text.indexOf('\r\n\r\n');
  check(end !== -1, 'answer without the end of its header');
  const head = text.slice(0, end);
  if (status === 101) {
    const key = header(input.toString('latin1'), 'sec-websocket-key');
    check(key !== null, '101 without a Sec-WebSocket-Key in the request');
    const expected = crypto.createHash('sha1').update(key + GUID).digest('base64');
    check(header(head, 'sec-websocket-accept') === expected, 'wrong Sec-WebSocket-Accept');
    const ext = header(head, 'sec-websocket-extensions');
    if (ext !== null) {
      check(/^permessage-deflate(; (server|client)_no_context_takeover| ?; ?(server|client)_max_window_bits=(8|9|1[0-5]))*$/.test(ext), () => `odd extension answer: ${ext}`);
    }
  } else {
    if (connectionClose) check(/\r\nconnection: close(\r\n|$)/i.test(head), 'a non-101 answer without Connection: close');
    const len = header(head, 'content-length');
    if (len !== null) check(out.length - end - 4 >= Number(len), 'error answer shorter than its Content-Length');
  }
}

/**
 * A fuzz target module for the upgrade path of `stelar`:
 * - `ready`: resolves once the server listens;
 * - `statuses`: the documented statuses an answer may have;
 * - `connectionClose`: every non-101 answer must say `Connection: close`;
 * - `accept(socket)`: hands a new in-memory socket to the server under test;
 * - `afterEach()`: more checks once the socket closed and the server released it.
 * Byte 0 bit 0 of an input: send it in two pieces (split at byte 1); the rest is the request.
 */
function upgradeTarget({ stelar, ready, statuses, connectionClose, accept, afterEach }) {
  return {
    maxLen: 4096,
    async fuzz(data) {
      if (data.length < 2) return;
      await ready;
      const input = data.subarray(2);
      const socket = new MemorySocket();
      accept(socket);
      if (data[0] & 1) {
        const at = Math.min(data[1], input.length);
        socket.push(Buffer.from(input.subarray(0, at)));
        await new Promise(setImmediate);
        socket.push(Buffer.from(input.subarray(at)));
      } else {
        socket.push(Buffer.from(input));
      }
      for (let i = 0; i < 4; i++) await new Promise(setImmediate);
      // The peer is done: end its side; the server must finish and close the socket.
      socket.push(null);
      const closed = await waitClosed(socket, 5000);
      const out = socket.written();
      check(closed, () => `socket still open 5 s after the peer ended it; answer: ${JSON.stringify(out.toString('latin1').slice(0, 120))}`);
      checkAnswer(out, input, statuses, connectionClose);
      for (let i = 0; i < 50 && stelar.getStats().activeConnections !== 0; i++) await new Promise(setImmediate);
      check(stelar.getStats().activeConnections === 0, 'server still counts a connection after its socket closed');
      afterEach?.();
    },
    async teardown() {
      await stelar.stop();
    },
    dictionary: DICTIONARY,
  };
}

module.exports = { UPGRADE_SERVER_OPTIONS, upgradeTarget };
