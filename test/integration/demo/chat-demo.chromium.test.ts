import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from '../../helpers/chromium';
import { until } from '../../helpers/server-kit';

// The README's main job: the chat demo (examples/chat-demo) served with the built browser
// bundle, driven in two real Chromium pages.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createChatServer } = require('../../../examples/chat-demo/server.js') as {
  createChatServer: (o: { port: number; tcpPort: number | false; logger: false }) => {
    stelar: { start(): Promise<number>; stop(): Promise<void>; getStats(): { activeConnections: number } };
  };
};

describeWithChromium('chat demo in Chromium', () => {
  let browser: Browser;
  let stelar: ReturnType<typeof createChatServer>['stelar'] | null = null;
  let port = 0;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await stelar?.stop();
    stelar = null;
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('#state[data-state="connected"]', { timeout: 5000 });
    return page;
  }

  async function join(page: Page, nick: string, room: string): Promise<void> {
    await page.fill('#nick', nick);
    await page.click('#nick-form button');
    await page.fill('#room', room);
    await page.click('#room-form button');
  }

  it('shows a message typed in one page in the other, with typing, files and reconnection', async () => {
    ({ stelar } = createChatServer({ port: 0, tcpPort: false, logger: false }));
    port = await stelar.start();
    const alice = await open();
    const bob = await open();
    await join(alice, 'alice', 'general');
    await join(bob, 'bob', 'general');
    await bob.waitForFunction(() => document.querySelector('#rooms')?.textContent?.includes('#general'));
    await until(() => stelar!.getStats().activeConnections === 2);

    await alice.fill('#text', 'hello from alice');
    await bob.waitForFunction(() => document.querySelector('#typing')?.textContent?.includes('alice is typing'));
    await alice.click('#chat-form button');
    await bob.waitForFunction(() => document.querySelector('#messages')?.textContent?.includes('alice: hello from alice'));
    await alice.waitForFunction(() => document.querySelector('#messages')?.textContent?.includes('alice: hello from alice'));

    // Drop a file on Alice's page: Bob gets it as binary with its name.
    await alice.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([104, 105, 33])], 'note.txt', { type: 'text/plain' }));
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await bob.waitForFunction(() => document.querySelector('#messages')?.textContent?.includes('alice shared note.txt (3 bytes)'));

    // Server restart: the badge shows reconnection, then connected again.
    await stelar.stop();
    await alice.waitForSelector('#state:not([data-state="connected"])', { timeout: 5000 });
    ({ stelar } = createChatServer({ port, tcpPort: false, logger: false }));
    await stelar.start();
    await alice.waitForSelector('#state[data-state="connected"]', { timeout: 10000 });
    await bob.waitForSelector('#state[data-state="connected"]', { timeout: 10000 });
  });
});
