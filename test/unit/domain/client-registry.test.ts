import { ClientRegistry } from '../../../src/domain/client-registry.service';
import { ClientRecord, ClientState } from '../../../src/domain/client-record';
import { FakeConnection } from '../../fakes/fake-connection';
import { record } from './helpers';

describe('ClientRecord', () => {
  it('exposes a live StelarClientInfo built from the connection', () => {
    const conn = new FakeConnection('tcp', '1.2.3.4');
    const r = new ClientRecord('x', conn, 42);
    expect(r.info).toEqual({
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
