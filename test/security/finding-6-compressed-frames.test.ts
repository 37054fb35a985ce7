// Finding 6 (issue #14): compressed frames were limited by maxFrameSize only: 40 stalled
// compressed frames declaring 9.8 MiB each buffered 392 MB while the same declared length
// uncompressed was refused at once. A compressed message is now bounded by maxPayloadSize from
// its frame headers too (deflate's worst case), and by maxPayloadSize once inflated.
import * as zlib from 'node:zlib';
import { RawWsClient } from '../helpers/raw-ws-client';
import { AttackServer, Canaries, MiB, peakRssGrowth } from './attack-kit';

let server: AttackServer;
afterEach(() => server?.stop());

/** A masked frame header (RSV1 = compressed when `rsv1`) declaring `length` payload bytes. */
function header(opcode: number, length: number, rsv1: boolean): Buffer {
  const h = Buffer.alloc(14);
  h[0] = 0x80 | (rsv1 ? 0x40 : 0) | opcode;
  h[1] = 0x80 | 127;
  h.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
  h.writeUInt32BE(length >>> 0, 6);
  h.writeUInt32BE(0x11223344, 10);
  return h;
}

function maskedFrame(payload: Buffer, rsv1: boolean): Buffer {
  const h = header(2, payload.length, rsv1);
  const key = h.subarray(10, 14);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([h, body]);
}

const DEFLATE = { 'Sec-WebSocket-Extensions': 'permessage-deflate' };

it('finding 6: 40 stalled compressed frames declaring 9.8 MiB are refused from the header (1009); a bomb is refused once inflated', async () => {
  server = await AttackServer.spawn({ compression: true, maxPayloadSize: 1 * MiB, rateLimit: false });
  const canaries = await Canaries.start(server);
  const raws: RawWsClient[] = [];
  const attack = (async () => {
    for (let i = 0; i < 40; i++) {
      const r = await RawWsClient.connect(server.port, RawWsClient.request('/', DEFLATE));
      raws.push(r);
      await r.until(() => r.status === 101);
      expect(r.responseHead).toMatch(/permessage-deflate/);
      // Declares 9.8 MiB compressed, sends 64 KiB of it, then stalls.
      r.socket.write(Buffer.concat([header(2, Math.floor(9.8 * MiB), true), Buffer.alloc(64 * 1024, 0x55)]));
    }
    for (const r of raws) await r.until(() => r.closeCode() !== null, 3000);
  })();
  const rss = await peakRssGrowth(server, attack);
  await attack;
  for (const r of raws) expect(r.closeCode()).toBe(1009);
  expect(rss.growth).toBeLessThan(48 * MiB);

  // A zip bomb under the compressed bound: 16 MiB of zeros deflate to ~16 KiB; refused (1009)
  // once the inflated size passes maxPayloadSize.
  const bomb = zlib.deflateRawSync(Buffer.alloc(16 * MiB), { level: 9 }).subarray(0, -4);
  const r = await RawWsClient.connect(server.port, RawWsClient.request('/', DEFLATE));
  raws.push(r);
  await r.until(() => r.status === 101);
  r.socket.write(maskedFrame(bomb, true));
  await r.until(() => r.closeCode() !== null, 5000);
  expect(r.closeCode()).toBe(1009);

  expect((await server.untilLogged(/STELAR_ERR_PAYLOAD_TOO_LARGE: .*compressed message exceeds maxPayloadSize 1048576/)).length).toBeGreaterThan(0);
  for (const c of raws) c.destroy();
  const { problems, exchanged } = await canaries.finish();
  expect(problems).toEqual([]);
  expect(exchanged).toBeGreaterThan(0);
  expect(server.alive).toBe(true);
}, 40_000);
