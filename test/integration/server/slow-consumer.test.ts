import { ServerKit, MODES, until } from '../../helpers/server-kit';
import { floodRoom, pausableMember } from '../../helpers/flood';

const kit = new ServerKit();
afterEach(() => kit.teardown());

// A subscriber that stops reading must not grow the server's memory past its send-buffer cap,
// nor slow delivery to the others: volatile messages skip it, any other fan-out drops it.
describe.each(MODES)('slow consumers over %s', (mode) => {
  it('drops a reader that stopped reading and keeps delivering to the others', async () => {
    const server = await kit.server({ maxBufferedBytes: 256 * 1024, rateLimit: false });
    const fast = await kit.connect(server, mode);
    await fast.joinRoom('feed');
    let fastGot = 0;
    fast.on('tick', () => fastGot++);

    // The slow reader: joins, then never reads again.
    const pauseSlow = await pausableMember(server, mode, 'feed');
    await until(() => server.getRoomMembers('feed').length === 2);
    pauseSlow();

    // One message per event-loop turn until the paused reader passed the 256 KiB cap.
    const sent = await floodRoom(server, 'feed', 'x'.repeat(8 * 1024), 2);
    expect(server.getRoomMembers('feed')).toEqual([fast.getId()]);
    await until(() => fastGot === sent, 10_000, 'every tick at the fast reader');
    expect(fast.isConnected()).toBe(true);
  });
});
