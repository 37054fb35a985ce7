'use strict';
// README 3.2 "Server with TLS" + "Client with TLS/WSS (secure connections)". The certificate is
// a throw-away self-signed one made with openssl (instead of reading server-key.pem /
// server-cert.pem); because nobody signed it, the clients pass `rejectUnauthorized: false` —
// with a real certificate keep the README's `rejectUnauthorized: true`.
//   node examples/seed/05-tls.js [port] [tcpPort]   (PORT / TCP_PORT env; defaults 3000 / 3001)
const { StelarServer, StelarClient } = require('../../dist/src/index.js');
const { portFrom, runMain, once, selfSignedCert } = require('./_shared');

async function main(options = {}) {
  const log = options.log ?? console.log;
  const { key, cert } = selfSignedCert(); // readFileSync('server-key.pem'), readFileSync('server-cert.pem')

  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    tls: { key, cert },
    tcpPort: options.tcpPort ?? portFrom('TCP_PORT', 3001, 3),
    logger: options.logger,
  });
  stelar.onConnection((ctx) => ctx.emit('hello', { protocol: ctx.protocol }));
  stelar.on('ping', (ctx) => ctx.emit('pong', ctx.data));
  await stelar.start();
  const port = stelar.getPort();
  const tcpPort = stelar.getTcpPort();
  const host = options.host ?? 'localhost'; // secure.mydomain.com

  // WSS Secure WebSocket
  const wss = new StelarClient(`wss://${host}:${port}`, {
    tls: true,
    rejectUnauthorized: false,
    reconnection: false,
  });

  // TCP + TLS
  const tcpTls = new StelarClient(`${host}:${tcpPort}`, {
    mode: 'tcp',
    tls: true,
    rejectUnauthorized: false,
    reconnection: false,
  });

  const hellos = Promise.all([once(wss, 'hello'), once(tcpTls, 'hello')]);
  wss.connect();
  tcpTls.connect();
  const [wssHello, tcpHello] = await hellos;
  log('wss client:', wss.getUrl(), wssHello);
  log('tcp+tls client:', tcpTls.getUrl(), tcpHello);

  return {
    stelar,
    port,
    tcpPort,
    cert,
    clients: { wss, tcpTls },
    hellos: { wss: wssHello, tcp: tcpHello },
    async stop() {
      wss.disconnect();
      tcpTls.disconnect();
      await stelar.stop();
    },
  };
}

module.exports = { main };
runMain(module, main);
