import { MessageType } from '../../../src/domain/message';
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
});
