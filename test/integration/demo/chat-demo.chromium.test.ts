import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../../helpers/chromium';
import { until } from '../../helpers/server-kit';
import { DropProxy } from '../../helpers/drop-proxy';

// The README's main job: the chat demo (examples/chat-demo) served with the built browser
// bundle, driven in real Chromium pages: messages, presence, typing, files, reconnection, a
// refused room, the rate-limit toast, the layout at phone widths (360/390 px), and what a page
// says after a dropped connection (recovered: nothing missed; not: how many may be missing).
//
// Screenshots (desktop and 360 px) go to .tmp/screenshots/; with STELAR_SCREENSHOTS=docs they
// replace the ones committed in docs/screenshots/ and shown by the README.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createChatServer } = require('../../../examples/chat-demo/server.js') as {
  createChatServer: (o: { port: number; tcpPort: number | false; logger: false; recovery?: unknown }) => {
    stelar: { start(): Promise<number>; stop(): Promise<void>; getStats(): { activeConnections: number } };
  };
};

const root = path.resolve(__dirname, '../../..');
const shotDir = process.env.STELAR_SCREENSHOTS === 'docs' ? path.join(root, 'docs/screenshots') : path.join(root, '.tmp/screenshots');

// Each test drives real pages for a few seconds; leave room for a loaded machine.
jest.setTimeout(60_000);

describeWithChromium('chat demo in Chromium', () => {
  let browser: Browser;
  let stelar: ReturnType<typeof createChatServer>['stelar'] | null = null;
  let port = 0;
  const contexts: BrowserContext[] = [];
  const proxies: DropProxy[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    fs.mkdirSync(shotDir, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    ({ stelar } = createChatServer({ port: 0, tcpPort: false, logger: false }));
    port = await stelar.start();
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
    for (const p of proxies.splice(0)) await p.close();
    await stelar?.stop();
    stelar = null;
  });

  async function open(viewport = { width: 1100, height: 720 }): Promise<Page> {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 5000 });
    return page;
  }

  async function setNick(page: Page, nick: string): Promise<void> {
    await page.fill('#nick', nick);
    await page.click('#nick-form button');
    await page.waitForFunction((n) => document.getElementById('me')?.textContent === n, nick);
  }

  async function join(page: Page, room: string): Promise<void> {
    await page.fill('#room', room);
    await page.click('#room-form button');
    await page.waitForSelector(`#rooms li.active[data-room="${room}"]`);
  }

  const text = (page: Page, selector: string) => page.$eval(selector, (n) => n.textContent ?? '');
  // What a tap in the middle of the Send button would hit (a toast must not cover it).
  const sendIsTappable = (page: Page) =>
    page.$eval('#send', (b) => {
      const r = b.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit === b || b.contains(hit);
    });
  const noHorizontalOverflow = (page: Page) =>
    page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
      // Elements sticking out on the right, except inside a scrolling/clipping box that itself
      // fits (the room chips scroll sideways on purpose).
      outside: [...document.querySelectorAll('body *')]
        .filter((n) => n.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter((n) => {
          for (let a = n.parentElement; a !== null && a !== document.body; a = a.parentElement) {
            if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= window.innerWidth + 0.5) return false;
          }
          return true;
        })
        .map((n) => `${n.tagName.toLowerCase()}${n.id ? `#${n.id}` : ''}.${n.className}`),
    }));

  it('messages (own/other, timestamps), presence, typing, files and reconnection', async () => {
    const alice = await open();
    const bob = await open();
    // Nothing to send to before a room is joined.
    expect(await alice.$eval('#send', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await setNick(alice, 'alice');
    await setNick(bob, 'bob');
    await join(alice, 'general');
    await join(bob, 'general');
    expect(await alice.$eval('#send', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
    await until(() => stelar!.getStats().activeConnections === 2);

    // Presence: both pages list both people of the room.
    await alice.waitForFunction(() => document.querySelectorAll('#presence li').length === 2);
    expect(await alice.$$eval('#presence li', (l) => l.map((n) => n.textContent))).toEqual(['alice (you)', 'bob']);
    expect(await text(bob, '#presence-count')).toBe('(2)');

    await alice.fill('#text', 'hello from alice');
    await bob.waitForFunction(() => document.querySelector('#typing')?.textContent?.includes('alice is typing'));
    await alice.click('#send');
    await bob.waitForSelector('#messages li.msg.other');
    await alice.waitForSelector('#messages li.msg.own');
    const seenByBob = await bob.$eval('#messages li.msg.other', (n) => ({
      from: n.querySelector('.from')?.textContent,
      text: n.querySelector('.bubble')?.textContent,
      time: n.querySelector('time')?.getAttribute('datetime'),
    }));
    expect(seenByBob.from).toBe('alice');
    expect(seenByBob.text).toBe('hello from alice');
    expect(Math.abs(Date.parse(seenByBob.time ?? '') - Date.now())).toBeLessThan(60_000);
    expect(await alice.$eval('#messages li.msg.own .from', (n) => n.textContent)).toBe('You');

    // Drop a file on Alice's page: Bob gets it as binary with its name.
    await alice.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([104, 105, 33])], 'note.txt', { type: 'text/plain' }));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await bob.waitForFunction(() => document.querySelector('#messages')?.textContent?.includes('alice shared note.txt (3 bytes)'));

    // A second room: Bob's sidebar counts what he has not read there.
    await join(alice, 'random');
    await join(bob, 'random');
    await bob.click('#rooms li[data-room="general"]');
    await alice.fill('#text', 'over in random');
    await alice.click('#send');
    await bob.waitForSelector('#rooms li[data-room="random"] .unread');
    expect(await text(bob, '#rooms li[data-room="random"] .unread')).toBe('1');
    await alice.click('#rooms li[data-room="general"]');
    await bob.fill('#text', 'hi alice, got the note, thanks!');
    await bob.click('#send');
    await alice.waitForSelector('#messages li.msg.other');
    await bob.waitForFunction(() => document.querySelectorAll('#messages li.msg').length === 3);
    await bob.screenshot({ path: path.join(shotDir, 'chat-desktop.png') });

    // Bob leaves: Alice's presence list follows.
    await bob.close();
    await alice.waitForFunction(() => document.querySelectorAll('#presence li').length === 1);

    // Server restart: the badge shows reconnection, sending is disabled, then connected again.
    await stelar!.stop();
    await alice.waitForSelector('#state:not([data-state="connected"])', { timeout: 5000 });
    expect(await alice.$eval('#send', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    ({ stelar } = createChatServer({ port, tcpPort: false, logger: false }));
    await stelar.start();
    await alice.waitForSelector('#state[data-state="connected"]', { timeout: 10000 });
    await alice.waitForSelector('#send:not([disabled])');
    // Back in its rooms under the same nickname, with the presence list refreshed.
    await alice.waitForFunction(() => document.querySelector('#presence li')?.textContent === 'alice (you)');
    // Another server: the page cannot count what it missed.
    expect(await reconnectNote(alice)).toBe('reconnected — an unknown number of messages may be missing');
  });

  /** The text of the page's "reconnected — …" toast, once it shows (waits on the page). */
  async function reconnectNote(page: Page): Promise<string> {
    const handle = await page.waitForFunction(
      () => [...document.querySelectorAll('.toast')].map((t) => t.textContent ?? '').find((t) => t.startsWith('reconnected')),
      undefined,
      { timeout: 10_000 },
    );
    return (await handle.jsonValue()) as string;
  }

  /** Alice's page through a drop proxy (so its connection can be cut), Bob's direct; both in #general. */
  async function aliceBehindProxy(): Promise<{ alice: Page; bob: Page; proxy: DropProxy }> {
    const proxy = await DropProxy.start(port);
    proxies.push(proxy);
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    contexts.push(context);
    const alice = await context.newPage();
    await alice.goto(`http://127.0.0.1:${proxy.port}/`);
    await alice.waitForSelector('#state[data-state="connected"]', { timeout: 5000 });
    const bob = await open();
    await setNick(alice, 'alice');
    await setNick(bob, 'bob');
    await join(alice, 'general');
    await join(bob, 'general');
    await alice.waitForFunction(() => document.querySelectorAll('#presence li').length === 2);
    return { alice, bob, proxy };
  }

  async function bobSaysWhileAliceIsAway(bob: Page, proxy: DropProxy, texts: string[]): Promise<void> {
    proxy.hold(); // Alice's reconnection waits until Bob has spoken
    proxy.cut();
    await until(() => stelar!.getStats().activeConnections === 1, 10_000, 'the server to notice the drop');
    for (const t of texts) {
      await bob.fill('#text', t);
      await bob.click('#send');
    }
    await bob.waitForFunction((n) => document.querySelectorAll('#messages li.msg.own').length === n, texts.length);
    proxy.release();
  }

  const otherTexts = (page: Page) => page.$$eval('#messages li.msg.other .bubble', (l) => l.map((n) => n.textContent));

  it('a dropped page that recovers says "reconnected — nothing missed" and shows what was said meanwhile, once, in order', async () => {
    const { alice, bob, proxy } = await aliceBehindProxy();
    await bobSaysWhileAliceIsAway(bob, proxy, ['one', 'two']);
    expect(await reconnectNote(alice)).toBe('reconnected — nothing missed');
    await alice.waitForFunction(() => document.querySelectorAll('#messages li.msg.other').length >= 2);
    expect(await otherTexts(alice)).toEqual(['one', 'two']);
    // Same session: the nickname and the room are kept, Bob's presence list has Alice again.
    expect(await text(alice, '#me')).toBe('alice');
    await bob.waitForFunction(() => document.querySelectorAll('#presence li').length === 2);
    await bob.fill('#text', 'three');
    await bob.click('#send');
    await alice.waitForFunction(() => document.querySelectorAll('#messages li.msg.other').length === 3);
    expect(await otherTexts(alice)).toEqual(['one', 'two', 'three']);
  });

  it('a page that cannot recover says how many messages may be missing (the gap in the room\'s numbering)', async () => {
    await stelar!.stop();
    // A history of 2 per stream: three messages while away cannot be replayed.
    ({ stelar } = createChatServer({ port: 0, tcpPort: false, logger: false, recovery: { historySize: 2 } }));
    port = await stelar.start();
    const { alice, bob, proxy } = await aliceBehindProxy();
    await bobSaysWhileAliceIsAway(bob, proxy, ['one', 'two', 'three']);
    expect(await reconnectNote(alice)).toBe('reconnected — 3 messages may be missing');
    expect(await otherTexts(alice)).toEqual([]);
    // Back in the room under the same nickname, and later messages arrive.
    await bob.waitForFunction(() => document.querySelectorAll('#presence li').length === 2);
    await bob.fill('#text', 'four');
    await bob.click('#send');
    await alice.waitForFunction(() => document.querySelectorAll('#messages li.msg.other').length === 1);
    expect(await otherTexts(alice)).toEqual(['four']);
  });

  it('a refused room is a toast, never a sidebar entry; a rate limit is a toast, not a disconnect', async () => {
    const page = await open();
    await page.fill('#room', 'no spaces allowed!');
    await page.click('#room-form button');
    await page.waitForSelector('.toast.error');
    expect(await text(page, '.toast.error')).toContain('#no spaces allowed! was refused');
    expect(await page.$$('#rooms li')).toHaveLength(0);
    expect(await page.$eval('#send', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    expect(await text(page, '#room-title')).toBe('No room selected');

    await join(page, 'general');
    await page.fill('#room', 'bad/room');
    await page.click('#room-form button');
    await page.waitForFunction(() => document.querySelectorAll('.toast.error').length === 2);
    expect(await page.$$eval('#rooms li', (l) => l.map((n) => (n as HTMLElement).dataset.room))).toEqual(['general']);
    expect(await page.$eval('#rooms li.active', (n) => (n as HTMLElement).dataset.room)).toBe('general');

    // The demo allows 5 chat messages per 5 s: the 6th is dropped with a toast, the page stays up.
    for (let i = 1; i <= 6; i++) {
      await page.fill('#text', `message ${i}`);
      await page.click('#send');
    }
    await page.waitForSelector('.toast.warn');
    expect(await text(page, '.toast.warn')).toContain('Slow down');
    expect(await sendIsTappable(page)).toBe(true);
    await page.waitForFunction(() => document.querySelectorAll('#messages li.msg.own').length === 5);
    expect(await page.$eval('#state', (n) => (n as HTMLElement).dataset.state)).toBe('connected');
  });

  it.each([360, 390])('fits a %i px wide phone without horizontal overflow', async (width) => {
    const page = await open({ width, height: 760 });
    await setNick(page, 'a-rather-long-nickname');
    for (const room of ['design-review', 'random', 'project-alpha', 'general']) await join(page, room);
    await page.fill('#text', 'Morning! Standup notes are in the doc.');
    await page.click('#send');
    await page.fill('#text', `a long unbroken word: ${'x'.repeat(120)} and a https://example.com/a/very/long/url/that/does/not/wrap`);
    await page.click('#send');
    await page.waitForFunction(() => document.querySelectorAll('#messages li.msg.own').length === 2);
    await page.screenshot({ path: path.join(shotDir, `chat-mobile-${width}.png`), fullPage: true });
    await page.fill('#room', 'not a valid room name');
    await page.click('#room-form button');
    await page.waitForSelector('.toast.error');
    const m = await noHorizontalOverflow(page);
    expect(m.viewport).toBe(width);
    expect(m.scroll).toBeLessThanOrEqual(width);
    expect(m.outside).toEqual([]);
    // The composer and its button are on screen and usable.
    const send = await page.$eval('#send', (b) => {
      const r = b.getBoundingClientRect();
      return { right: r.right, disabled: (b as HTMLButtonElement).disabled };
    });
    expect(send.right).toBeLessThanOrEqual(width);
    expect(send.disabled).toBe(false);
    expect(await sendIsTappable(page)).toBe(true); // the refusal toast is showing
  });
});
