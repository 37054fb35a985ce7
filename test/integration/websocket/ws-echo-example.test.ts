import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import WebSocket from 'ws';

const root = path.resolve(__dirname, '../../..');
const built = existsSync(path.join(root, 'dist/src/adapters/websocket/ws-server-transport.js'));
// `npm test` builds dist/ first; a bare `jest` run without a build skips this file.
const describeIfBuilt = built ? describe : describe.skip;

describeIfBuilt('examples/ws-echo-server.js', () => {
  let child: ChildProcess | null = null;

  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    child = null;
  });

  for (const compression of [false, true]) {
    it(`echoes text as text and binary as binary (compression=${compression})`, async () => {
      const args = [path.join(root, 'examples/ws-echo-server.js'), '--port', '0', '--host', '127.0.0.1'];
      if (compression) args.push('--compression');
      child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error('echo server did not start')), 10_000);
        child!.stdout!.on('data', (d) => {
          out += d;
          const m = /:(\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
      });
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: compression });
      await new Promise((r) => ws.once('open', r));
      expect(ws.extensions).toBe(compression ? 'permessage-deflate' : '');
      const replies: Array<{ text: string; binary: boolean }> = [];
      const done = new Promise<void>((resolve) =>
        ws.on('message', (d, isBinary) => {
          replies.push({ text: (d as Buffer).toString('latin1').slice(0, 10), binary: isBinary });
          if (replies.length === 3) resolve();
        }),
      );
      ws.send('text ✓');
      ws.send(Buffer.from([1, 2, 3]));
      // a fragmented message (3 fragments)
      ws.send('a', { fin: false });
      ws.send('b', { fin: false });
      ws.send('c', { fin: true });
      await done;
      expect(replies).toEqual([
        { text: Buffer.from('text ✓').toString('latin1'), binary: false },
        { text: '\x01\x02\x03', binary: true },
        { text: 'abc', binary: false },
      ]);
      ws.terminate();
    });
  }
});
