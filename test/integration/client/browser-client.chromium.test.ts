import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { StelarEchoServer } from './stelar-echo-server';

// The built browser bundle in real Chromium against a tiny Stelar-speaking WebSocket server made
// with the `ws` package (stelar-echo-server.ts); the real StelarServer e2e tests live with the
// server.

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) process.stderr.write(`SKIPPING browser client tests: ${CHROMIUM} not found\n`);
const describeIf = haveChromium ? describe : describe.skip;

function bundle(): string {
  const out = buildSync({
    entryPoints: [path.resolve(__dirname, '../../../src/browser.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    legalComments: 'none',
  });
  return out.outputFiles[0].text;
}

describeIf('StelarClient bundle in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: StelarEchoServer;
  const code = haveChromium ? bundle() : '';

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    server = new StelarEchoServer(code);
    await server.start();
    page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
  });

  afterEach(async () => {
    await page?.close();
    await server?.stop();
  });

  it('connects, emits, requests, joins rooms and sends binary', async () => {
    const result = await page.evaluate(async (port) => {
      const { StelarClient } = await import('/stelar-client.mjs' as string);
      const client = new StelarClient(port, { logger: 'silent', heartbeatInterval: 200 });
      const errors: string[] = [];
      client.on('error', (e: Error) => errors.push(e.message));
      const idInConnect = await new Promise((resolve) => {
        client.on('connect', () => resolve(client.getId()));
        client.connect();
      });
      const echoed = await new Promise((resolve) => {
        client.once('hello', resolve);
        client.emit('hello', { n: 1 });
      });
      const answer = await client.request('sum', { a: 1, b: 2 }, 'sum');
      const failed = await client.request('fail', {}, 'fail').then(
        () => 'resolved',
        (e: Error) => e.message,
      );
      const joined = await client.joinRoom('general');
      const refused = await client.joinRoom('vip');
      const bin = await new Promise((resolve) => {
        client.once('raw', (bytes: Uint8Array, meta: unknown) => resolve({ bytes: Array.from(bytes), meta: meta ?? null }));
        client.emitBinary('raw', new Uint8Array([0, 1, 255]));
      });
      const file = await new Promise((resolve) => {
        client.once('file', (bytes: Uint8Array, meta: unknown) => resolve({ text: new TextDecoder().decode(bytes), meta }));
        void client.sendFile(new File(['hello file'], 'a.txt', { type: 'text/plain' }));
      });
      const viaAck = await new Promise((resolve) => {
        client.onAck('userData', resolve);
        client.emit('getUser', { id: 7 }, { ack: 'userData' });
      });
      await new Promise((r) => setTimeout(r, 450)); // two heartbeat intervals
      const out = {
        idInConnect,
        echoed,
        answer,
        failed,
        joined,
        refused,
        bin,
        file,
        viaAck,
        errors,
        state: client.getState(),
        sent: client.getMessagesSent(),
        received: client.getMessagesReceived(),
      };
      client.disconnect();
      return out;
    }, server.port);

    expect(result).toEqual({
      idInConnect: 'x1',
      echoed: { echo: { n: 1 } },
      answer: { echo: { a: 1, b: 2 } },
      failed: 'handler failed',
      joined: true,
      refused: false,
      bin: { bytes: [0, 1, 255], meta: null },
      file: { text: 'hello file', meta: { name: 'a.txt', type: 'text/plain', size: 10 } },
      viaAck: { echo: { id: 7 } },
      errors: ['cannot join room "vip": members only'],
      state: 'connected',
      sent: 8,
      received: 8,
    });
    // the browser client pinged with {"t":2} text messages (it cannot send ping frames)
    expect(server.seen.text.filter((m) => m.msg.t === 2).length).toBeGreaterThanOrEqual(1);
  });

  it('reconnects after a server restart, rejoins rooms and flushes the offline queue', async () => {
    await page.evaluate(async (port) => {
      const { StelarClient } = await import('/stelar-client.mjs' as string);
      const client = new StelarClient(`ws://127.0.0.1:${port}`, { logger: 'silent', reconnectionDelay: 50, maxReconnectionDelay: 200 });
      const w = window as any;
      w.client = client;
      w.log = [] as string[];
      client.updateOptions({ hooks: { onStateChange: ({ to }: { to: string }) => w.log.push(to) } });
      client.on('disconnect', (i: { code: number }) => w.log.push(`disconnect ${i.code}`));
      client.on('reconnecting', (n: number) => w.log.push(`reconnecting ${n}`));
      await new Promise<void>((resolve) => client.connect(resolve));
      await client.joinRoom('general');
    }, server.port);

    const port = server.port;
    const seen = server.seen;
    await server.stop();
    await page.waitForFunction(() => (window as any).client.getState() === 'reconnecting');
    await page.evaluate(() => (window as any).client.emit('queued', 1));
    expect(await page.evaluate(() => (window as any).client.getQueueSize())).toBe(1);

    server = new StelarEchoServer(code, seen);
    await server.start(port);
    await page.waitForFunction(() => (window as any).client.isConnected(), undefined, { timeout: 10000 });
    const after = await page.evaluate(() => ({ id: (window as any).client.getId(), log: (window as any).log, q: (window as any).client.getQueueSize() }));

    expect(after.q).toBe(0);
    expect(after.id).toBe(`x${seen.connections}`);
    expect(after.log.slice(0, 4)).toEqual(['connecting', 'connected', 'reconnecting', 'disconnect 1006']);
    expect(after.log.at(-1)).toBe('connected');
    expect(after.log).toContain('reconnecting 1');
    // on the new connection: the rejoin comes first, then the queued event
    const last = seen.text.filter((m) => m.conn === seen.connections && m.msg.t !== 2).map((m) => m.msg);
    expect(last.map((m) => [m.t, m.room ?? m.e])).toEqual([
      [8, 'general'],
      [0, 'queued'],
    ]);
    await page.evaluate(() => (window as any).client.disconnect());
  });
});
