import * as net from 'node:net';
import * as crypto from 'node:crypto';

// The bench's floor system (bench/systems/floor.server.js): the bare Node WebSocket server the
// Floors section of docs/PERFORMANCE.md measures against. Driven by the bench's own client, so
// it runs the same app as ws.server.js and uws.server.js.
/* eslint-disable @typescript-eslint/no-require-imports */
const startFloor = require('../../../bench/systems/floor.server.js') as (o: { http?: boolean }) => Promise<{ port: number; connections(): number; stop(): Promise<void> }>;
const client = require('../../../bench/systems/json-ws.client.js') as {
  connect(e: { port: number }, h?: { onMsg?(seq: number): void; onClose?(): void }): Promise<{
    join(room: string): Promise<void>;
    publish(room: string, d: string): void;
    echo(d: string): Promise<string>;
    close(): Promise<void>;
    destroy(): void;
  }>;
};

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe.each([{ http: false }, { http: true }])('floor.server.js %p', (options) => {
  let srv: Awaited<ReturnType<typeof startFloor>>;
  beforeEach(async () => {
    srv = await startFloor(options);
  });
  afterEach(async () => {
    await srv.stop();
  });

  it('echoes small, 16-bit and 64-bit length messages and fans a publish out to every member', async () => {
    const got: number[][] = [[], []];
    const a = await client.connect({ port: srv.port }, { onMsg: (s) => got[0].push(s) });
    const b = await client.connect({ port: srv.port }, { onMsg: (s) => got[1].push(s) });
    await a.join('r');
    await b.join('r');
    for (const size of [10, 300, 70_000]) {
      const d = '#00000042' + 'é'.repeat(size);
      expect(await a.echo(d)).toBe(d);
    }
    b.publish('r', '#00000007xx');
    await until(() => got[0].length === 1 && got[1].length === 1, 'both deliveries');
    expect(got).toEqual([[7], [7]]);
    expect(srv.connections()).toBe(2);
    await a.close();
    await b.close();
    await until(() => srv.connections() === 0, 'the closes');
  });

  it('parses frames split byte by byte and frames coalesced in one chunk', async () => {
    const key = crypto.randomBytes(16).toString('base64');
    const s = net.connect({ host: '127.0.0.1', port: srv.port });
    await new Promise((r) => s.once('connect', r));
    const masked = (text: string): Buffer => {
      const body = Buffer.from(text);
      const mask = crypto.randomBytes(4);
      const out = Buffer.concat([Buffer.from([0x81, 0x80 | body.length]), mask, body]);
      for (let i = 0; i < body.length; i++) out[6 + i] ^= mask[i & 3];
      return out;
    };
    let received = Buffer.alloc(0);
    s.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    const head = `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    s.write(head);
    await until(() => received.includes('\r\n\r\n'), 'the 101');
    const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    expect(received.toString('latin1')).toContain(`Sec-WebSocket-Accept: ${accept}`);
    received = Buffer.alloc(0);
    const one = masked('{"op":"echo","id":1,"d":"a"}');
    for (const byte of one) s.write(Buffer.from([byte]));
    s.write(Buffer.concat([masked('{"op":"echo","id":2,"d":"b"}'), masked('{"op":"echo","id":3,"d":"c"}')]));
    const want = ['{"op":"echo","id":1,"d":"a"}', '{"op":"echo","id":2,"d":"b"}', '{"op":"echo","id":3,"d":"c"}'];
    const total = want.reduce((n, w) => n + 2 + w.length, 0);
    await until(() => received.length >= total, 'three answers');
    const texts: string[] = [];
    for (let off = 0; off < received.length; off += 2 + received[off + 1]) texts.push(received.toString('utf8', off + 2, off + 2 + received[off + 1]));
    expect(texts).toEqual(want);
    s.destroy();
  });
});
