// Finding 3 (issue #14): TCP sockets that had not sent their hello were not counted against
// maxConnections / maxConnectionsPerIP, and each could buffer a frame up to maxPayloadSize: 300
// sockets from one IP held 286 MB. Now an attempt counts from its arrival: the surplus is refused
// at once (Error STELAR_ERR_TOO_MANY_FROM_IP / STELAR_ERR_SERVER_FULL, logged), what is admitted
// buffers at most maxPayloadSize each and is closed at connectTimeout.
import { AttackServer, Canaries, MiB, closedAfter, openSockets, peakRssGrowth, receivedBy, waitFor } from './attack-kit';

let server: AttackServer;
afterEach(() => server?.stop());

const CONNECT_TIMEOUT = 2000;
const PER_IP = 10;
const MAX_CONNECTIONS = 20;

it('finding 3: pre-hello TCP sockets count toward both caps; buffered memory is bounded; closed at connectTimeout', async () => {
  server = await AttackServer.spawn({
    connectTimeout: CONNECT_TIMEOUT,
    maxConnectionsPerIP: PER_IP,
    maxConnections: MAX_CONNECTIONS,
    maxPayloadSize: 2 * MiB,
    rateLimit: false,
  });
  const canaries = await Canaries.start(server);
  const started = Date.now();
  // 100 sockets from 127.0.0.2, each starting a 2 MiB first frame and sending 1 MiB of it.
  const attack = (async () => {
    const sockets = await openSockets(server.tcpPort, 100, '127.0.0.2');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(2 * MiB - 1, 0);
    const chunk = Buffer.concat([header, Buffer.alloc(MiB, 0x41)]);
    for (const s of sockets) if (!s.destroyed) s.write(chunk);
    // Meanwhile the global cap: 20 sockets from a third address find the server full.
    const others = await openSockets(server.tcpPort, 20, '127.0.0.3');
    const times = await Promise.all(sockets.map((s) => closedAfter(s, started)));
    await Promise.all(others.map((s) => closedAfter(s, started)));
    return { sockets, times, frames: sockets.map(receivedBy) };
  })();
  const rss = await peakRssGrowth(server, attack);
  const { times, frames } = await attack;

  // At most PER_IP of the 100 were let in: those are the ones that later got the hello deadline's
  // Error; the rest were refused at arrival (Error STELAR_ERR_TOO_MANY_FROM_IP, or a reset when
  // the peer was still writing: unread bytes reset a closed connection).
  const timedOutAt = times.filter((_, i) => frames[i].includes('STELAR_ERR_CONNECT_TIMEOUT')).sort((a, b) => a - b);
  const timedOut = timedOutAt.length;
  const refused = frames.filter((f) => f.includes('STELAR_ERR_TOO_MANY_FROM_IP')).length;
  expect(timedOut).toBeGreaterThan(0);
  // The cap holds at every moment: a slot is reused only once its holder is closed, and the new
  // holder waits its own connectTimeout, so no CONNECT_TIMEOUT / 2 window sees more than PER_IP
  // of these closes. (On a quiet machine all 100 arrive at once and timedOut ≤ PER_IP; under a
  // load of 30 the server accepted them over more than connectTimeout, and slots were reused.)
  for (let i = 0; i + PER_IP < timedOut; i++) {
    expect(timedOutAt[i + PER_IP] - timedOutAt[i]).toBeGreaterThan(CONNECT_TIMEOUT / 2);
  }
  expect(refused).toBeGreaterThan(0);
  // Everyone is gone by connectTimeout plus the close handshake's closeTimeout (2 s).
  // (per wave of PER_IP admitted sockets: one wave on a quiet machine).
  expect(Math.max(...times)).toBeLessThan((CONNECT_TIMEOUT + 3000) * Math.ceil(timedOut / PER_IP));
  // ≤ 10 sockets × 1 MiB buffered (was 100 MiB and more). The peak also holds the refused
  // sockets' reads in flight and allocator slack: 51 MiB was seen once on a loaded CI machine,
  // so the bound sits between that noise and the regression (≥ 100 MiB).
  expect(rss.growth).toBeLessThan(72 * MiB);
  expect((await server.untilLogged(/connection refused/, /"code":"STELAR_ERR_TOO_MANY_FROM_IP"/, /"ip":"127\.0\.0\.2","protocol":"tcp"/)).length).toBeGreaterThan(0);
  expect((await server.untilLogged(/connection refused/, /"code":"STELAR_ERR_SERVER_FULL"/, /"ip":"127\.0\.0\.3","protocol":"tcp"/)).length).toBeGreaterThan(0);
  expect((await server.untilLogged(/STELAR_ERR_CONNECT_TIMEOUT: No Connect frame within 2000 ms \(tcp 127\.0\.0\.2\)/)).length).toBeGreaterThan(0);
  const { problems, exchanged } = await canaries.finish();
  expect(problems).toEqual([]);
  expect(exchanged).toBeGreaterThan(0);
  // Every slot came back: a fresh client from the attacker's address is admitted.
  const [fresh] = await openSockets(server.tcpPort, 1, '127.0.0.2');
  const hello = Buffer.from('{"v":1}');
  const frame = Buffer.alloc(7 + hello.length);
  frame.writeUInt32BE(3 + hello.length, 0);
  frame.writeUInt8(6, 4);
  hello.copy(frame, 7);
  let answer = Buffer.alloc(0);
  fresh.on('data', (d: Buffer) => (answer = Buffer.concat([answer, d])));
  fresh.write(frame);
  await waitFor(() => answer.length >= 5, 'the Connect answer');
  expect(answer[4]).toBe(6);
  fresh.destroy();
  expect(server.alive).toBe(true);
}, 40_000);
