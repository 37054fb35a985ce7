import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { StelarServer } from '../../../src';
import { browserBundle } from '../client/browser-bundle';
import { describeWithChromium, launchChromium } from '../../helpers/chromium';
import { DropProxy } from '../../helpers/drop-proxy';
import { ServerKit, until } from '../../helpers/server-kit';
import { testCert } from '../../helpers/tls-cert';

// Session recovery in a real browser: the browser bundle in Chromium joins a room, the
// connection is cut abruptly by a proxy (RST both ways, no close frame), messages are published
// meanwhile, and the page reconnects with `recovered: true` and every message exactly once, in
// order, over ws:// and wss://. The page only records; every assertion is made here, from values
// read out of the page.

jest.setTimeout(60_000);

interface PageState {
  connects: { recovered: boolean; reason?: string }[];
  got: number[];
  id: string | null;
  recovered: boolean;
  disconnects: number;
}

function staticServer(code: string): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    const js = req.url === '/stelar-client.mjs';
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    res.end(js ? code : '<!doctype html><title>stelar recovery</title>');
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

describeWithChromium('session recovery in Chromium', () => {
  let browser: Browser;
  let site: http.Server;
  let page: Page;
  const kit = new ServerKit();
  const proxies: DropProxy[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    site = await staticServer(browserBundle().code);
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (site ? site.close(() => r()) : r()));
  });
  beforeEach(async () => {
    // The test certificate of the wss:// case is self-signed: this context accepts it.
    page = await browser.newPage({ ignoreHTTPSErrors: true });
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
  });
  afterEach(async () => {
    await page.evaluate(() => (window as unknown as { client?: { disconnect(): void } }).client?.disconnect());
    await page.close();
    for (const p of proxies.splice(0)) await p.close();
    await kit.teardown();
  });

  /** Starts the page's client through a drop proxy; resolves once it joined room 'r'. */
  async function openPage(recovery: unknown, tls = false): Promise<{ server: StelarServer; proxy: DropProxy; gone: string[] }> {
    const server = await kit.server({ recovery, ...(tls ? { tls: testCert() } : {}) } as never);
    const gone: string[] = [];
    server.onDisconnect((ctx) => gone.push(ctx.id));
    const proxy = await DropProxy.start(server.getPort());
    proxies.push(proxy);
    await page.evaluate(async ([port, scheme]) => {
      const { StelarClient } = await import('/stelar-client.mjs' as string);
      const client = new StelarClient(`${scheme}://127.0.0.1:${port}/`, { logger: 'silent', reconnectionDelay: 20, maxReconnectionDelay: 40 });
      const w = window as unknown as { client: unknown; state: PageState };
      w.client = client;
      w.state = { connects: [], got: [], id: null, recovered: false, disconnects: 0 };
      client.on('n', (n: number) => w.state.got.push(n));
      client.on('disconnect', () => w.state.disconnects++);
      await new Promise<void>((resolve) => {
        client.on('connect', (info: { recovered: boolean; reason?: string }) => {
          w.state.connects.push(info);
          w.state.id = client.getId();
          w.state.recovered = client.isRecovered();
          resolve();
        });
        client.connect();
      });
      await client.joinRoom('r');
    }, [proxy.port, tls ? 'wss' : 'ws'] as const);
    return { server, proxy, gone };
  }

  const state = (): Promise<PageState> => page.evaluate(() => (window as unknown as { state: PageState }).state);
  /** Waits (on the page's own polling, no fixed sleep) until `state[key].length` (or the count) reaches `n`. */
  const waitFor = (key: 'got' | 'connects' | 'disconnects', n: number) =>
    page.waitForFunction(
      ([k, min]) => {
        const v = (window as unknown as { state: Record<string, unknown> }).state[k as string];
        return (typeof v === 'number' ? v : (v as unknown[]).length) >= (min as number);
      },
      [key, n] as const,
      { timeout: 10_000 },
    );

  it.each([false, true])('survives an abrupt drop (tls=%s): recovered, same id, every message published meanwhile exactly once and in order', async (tls) => {
    const { server, proxy, gone } = await openPage({ windowMs: 30_000 }, tls);
    const first = await state();
    expect(first.connects).toEqual([{ recovered: false }]);
    const id = first.id!;
    expect(server.getRoomMembers('r')).toEqual([id]);
    server.to('r', 'n', 1);
    await waitFor('got', 1);
    proxy.hold(); // the page's reconnection waits until the "while away" sends are done
    proxy.cut();
    await until(() => gone.includes(id), 10_000, 'server to notice the drop');
    await waitFor('disconnects', 1);
    for (let n = 2; n <= 6; n++) server.to('r', 'n', n);
    server.toId(id, 'n', 7);
    proxy.release();
    await waitFor('connects', 2);
    server.to('r', 'n', 8);
    await waitFor('got', 8);
    const after = await state();
    expect(after.connects).toEqual([{ recovered: false }, { recovered: true }]);
    expect(after.recovered).toBe(true);
    expect(after.id).toBe(id);
    expect(after.got).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(server.getRoomMembers('r')).toEqual([id]);
  });

  it("a server without recovery: the page is told 'disabled', gets a new id and rejoins its room", async () => {
    const { server, proxy, gone } = await openPage(false);
    const id = (await state()).id!;
    proxy.hold();
    proxy.cut();
    await until(() => gone.includes(id), 10_000, 'server to notice the drop');
    proxy.release();
    await waitFor('connects', 2);
    const after = await state();
    expect(after.connects).toEqual([{ recovered: false }, { recovered: false, reason: 'disabled' }]);
    expect(after.recovered).toBe(false);
    expect(after.id).not.toBe(id);
    await until(() => server.getRoomMembers('r').length === 1, 5000, 'rejoin');
    expect(server.getRoomMembers('r')).toEqual([after.id]);
  });
});
