import { ServerKit, MODES, until } from '../../helpers/server-kit';
import { pausableMember } from '../../helpers/flood';
import { APP_TOKENS } from '../../../src';
import type { MessageSender } from '../../../src/domain/message-sender.service';

const kit = new ServerKit();
afterEach(() => kit.teardown());

// The builder's `volatile` over real sockets: a member that stopped reading is skipped (kept
// connected, in its room) while the others get every message; the same flood without
// `volatile` drops it as a slow consumer.
describe.each(MODES)('broadcast builder volatile over %s', (mode) => {
  it('skips a paused reader instead of dropping it; a plain builder emit drops it', async () => {
    const server = await kit.server({ maxBufferedBytes: 64 * 1024, rateLimit: false });
    const fast = await kit.connect(server, mode);
    await fast.joinRoom('feed');
    let fastGot = 0;
    fast.on('tick', () => fastGot++);

    const pauseSlow = await pausableMember(server, mode, 'feed');
    await until(() => server.getRoomMembers('feed').length === 2);
    pauseSlow();

    // Volatile: one message per turn until the paused reader's buffer is over the cap and 20
    // messages were skipped for it (bounded); it stays connected and in the room.
    const sender = server.container.get<MessageSender>(APP_TOKENS.MessageSender);
    const payload = 'x'.repeat(8 * 1024);
    const volatileFeed = server.to('feed').volatile;
    let N = 0;
    while (sender.volatileSkipped < 20 && N < 5000) {
      volatileFeed.emit('tick', payload);
      N++;
      await new Promise((r) => setImmediate(r));
    }
    expect(sender.volatileSkipped).toBeGreaterThanOrEqual(20);
    await until(() => fastGot === N, 15_000, 'every volatile tick at the fast reader');
    expect(server.getRoomMembers('feed').length).toBe(2);

    // The same without volatile: the paused reader is dropped, the fast one keeps getting them.
    const plain = server.to('feed');
    let sent = 0;
    while (server.getRoomMembers('feed').length === 2 && sent < 5000) {
      plain.emit('tick', payload);
      sent++;
      await new Promise((r) => setImmediate(r));
    }
    expect(server.getRoomMembers('feed')).toEqual([fast.getId()]);
    await until(() => fastGot === N + sent, 15_000, 'every plain tick at the fast reader');
    expect(fast.isConnected()).toBe(true);
  }, 40_000);
});
