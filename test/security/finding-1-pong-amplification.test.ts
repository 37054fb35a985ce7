// Finding 1 (issue #14): a WebSocket peer that sends pings (and unsolicited pongs) and never
// reads made the server queue pongs without limit (RSS 69 → 1618 MB in 12 s). Pongs now count
// toward maxBufferedBytes: the peer is dropped at the bound (1008, STELAR_ERR_SLOW_CONSUMER,
// one log line), the server's memory stays flat and the canaries lose nothing.
import { rawFrame } from '../helpers/ws-frames';
import { AttackServer, Canaries, MiB, peakRssGrowth, rawUpgrade } from './attack-kit';

let server: AttackServer;
afterEach(() => server?.stop());

it('finding 1: a never-reading pinger is dropped at maxBufferedBytes; RSS stays bounded; canaries lossless', async () => {
  server = await AttackServer.spawn({ maxBufferedBytes: 1 * MiB }, { maxOldSpaceMb: 256 });
  const canaries = await Canaries.start(server);
  const { socket, status } = await rawUpgrade(server.port);
  expect(status).toBe(101);
  // 125-byte pings and unsolicited pongs, written as fast as the server takes them; never read.
  const burst = Buffer.concat(
    Array.from({ length: 256 }, (_, i) => rawFrame({ opcode: i % 8 === 7 ? 0xa : 0x9, payload: Buffer.alloc(125, i) })),
  );
  const started = Date.now();
  const attack = (async () => {
    while (!socket.destroyed && Date.now() - started < 20_000) {
      if (!socket.write(burst)) {
        await new Promise<void>((r) => {
          socket.once('drain', r);
          socket.once('close', r);
        });
      }
    }
    return Date.now() - started;
  })();
  const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - started)));
  const rss = await peakRssGrowth(server, closed);
  const closedAfterMs = await closed;
  await attack;
  const { problems, exchanged } = await canaries.finish();

  expect(closedAfterMs).toBeLessThan(15_000);
  expect(server.alive).toBe(true);
  // The bound is 1 MiB of queued output; allow the runtime's own noise, far below the 1.5 GB of old.
  expect(rss.growth).toBeLessThan(64 * MiB);
  expect(await server.untilLogged(/slow consumer: dropping .*STELAR_ERR_SLOW_CONSUMER/)).toHaveLength(1);
  expect(problems).toEqual([]);
  expect(exchanged).toBeGreaterThan(0);
  expect(await server.stats()).toMatchObject({ activeConnections: 2 });
}, 40_000);
