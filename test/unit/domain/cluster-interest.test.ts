// The domain side of interest routing, with a hand-written ClusterInterest: rooms report their
// first member and their last leaving, clients their registration and removal, and a client's
// join is confirmed only once the room's subscription is acknowledged (the join rule), with its
// room answers kept in request order.
import { MessageType } from '../../../src/domain/message';
import { FakeClusterInterest } from '../../fakes/fake-cluster-interest';
import { harness } from './connection-harness';

function setup() {
  const h = harness();
  const interest = new FakeClusterInterest();
  h.rooms.setInterest(interest);
  h.clients.setInterest(interest);
  return { h, interest };
}

const roomAnswers = (conn: { messages(): unknown[] }) =>
  conn.messages().filter((m) => {
    const t = (m as { type: number }).type;
    return t === MessageType.JoinRoom || t === MessageType.LeaveRoom;
  });

describe('cluster interest (domain)', () => {
  it('reports a room on its first member and its last leaving (leave and disconnect)', async () => {
    const { h, interest } = setup();
    const a = await h.connect();
    const b = await h.connect();
    interest.subscribe('r');
    h.send(a, { type: MessageType.JoinRoom, room: 'r' });
    h.send(b, { type: MessageType.JoinRoom, room: 'r' });
    h.send(a, { type: MessageType.LeaveRoom, room: 'r' });
    expect(interest.events).toEqual(['add c1', 'add c2', 'open r']);
    b.finishClose(1006, ""); // the last member goes with its connection
    await h.settle();
    expect(interest.events).toEqual(['add c1', 'add c2', 'open r', 'close r', 'remove c2']);
  });

  it('confirms a join only once the room is subscribed, and keeps room answers in order', async () => {
    const { h, interest } = setup();
    const a = await h.connect();
    h.send(a, { type: MessageType.JoinRoom, room: 'r', id: 1 });
    h.send(a, { type: MessageType.LeaveRoom, room: 'other', id: 2 }); // queued behind the join
    await h.settle();
    expect(roomAnswers(a)).toEqual([]); // not subscribed yet: the join is not confirmed
    expect(h.rooms.members('r')!.has('c1')).toBe(true); // local delivery works meanwhile
    interest.subscribe('r');
    await h.settle();
    expect(roomAnswers(a)).toEqual([
      { type: MessageType.JoinRoom, room: 'r', id: 1, ok: true },
      { type: MessageType.LeaveRoom, room: 'other', id: 2, ok: true },
    ]);
    // Already subscribed: the next join to the room is answered at once.
    const b = await h.connect();
    h.send(b, { type: MessageType.JoinRoom, room: 'r', id: 3 });
    expect(roomAnswers(b)).toEqual([{ type: MessageType.JoinRoom, room: 'r', id: 3, ok: true }]);
  });

  it('a refused join is answered at once (nothing to wait for)', async () => {
    const { h } = setup();
    const a = await h.connect();
    h.send(a, { type: MessageType.JoinRoom, room: '', id: 1 });
    expect(roomAnswers(a)).toHaveLength(1);
    expect(roomAnswers(a)[0]).toMatchObject({ ok: false });
  });
});
