import { ServerKit, until, sleep } from '../../helpers/server-kit';
import type { StelarServer } from '../../../src';

// examples/custom-wiring.js: rebinding ports before first resolution changes the server's behaviour.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require('../../../examples/custom-wiring.js') as {
  main: (o: { port: number; quota: number }) => { server: StelarServer; limiter: { size(): number } };
};

const kit = new ServerKit();
let server: StelarServer | null = null;
afterEach(async () => {
  await kit.teardown();
  await server?.stop();
});

it('uses the rebound IdGenerator and IRateLimiter', async () => {
  const wired = main({ port: 0, quota: 3 });
  server = wired.server;
  const got: number[] = [];
  server.on('n', (ctx) => got.push(ctx.data));
  await server.start();
  const c = await kit.connect(server, 'ws');
  expect(c.getId()).toBe('client-1');
  for (let i = 0; i < 6; i++) c.emit('n', i);
  await until(() => got.length === 3);
  await sleep(30);
  expect(got).toEqual([0, 1, 2]);
  expect(server.getStats().rateLimiterEntries).toBe(1);
});
