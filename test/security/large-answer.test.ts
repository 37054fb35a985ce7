import { ServerKit, MODES } from '../helpers/server-kit';
import { FakeLogger } from '../fakes/fake-logger';

const kit = new ServerKit();
afterEach(() => kit.teardown());

// Issue #14 finding 5: a single answer above maxBufferedBytes (and below maxPayloadSize) to a
// client that reads normally used to destroy a TCP client silently (1006, no log) while the
// same answer was delivered over WebSocket. The rule now, for both transports: the bound
// applies to what is already buffered, so a message is written whenever the connection
// buffers at most maxBufferedBytes, whatever its own size (docs/API.md, maxBufferedBytes).
describe.each(MODES)('a large answer over %s', (mode) => {
  it('a 5 MiB answer above maxBufferedBytes reaches a client that reads normally', async () => {
    const logger = new FakeLogger();
    const server = await kit.server({ maxBufferedBytes: 4 * 1024 * 1024, rateLimit: false, logger });
    const big = 'x'.repeat(5 * 1024 * 1024);
    server.onAck('big', () => big);
    const client = await kit.connect(server, mode, { ackTimeout: 10_000 });

    const answer = (await client.request('big', null)) as string;
    expect(answer.length).toBe(big.length);
    expect(answer === big).toBe(true);
    // Twice: the first answer left the buffer, the second is written as well.
    const again = (await client.request('big', null)) as string;
    expect(again.length).toBe(big.length);
    expect(client.isConnected()).toBe(true);
    expect(server.getStats().activeConnections).toBe(1);
    expect(logger.lines.filter((l) => l.message.includes('slow consumer'))).toEqual([]);
  });
});
