import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { FakeConnection } from '../../fakes/fake-connection';
import { harness } from './connection-harness';

// Idle memory: what an admitted connection that never joins a room nor gets metadata holds.
describe('ConnectionService per-connection state', () => {
  it('an idle client never gets a room Set or a metadata Map, through admission, messages and close', async () => {
    const h = harness();
    h.dispatcher.on('hello', () => undefined);
    const conn = await h.connect();
    const rec = h.clients.get('c1')!;
    h.send(conn, { type: MessageType.Event, event: 'hello', data: 1 });
    h.send(conn, { type: MessageType.LeaveRoom, room: 'nowhere', id: 1 });
    expect(rec.info.roomsIfAny()).toBeNull();
    expect(rec.info.metadataIfAny()).toBeNull();
    conn.finishClose(1000, 'bye');
    expect(rec.info.roomsIfAny()).toBeNull();
    expect(rec.info.metadataIfAny()).toBeNull();
  });

  it('hooks that need the collections still get the live ones', async () => {
    const seen: unknown[] = [];
    const h = harness({
      hooks: {
        onClientConnect: (i) => void seen.push(i.metadata),
        onClientJoinRoom: (i) => void seen.push(i.metadata),
        onClientDisconnect: (i) => void seen.push([...i.rooms]),
      },
    });
    const conn = await h.connect();
    const rec = h.clients.get('c1')!;
    h.send(conn, { type: MessageType.JoinRoom, room: 'r', id: 1 });
    expect(seen[0]).toBe(rec.info.metadata);
    expect(seen[1]).toBe(rec.info.metadata);
    expect(rec.info.rooms.has('r')).toBe(true);
    conn.finishClose(1000, 'bye');
    expect(seen[2]).toEqual(['r']);
    expect(rec.info.rooms.size).toBe(0);
  });

  it('TCP clients that sent the usual hello share one kept hello; a hello with headers is kept as sent', async () => {
    const h = harness();
    const plain: StelarMessage = { type: MessageType.Connect, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 1 };
    const withHeaders: StelarMessage = { ...plain, headers: { authorization: 't' } };
    const conns = [new FakeConnection('tcp'), new FakeConnection('tcp'), new FakeConnection('tcp')];
    conns.forEach((c, i) => {
      h.service.accept(c);
      h.send(c, i < 2 ? plain : withHeaders);
    });
    await h.settle();
    const [a, b, c] = ['c1', 'c2', 'c3'].map((id) => h.clients.get(id)!);
    expect(a.hello).not.toBeNull();
    expect(a.hello).toBe(b.hello);
    expect(a.hello).toMatchObject({ type: MessageType.Connect, version: 1 });
    expect(a.hello!.headers).toBeUndefined();
    expect(c.hello).not.toBe(a.hello);
    expect(c.hello!.headers).toEqual({ authorization: 't' });
  });
});
