import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import WebSocket from 'ws';
import { RawWsClient } from '../../helpers/raw-ws-client';
import { rawFrame } from '../../helpers/ws-frames';
import { clientCloses, closePayload, fragmented, kinds, payloadOf, serverFails, writeChopped } from './autobahn-peer';

const root = path.resolve(__dirname, '../../..');
const built = existsSync(path.join(root, 'dist/src/adapters/websocket/ws-server-transport.js'));
// `npm test` builds dist/ first; a bare `jest` run without a build skips this file.
const describeIfBuilt = built ? describe : describe.skip;

async function startExample(compression: boolean): Promise<{ child: ChildProcess; port: number }> {
  const args = [path.join(root, 'examples/ws-echo-server.js'), '--port', '0', '--host', '127.0.0.1'];
  if (compression) args.push('--compression');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('echo server did not start')), 10_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return { child, port };
}

async function stopExample(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

// One representative case per Autobahn family against the real examples/ws-echo-server.js
// process (the target an external fuzzingclient run uses), so its configuration is checked too.
describeIfBuilt('Autobahn families against the built echo example process', () => {
  let example: { child: ChildProcess; port: number };
  const raws: RawWsClient[] = [];
  beforeAll(async () => {
    example = await startExample(true);
  });
  afterEach(() => {
    for (const r of raws) r.destroy();
    raws.length = 0;
  });
  afterAll(() => stopExample(example.child));

  async function open(): Promise<RawWsClient> {
    const r = await RawWsClient.connect(example.port, RawWsClient.request('/'));
    raws.push(r);
    await r.until(() => r.status === 101);
    return r;
  }

  it('1.1.8 / 1.2.8: 65536-byte text and binary chopped in 997-byte writes are echoed', async () => {
    const r = await open();
    const text = payloadOf(65536, false);
    const bin = payloadOf(65536, true);
    await writeChopped(r, Buffer.concat([rawFrame({ opcode: 1, payload: text }), rawFrame({ opcode: 2, payload: bin })]), 997);
    await r.until(() => r.sink.events.length === 2);
    const [a, b] = r.sink.events;
    expect(a.kind === 'message' && !a.binary && a.payload.equals(text)).toBe(true);
    expect(b.kind === 'message' && b.binary && b.payload.equals(bin)).toBe(true);
    await clientCloses(r, 1000, 1000);
  });

  it.each([
    ['2.5 ping of 126 bytes', () => rawFrame({ opcode: 9, payload: Buffer.alloc(126) }), 1002],
    ['3.x RSV=2 on a text', () => rawFrame({ opcode: 1, rsv: 2, payload: 'x' }), 1002],
    ['4.1.1 opcode 3', () => rawFrame({ opcode: 3 }), 1002],
    ['4.2.1 opcode 11', () => rawFrame({ opcode: 11, payload: 'x' }), 1002],
    ['5.9 continuation without a message', () => rawFrame({ opcode: 0, payload: 'x' }), 1002],
    ['6.3 invalid UTF-8', () => rawFrame({ opcode: 1, payload: Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex') }), 1007],
    ['7.3.2 1-byte close body', () => rawFrame({ opcode: 8, payload: Buffer.from([3]) }), 1002],
    ['7.5.1 close reason not UTF-8', () => rawFrame({ opcode: 8, payload: closePayload(1000, Buffer.from([0xff])) }), 1007],
    ['7.9.x close code 1004', () => rawFrame({ opcode: 8, payload: closePayload(1004) }), 1002],
    ['9.x frame of 16 MiB + 1', () => Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x01, 0, 0, 0x01, 1, 2, 3, 4]), 1009],
  ])('%s fails with the exact code and the server closes TCP', async (_name, wire, code) => {
    const r = await open();
    r.socket.write(wire());
    await serverFails(r, code);
    expect(kinds(r)).toEqual([`close:${code}`]);
  });

  it('5.x / 2.x: fragmented text with a ping in between: pong, then the echo', async () => {
    const r = await open();
    r.socket.write(
      Buffer.concat([rawFrame({ opcode: 1, fin: false, payload: 'frag1' }), rawFrame({ opcode: 9, payload: 'p' }), rawFrame({ opcode: 0, payload: 'frag2' })]),
    );
    await r.until(() => r.sink.events.length === 2);
    expect(kinds(r)).toEqual(['pong', 'text:10']);
    await clientCloses(r, 1000, 1000);
  });

  it('7.7.x: close codes 1000, 3000 and 4999 are echoed', async () => {
    for (const code of [1000, 3000, 4999]) await clientCloses(await open(), code, code);
  });

  it('9.4.x: 16 MiB binary in 64 KiB fragments is echoed byte-exact', async () => {
    const r = await open();
    const body = payloadOf(16 * 1024 * 1024, true);
    r.socket.write(fragmented(body, 64 * 1024, true));
    await r.until(() => r.sink.events.length === 1, 20_000);
    const e = r.sink.events[0];
    expect(e.kind === 'message' && e.payload.equals(body)).toBe(true);
    await clientCloses(r, 1000, 1000);
  });

  it('12.x / 13.x: compressed messages echo byte-exact for a few offer combinations', async () => {
    const offers: WebSocket.PerMessageDeflateOptions[] = [
      { threshold: 0 },
      { threshold: 0, clientNoContextTakeover: true, serverNoContextTakeover: true },
      { threshold: 0, clientMaxWindowBits: 9, serverMaxWindowBits: 9 },
    ];
    for (const perMessageDeflate of offers) {
      const ws = new WebSocket(`ws://127.0.0.1:${example.port}/`, { perMessageDeflate });
      await new Promise((resolve) => ws.once('open', resolve));
      expect(ws.extensions).toMatch(/^permessage-deflate/);
      const bodies = [16, 1024, 65536, 131072].map((n) => Buffer.from('{"k":"lorem ipsum"},'.repeat(Math.ceil(n / 20)).slice(0, n)));
      const got: Buffer[] = [];
      const done = new Promise<void>((resolve) =>
        ws.on('message', (d) => {
          got.push(d as Buffer);
          if (got.length === bodies.length) resolve();
        }),
      );
      for (const b of bodies) ws.send(b, { binary: false });
      await done;
      got.forEach((g, i) => expect(g.equals(bodies[i])).toBe(true));
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      ws.close(1000);
      expect(await closed).toBe(1000);
    }
  });
});
