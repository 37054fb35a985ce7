'use strict';
// README 3.2 "Binary Data": the server forwards a binary 'file' to everyone else; a client
// sends a file's bytes, another receives them as a Buffer and writes them to disk.
// photo.png → a generated 64 KiB buffer written to a temp dir; received.png → that temp dir.
//   node examples/seed/08-binary.js [port]
const fs = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { StelarServer, StelarClient } = require('../../dist/src/index.js');
const { portFrom, runMain, connected } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const stelar = new StelarServer({ port: options.port ?? portFrom('PORT', 3000), tcpPort: options.tcpPort, logger: options.logger });

  // Server — Receive and forward binary
  stelar.on('file', (ctx) => {
    ctx.broadcastBinary('file', ctx.data); // ctx.data is a Buffer
  });
  await stelar.start();

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stelar-binary-'));
  const photo = Buffer.alloc(64 * 1024);
  for (let i = 0; i < photo.length; i++) photo[i] = (i * 31) & 0xff;
  await fs.writeFile(path.join(dir, 'photo.png'), photo);

  const mode = options.mode ?? 'ws';
  const host = options.host ?? 'localhost';
  const target = `${host}:${mode === 'tcp' ? stelar.getTcpPort() : stelar.getPort()}`;
  const sender = new StelarClient(target, { mode, reconnection: false });
  const receiver = new StelarClient(target, { mode, reconnection: false });
  const senderGot = [];
  sender.on('file', (buffer) => senderGot.push(buffer));

  // Client — Receive binary
  const received = new Promise((resolve) => {
    receiver.on('file', async (buffer) => {
      log('File received:', buffer.length, 'bytes');
      await fs.writeFile(path.join(dir, 'received.png'), buffer);
      resolve(buffer);
    });
  });

  await Promise.all([connected(sender), connected(receiver)]);

  // Client — Send binary
  const imageBuffer = await fs.readFile(path.join(dir, 'photo.png'));
  sender.emitBinary('file', imageBuffer);

  const buffer = await received;
  const written = await fs.readFile(path.join(dir, 'received.png'));
  return {
    stelar,
    sent: imageBuffer,
    received: buffer,
    written,
    senderGot,
    async stop() {
      sender.disconnect();
      receiver.disconnect();
      await stelar.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { main };
runMain(module, main);
