import { ClientRegistry } from '../../../src/domain/client-registry.service';
import { ClientInfo, ClientRecord, ClientState } from '../../../src/domain/client-record';
import { FakeConnection } from '../../fakes/fake-connection';
import { record } from './helpers';

describe('ClientRecord', () => {
  it('exposes a live StelarClientInfo built from the connection', () => {
    const conn = new FakeConnection('tcp', '1.2.3.4');
    const r = new ClientRecord('x', conn, 42);
    expect({ ...r.info, rooms: r.info.rooms, metadata: r.info.metadata }).toEqual({
      id: 'x',
      rooms: new Set(),
      lastPing: 42,
      protocol: 'tcp',
      connectedAt: 42,
      metadata: new Map(),
      messagesReceived: 0,
      messagesSent: 0,
      remoteAddress: '1.2.3.4',
    });
    expect(r.state).toBe(ClientState.Admitting);
    expect(r.isOpen).toBe(false);
    expect(r.id).toBe('x');
    expect(r.protocol).toBe('tcp');
  });
});

describe('ClientInfo', () => {
  it('creates rooms and metadata on first access only, then keeps the same live objects', () => {
    const info = new ClientInfo('a', 'ws', '1.2.3.4', 7);
    expect(info.roomsIfAny()).toBeNull();
    expect(info.metadataIfAny()).toBeNull();
    expect(info.roomCount).toBe(0);
    expect(info.inRoom('r')).toBe(false);
    // Queries that do not need the collections leave them uncreated.
    expect(info.roomsIfAny()).toBeNull();

    const rooms = info.rooms;
    expect(rooms).toBeInstanceOf(Set);
    expect(info.rooms).toBe(rooms);
    rooms.add('r');
    expect(info.inRoom('r')).toBe(true);
    expect(info.roomCount).toBe(1);
    expect(info.roomsIfAny()).toBe(rooms);

    const metadata = info.metadata;
    expect(metadata).toBeInstanceOf(Map);
    metadata.set('k', 1);
    expect(info.metadata).toBe(metadata);
    expect(info.metadataIfAny()!.get('k')).toBe(1);
  });

  it('accepts replacement collections like the plain object did', () => {
    const info = new ClientInfo('a', 'ws', '1.2.3.4', 7);
    const rooms = new Set(['x']);
    const metadata = new Map([['k', 'v']]);
    info.rooms = rooms;
    info.metadata = metadata;
    expect(info.rooms).toBe(rooms);
    expect(info.metadata).toBe(metadata);
  });

  it('serialises to the same JSON as the plain StelarClientInfo object, without creating anything', () => {
    const info = new ClientInfo('a', 'tcp', '1.2.3.4', 7);
    info.messagesSent = 3;
    const plain = {
      id: 'a',
      rooms: new Set(),
      lastPing: 7,
      protocol: 'tcp',
      connectedAt: 7,
      metadata: new Map(),
      messagesReceived: 0,
      messagesSent: 3,
      remoteAddress: '1.2.3.4',
    };
    expect(JSON.stringify(info)).toBe(JSON.stringify(plain));
    expect(info.roomsIfAny()).toBeNull();
    expect(info.metadataIfAny()).toBeNull();
  });
});

describe('ClientRegistry', () => {
  it('adds, gets, removes in O(1) and counts per protocol', () => {
    const reg = new ClientRegistry();
    const a = record('a', 'ws');
    const b = record('b', 'tcp');
    const c = record('c', 'ws');
    reg.add(a);
    reg.add(b);
    reg.add(c);
    expect(reg.size).toBe(3);
    expect(reg.count('ws')).toBe(2);
    expect(reg.count('tcp')).toBe(1);
    expect(reg.get('b')).toBe(b);
    expect(reg.has('c')).toBe(true);
    expect(reg.remove('a')).toBe(a);
    expect(reg.remove('a')).toBeUndefined();
    expect(reg.count('ws')).toBe(1);
    expect(reg.size).toBe(2);
    expect(reg.totalConnected).toBe(3);
    expect([...reg.ids()].sort()).toEqual(['b', 'c']);
    expect([...reg].map((r) => r.id).sort()).toEqual(['b', 'c']);
  });

  it('refuses a duplicate id without corrupting counts', () => {
    const reg = new ClientRegistry();
    reg.add(record('a'));
    expect(() => reg.add(record('a'))).toThrow(RangeError);
    expect(reg.size).toBe(1);
    expect(reg.count('ws')).toBe(1);
    expect(reg.totalConnected).toBe(1);
  });
});
