// Finding 9 (issue #14): examples/ws-echo-server.js must take the 65,537 frames Autobahn 9.3.1
// and 9.4.1 send (4 MiB in 64-byte fragments: 65,536 full ones and an empty final frame), and
// still refuse one fragment more with 1009.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { RawWsClient } from '../helpers/raw-ws-client';
import { rawFrame } from '../helpers/ws-frames';

const root = path.resolve(__dirname, '../..');
const built = existsSync(path.join(root, 'dist/src/adapters/websocket/ws-server-transport.js'));
// `npm test` builds dist/ first; a bare `jest` run without a build skips this file (loudly).
const describeIfBuilt = built ? describe : describe.skip;
if (!built) console.warn('finding-9-echo-fragments: dist/ is not built (run `npm run build`): skipped');

/** `count` frames of one message: `size`-byte pieces, then (when `emptyFinal`) an empty final frame. */
function fragments(binary: boolean, size: number, count: number, emptyFinal: boolean): { wire: Buffer; body: Buffer } {
  const full = emptyFinal ? count - 1 : count;
  const body = Buffer.alloc(full * size);
  for (let i = 0; i < body.length; i++) body[i] = binary ? i & 0xff : 0x61 + (i % 26);
  const frames: Buffer[] = [];
  for (let i = 0; i < full; i++) {
    const last = !emptyFinal && i === full - 1;
    frames.push(rawFrame({ opcode: i === 0 ? (binary ? 2 : 1) : 0, fin: last, payload: body.subarray(i * size, (i + 1) * size) }));
  }
  if (emptyFinal) frames.push(rawFrame({ opcode: 0, fin: true }));
  return { wire: Buffer.concat(frames), body };
}

describeIfBuilt('finding 9: the conformance echo example and Autobahn 9.3.1 / 9.4.1', () => {
  let child: ChildProcess;
  let port = 0;
  const raws: RawWsClient[] = [];

  beforeAll(async () => {
    child = spawn(process.execPath, [path.join(root, 'examples/ws-echo-server.js'), '--port', '0', '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    port = await new Promise<number>((resolve, reject) => {
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
  });
  afterEach(() => {
    for (const r of raws.splice(0)) r.destroy();
  });
  afterAll(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  });

  async function open(): Promise<RawWsClient> {
    const r = await RawWsClient.connect(port, RawWsClient.request('/'));
    raws.push(r);
    await r.until(() => r.status === 101);
    return r;
  }

  it.each([
    ['9.3.1 text', false],
    ['9.4.1 binary', true],
  ])('%s: 4 MiB in 65,537 frames (64-byte fragments + empty final) is echoed byte-exact', async (_name, binary) => {
    const r = await open();
    const { wire, body } = fragments(binary, 64, 65_537, true);
    expect(body.length).toBe(4 * 1024 * 1024);
    r.socket.write(wire);
    await r.until(() => r.sink.events.length >= 1, 20_000);
    const e = r.sink.events[0];
    expect(e.kind).toBe('message');
    expect(e.kind === 'message' && e.binary === binary && e.payload.equals(body)).toBe(true);
  });

  it('one frame more than the example allows (65,538) is refused with 1009', async () => {
    const r = await open();
    r.socket.write(fragments(true, 1, 65_538, false).wire);
    await r.until(() => r.closeCode() !== null, 10_000);
    expect(r.closeCode()).toBe(1009);
  });
});
