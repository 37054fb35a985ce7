import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../../helpers/chromium';
import { ServerKit, next, until } from '../../helpers/server-kit';
import { rawWs } from '../../helpers/raw-clients';
import { StelarServer, type StelarClient } from '../../../src';

// The built-in dashboard in a real Chromium: behind auth, live over its own namespace, numbers
// and charts that follow real WS and TCP clients, and actions that act. Needs `npm run build`
// (the page bundle lives in dist/dashboard). STELAR_DASHBOARD_SCREENSHOT=docs/dashboard.png
// saves the screenshot the README shows.

const AUTH = { username: 'admin', password: 'correct horse' };

type Series = Record<string, number[][]>;
const series = (page: Page): Promise<Series> =>
  page.evaluate(() => (window as unknown as { stelarDashboard: { series: Series } }).stelarDashboard.series);
const text = (page: Page, sel: string): Promise<string> => page.locator(sel).innerText();

describeWithChromium('dashboard in Chromium', () => {
  jest.setTimeout(60_000);
  const kit = new ServerKit();
  let browser: Browser;
  let server: StelarServer;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    // The socket transports only (the kit's servers also run the in-process one): the screenshot
    // shows what a user's server shows.
    server = new StelarServer({ port: 0, tcpPort: 0, logger: false, gracefulShutdown: false, dashboard: { auth: AUTH }, metrics: true });
    await server.start();
    server.on('say', (ctx) => server.to(String(ctx.data.room), 'said', ctx.data.text));
  });
  afterEach(async () => {
    await kit.teardown();
    await server.stop();
  });

  const url = () => `http://127.0.0.1:${server.getPort()}/stelar`;

  it('refuses the page, its assets and its connection without credentials', async () => {
    const anon = await browser.newContext();
    const page = await anon.newPage();
    // Headless Chromium turns the Basic challenge it cannot answer into a navigation error.
    await expect(page.goto(url())).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    const res = await page.request.get(url());
    expect(res.status()).toBe(401);
    expect(res.headers()['www-authenticate']).toMatch(/^Basic/);
    expect(await res.text()).not.toContain('stelar-token');
    expect((await page.request.get(`${url()}/dashboard.js`)).status()).toBe(401);
    await anon.close();

    const wrong = await browser.newContext({ httpCredentials: { username: 'admin', password: 'nope' } });
    expect((await (await wrong.newPage()).goto(url()))?.status()).toBe(401);
    await wrong.close();

    // The dashboard namespace admits neither an ordinary client nor a made-up token.
    for (const q of ['', '?token=made-up']) {
      const raw = await rawWs(`ws://127.0.0.1:${server.getPort()}/stelar/ws${q}`);
      const closed = await raw.closed;
      expect(closed.code).toBe(1008);
      expect(raw.messages.some((m) => 'clientId' in m)).toBe(false);
    }
    // Ordinary clients of the main namespace are not counted as dashboard viewers, and vice versa.
    expect(server.getStats().activeConnections).toBe(0);
  });

  it('shows live numbers and charts, and its actions act', async () => {
    const logs: string[] = [];
    const ctx = await browser.newContext({ httpCredentials: AUTH, viewport: { width: 1400, height: 1100 } });
    const page = await ctx.newPage();
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    const res = await page.goto(url(), { timeout: 10_000 });
    expect(res?.status()).toBe(200);
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 10_000 }).catch((err: unknown) => {
      throw new Error(`${String(err)}\npage log: ${logs.join('\n')}`);
    });
    await page.waitForFunction(() => Number(document.body.dataset.ticks ?? 0) >= 1, undefined, { timeout: 10_000 });
    expect(await text(page, '#stat-connections')).toMatch(/^0/);

    const clients: StelarClient[] = [await kit.connect(server, 'ws'), await kit.connect(server, 'ws'), await kit.connect(server, 'tcp')];
    await Promise.all(clients.map((c) => c.joinRoom('lobby')));
    await clients[0].joinRoom('vip');
    for (let i = 0; i < 20; i++) clients[1].emit('say', { room: 'lobby', text: `m${i}` });

    await page.waitForFunction(() => document.querySelector('#stat-connections')?.textContent?.startsWith('3 (ws 2 · tcp 1)'), undefined, { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('#stat-msgs-in')?.textContent) > 0, undefined, { timeout: 10_000 });
    expect(await text(page, '#stat-rooms')).toBe('2 · 4');
    let s = await series(page);
    expect(s.connections[1].at(-1)).toBe(2); // ws
    expect(s.connections[2].at(-1)).toBe(1); // tcp
    expect(Math.max(...s.messages[1])).toBeGreaterThan(0);
    expect(Math.max(...s.bytes[2])).toBeGreaterThan(0);
    expect(await page.locator('#chart-connections canvas').count()).toBe(1);
    await page.waitForFunction(() => document.querySelector('#rooms-body')?.textContent?.includes('lobby3'), undefined, { timeout: 10_000 });

    // Client list with search.
    await page.waitForFunction(() => document.querySelectorAll('#clients-body tr').length === 3, undefined, { timeout: 10_000 });
    const target = clients[0].getId() as string;
    await page.fill('#search', target.slice(0, 8));
    await page.waitForFunction((id) => {
      const rows = document.querySelectorAll('#clients-body tr');
      return rows.length === 1 && rows[0].getAttribute('data-client') === id;
    }, target, { timeout: 10_000 });
    await page.fill('#search', 'vip');
    await page.waitForFunction(() => document.querySelectorAll('#clients-body tr').length === 1, undefined, { timeout: 10_000 });
    await page.fill('#search', '');

    // Broadcast a test message to a room: its members get it.
    const got = next(clients[2], 'stelar:test');
    await page.fill('#bc-room', 'lobby');
    await page.click('#broadcast-form button');
    expect(await got).toEqual({ text: 'hello from the dashboard' });

    // Remove a client from a room.
    await page.click(`#clients-body tr[data-client="${target}"] button[data-room="vip"]`);
    await until(() => !server.getClients().find((c) => c.id === target)?.rooms.includes('vip'), 5000, 'removal from vip');

    if (process.env.STELAR_DASHBOARD_SCREENSHOT) {
      // Some steady traffic for the picture (bounded: 60 rounds).
      server.onAck('work', async (c) => new Promise((r) => setTimeout(() => r(c.data), 2 + Math.random() * 8)));
      for (let i = 0; i < 60; i++) {
        await Promise.all(clients.map((c, k) => c.request('work', { i, k })));
        clients[i % 3].emit('say', { room: 'lobby', text: `tick ${i}` });
        await new Promise((r) => setTimeout(r, 100));
      }
      await page.screenshot({ path: path.resolve(process.env.STELAR_DASHBOARD_SCREENSHOT), fullPage: true });
    }

    // Disconnect really disconnects.
    const gone = new Promise<void>((resolve) => clients[0].once('disconnect', () => resolve()));
    await page.click(`#clients-body tr[data-client="${target}"] button[data-action="disconnect"]`);
    await gone;
    await until(() => server.getStats().activeConnections === 2, 5000, 'the disconnect');
    expect(await server.metrics()).toMatch(/^stelar_admin_disconnects_total\{namespace="\/"\} 1$/m);
    await page.waitForFunction(() => document.querySelector('#actions-log')?.textContent?.includes('disconnected'), undefined, { timeout: 10_000 });

    // The others leave: the numbers and the chart go down.
    clients[1].disconnect();
    clients[2].disconnect();
    await page.waitForFunction(() => document.querySelector('#stat-connections')?.textContent?.startsWith('0'), undefined, { timeout: 10_000 });
    s = await series(page);
    expect(s.connections[1].at(-1)).toBe(0);
    expect(Math.max(...s.connections[1])).toBe(2);
    await ctx.close();
  });
});
