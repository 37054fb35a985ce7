import { chromium, type Browser } from 'playwright-core';
import { existsSync } from 'node:fs';
import { WsServerTransport } from '../../../src/adapters/websocket/ws-server-transport';
import { EchoAcceptor } from '../../helpers/ws-echo-acceptor';

const CHROMIUM = '/usr/bin/chromium';
const describeIfChromium = existsSync(CHROMIUM) ? describe : describe.skip;

describeIfChromium('Chromium native WebSocket against WsServerTransport', () => {
  let browser: Browser;
  let transport: WsServerTransport;
  let acceptor: EchoAcceptor;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser.close();
  });

  afterEach(async () => {
    for (const c of acceptor.connections) c.terminate();
    await transport.close();
  });

  for (const compression of [false, true]) {
    it(`echoes text and binary, then closes cleanly (compression=${compression})`, async () => {
      transport = new WsServerTransport({
        host: '127.0.0.1',
        compression,
        httpHandler: (req, res) => {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end('<!doctype html><title>stelar</title>');
          return true;
        },
      });
      acceptor = new EchoAcceptor();
      transport.setAcceptor(acceptor);
      const port = await transport.listen();
      const page = await browser.newPage();
      try {
        await page.goto(`http://127.0.0.1:${port}/`);
        const result = await page.evaluate(async (url) => {
          const ws = new WebSocket(url);
          ws.binaryType = 'arraybuffer';
          const received: Array<string | number[]> = [];
          await new Promise<void>((resolve, reject) => {
            ws.onopen = () => resolve();
            ws.onerror = () => reject(new Error('ws error'));
          });
          const extensions = ws.extensions;
          const replies = new Promise<void>((resolve) => {
            ws.onmessage = (e) => {
              received.push(typeof e.data === 'string' ? e.data : Array.from(new Uint8Array(e.data as ArrayBuffer)));
              if (received.length === 3) resolve();
            };
          });
          ws.send('hello from chromium ✓');
          ws.send(new Uint8Array([1, 2, 3, 250]));
          ws.send('x'.repeat(100_000));
          await replies;
          const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) => {
            ws.onclose = (e) => resolve({ code: e.code, wasClean: e.wasClean });
          });
          ws.close(4321, 'bye');
          return { received: received.map((r) => (typeof r === 'string' ? r.slice(0, 30) : r)), extensions, close: await closed };
        }, `ws://127.0.0.1:${port}/`);
        expect(result.received).toEqual(['hello from chromium ✓', [1, 2, 3, 250], 'x'.repeat(30)]);
        expect(result.extensions.startsWith('permessage-deflate')).toBe(compression);
        expect(result.close).toEqual({ code: 4321, wasClean: true });
        await acceptor.until(() => acceptor.closed.length === 1);
        expect(acceptor.closed[0]).toMatchObject({ code: 4321, reason: 'bye' });
        expect(acceptor.infos[0].origin).toBe(`http://127.0.0.1:${port}`);
      } finally {
        await page.close();
      }
    });
  }
});
