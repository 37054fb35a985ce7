// examples/in-process-testing.js: an app tested against a real StelarServer over the in-process
// transport, with no socket opened (the example loads dist/, built by `npm test`).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require('../../../examples/in-process-testing.js') as {
  main: (o?: { name?: string }) => Promise<{
    joined: unknown;
    said: unknown;
    whoami: unknown;
    stats: Record<string, number>;
    refused: string;
  }>;
};

it('runs the chat app in-process: middleware, rooms, acks and stats', async () => {
  const r = await main({ name: `example-${process.pid}` });
  expect(r.joined).toEqual({ user: 'ada' });
  expect(r.said).toEqual({ user: 'ada', text: 'hello' });
  expect(r.whoami).toEqual({ user: 'ada', protocol: 'memory' });
  expect(r.stats).toMatchObject({ activeConnections: 2, memoryConnections: 2, wsConnections: 0, tcpConnections: 0 });
  expect(r.refused).toBe('STELAR_ERR_UNAUTHORIZED');
});
