#!/usr/bin/env node
'use strict';
// Testing an app against a real StelarServer without sockets: the in-process transport
// (`inProcessTransport`) is a transport plug-in like WebSocket and TCP, so the app's handlers,
// middleware, rooms and acks run exactly as in production; clients dial `memory://<name>` with
// `mode: 'memory'`. Nothing listens on a port, so tests can run in parallel without port clashes.
//   npm run build && node examples/in-process-testing.js
const { StelarServer, StelarClient, inProcessTransport } = require('../dist/src/index.js');

/** The app under test: plain handler registration, the same code that runs over WebSocket. */
function registerChat(server) {
  server.use((ctx, next) => {
    if (ctx.headers['x-user']) next(); // refused (Unauthorized, 1008) without a user header
  });
  server.on('join', (ctx) => {
    ctx.joinRoom(ctx.data.room);
    ctx.to(ctx.data.room, 'joined', { user: ctx.headers['x-user'] });
  });
  server.on('say', (ctx) => ctx.to(ctx.data.room, 'said', { user: ctx.headers['x-user'], text: ctx.data.text }));
  server.onAck('whoami', (ctx) => ({ user: ctx.headers['x-user'], protocol: ctx.protocol }));
}

/** A server of the app on the in-process address `name` (no WebSocket, no TCP listener). */
function createTestServer(name) {
  const server = StelarServer.create({ logger: false, gracefulShutdown: false }, { transports: [inProcessTransport({ name })] });
  registerChat(server);
  return server;
}

function connect(name, user) {
  const client = new StelarClient(`memory://${name}`, { mode: 'memory', reconnection: false, logger: 'silent', headers: user ? { 'x-user': user } : {} });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.connect();
  });
}

const nextEvent = (client, event) => new Promise((resolve) => client.once(event, resolve));

/** One scenario, as a test would write it; resolves with what the clients saw. */
async function main({ name = `chat-test-${process.pid}` } = {}) {
  const server = createTestServer(name);
  await server.start();
  const ada = await connect(name, 'ada');
  const bob = await connect(name, 'bob');
  await bob.joinRoom('lobby');
  const joined = nextEvent(bob, 'joined');
  ada.emit('join', { room: 'lobby' });
  const said = nextEvent(bob, 'said');
  const first = await joined;
  ada.emit('say', { room: 'lobby', text: 'hello' });
  const result = {
    joined: first,
    said: await said,
    whoami: await ada.request('whoami'),
    stats: server.getStats(),
    refused: await connect(name, null).then(
      () => 'admitted',
      (err) => err.code ?? String(err),
    ),
  };
  ada.disconnect();
  bob.disconnect();
  await server.stop();
  return result;
}

module.exports = { main, createTestServer, registerChat };

if (require.main === module) {
  main().then((r) => console.log(JSON.stringify({ ...r, stats: { memoryConnections: r.stats.memoryConnections } }, null, 2)));
}
