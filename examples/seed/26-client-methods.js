'use strict';
// README 3.2 "StelarClient — Methods": one walk through every client method against a small
// server (echo, an ACK handler, a file receiver), recording what each returned.
//   node examples/seed/26-client-methods.js [port]
const { StelarServer, StelarClient } = require('../../dist/src/index.js');
const { portFrom, runMain, once } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const mode = options.mode ?? 'ws';
  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    tcpPort: mode === 'tcp' ? 0 : options.tcpPort,
    logger: options.logger,
  });
  const files = [];
  stelar.on('echo', (ctx) => ctx.emit('echo', ctx.data));
  stelar.on('file', (ctx) => files.push({ event: 'file', meta: ctx.meta, bytes: ctx.data.length }));
  stelar.on('image', (ctx) => files.push({ event: 'image', meta: ctx.meta, bytes: ctx.data.length }));
  stelar.onAck('sum', (ctx) => ctx.data.a + ctx.data.b);
  await stelar.start();

  const seen = {};
  const port = mode === 'tcp' ? stelar.getTcpPort() : stelar.getPort();
  const host = options.host ?? 'localhost';
  const client = new StelarClient(`${host}:1`, { mode, reconnection: false, logger: 'silent' });
  seen.urlBefore = client.getUrl();
  client.setUrl(`${host}:${port}`); // Change URL before connecting
  seen.url = client.getUrl();
  seen.stateBefore = client.getState();

  // Events
  const echoes = [];
  const onEcho = (data) => echoes.push(data);
  client.on('echo', onEcho);
  const all = [];
  client.onAll(({ event, isBinary }) => all.push({ event, isBinary }));
  const acks = [];
  client.onAck('sum', (data) => acks.push(data));
  const firstEcho = new Promise((resolve) => client.once('echo', resolve));

  // Lifecycle
  await new Promise((resolve) => client.connect(resolve));
  seen.connected = client.isConnected();
  seen.state = client.getState();
  seen.id = client.getId();
  seen.connectTime = client.getConnectTime();

  // Sending
  client.emit('echo', { n: 1 });
  seen.firstEcho = await firstEcho;
  client.off('echo', onEcho);
  const second = once(client, 'echo');
  client.emit('echo', { n: 2 });
  await second;
  const answered = once(client, 'sum');
  client.emit('sum', { a: 2, b: 3 }, { ack: 'sum' }); // opts.ack: the answer comes as event 'sum'
  seen.emitAckAnswer = await answered;
  seen.request = await client.request('sum', { a: 20, b: 22 }, 'sum'); // Request-response with Promise
  client.emitBinary('file', Buffer.from('raw bytes'));
  await client.sendFile(Buffer.from('%PDF-1.7'), { name: 'doc.pdf', type: 'application/pdf' });
  await client.sendImage(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { name: 'a.png', type: 'image/png' });

  // Rooms
  seen.joined = await client.joinRoom('general');
  seen.roomsOnServer = stelar.getRooms();
  seen.left = await client.leaveRoom('general');

  // State and metrics
  seen.echoesAfterOff = echoes;
  seen.all = all;
  seen.acks = acks;
  seen.messagesSent = client.getMessagesSent();
  seen.messagesReceived = client.getMessagesReceived();
  seen.lastError = client.getLastError();
  seen.queueSize = client.getQueueSize();
  client.removeAllListeners();

  client.disconnect();
  seen.stateAfter = client.getState();
  log(seen);
  return { stelar, seen, files, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
