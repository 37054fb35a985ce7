import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { harness } from './connection-harness';

const ev = (event: string, data?: unknown): StelarMessage => ({ type: MessageType.Event, event, data });

describe('ConnectionService fan-out', () => {
  it('broadcast encodes once per protocol and hands the same OutboundMessage to everyone', async () => {
    const h = harness();
    const w1 = await h.connect('ws');
    const w2 = await h.connect('ws');
    const t1 = await h.connect('tcp');
    const t2 = await h.connect('tcp');
    h.codecs.ws.encodeCalls = 0;
    h.codecs.tcp.encodeCalls = 0;
    expect(h.service.broadcast(ev('news', 1))).toBe(4);
    expect(h.codecs.ws.encodeCalls).toBe(1);
    expect(h.codecs.tcp.encodeCalls).toBe(1);
    expect(w1.sent.at(-1)).toBe(w2.sent.at(-1));
    expect(t1.sent.at(-1)).toBe(t2.sent.at(-1));
    expect(w1.sent.at(-1)).not.toBe(t1.sent.at(-1));
  });

  it('encodes lazily: no recipients on a protocol, no encoding for it', async () => {
    const h = harness();
    await h.connect('ws');
    h.codecs.tcp.encodeCalls = 0;
    h.service.broadcast(ev('x'));
    expect(h.codecs.tcp.encodeCalls).toBe(0);
  });

  it('counts messagesSent per client and in total (a broadcast to N counts N); excludeId skips', async () => {
    const h = harness();
    const a = await h.connect();
    const b = await h.connect();
    const before = h.service.stats().totalMessagesSent; // the two Connect messages
    expect(before).toBe(2);
    expect(h.service.broadcast(ev('x'), 'c1')).toBe(1);
    expect(a.messages().some((m) => m.type === MessageType.Event)).toBe(false);
    expect(b.messages().at(-1)).toEqual(ev('x'));
    h.service.broadcast(ev('y'));
    expect(h.service.stats().totalMessagesSent).toBe(5);
    expect(h.clients.get('c1')!.info.messagesSent).toBe(2);
    expect(h.clients.get('c2')!.info.messagesSent).toBe(3);
  });

  it('onBeforeBroadcast returning false cancels the broadcast', async () => {
    const seen: unknown[] = [];
    const h = harness({ hooks: { onBeforeBroadcast: (i) => (seen.push(i), i.event !== 'blocked') } });
    const a = await h.connect();
    expect(h.service.broadcast(ev('blocked', 1), 'zz')).toBe(-1);
    expect(h.service.broadcast(ev('fine', 2))).toBe(1);
    expect(seen).toEqual([
      { event: 'blocked', data: 1, excludeId: 'zz' },
      { event: 'fine', data: 2, excludeId: undefined },
    ]);
    expect(a.messages().filter((m) => m.type === MessageType.Event)).toEqual([ev('fine', 2)]);
    // cluster deliveries were approved on their origin node
    expect(h.service.deliverToAll(ev('blocked', 3))).toBe(1);
    expect(seen).toHaveLength(2);
    // toRoom and toId are not broadcasts
    h.rooms.join(h.clients.get('c1')!, 'r');
    expect(h.service.toRoom('r', ev('blocked'))).toBe(1);
    expect(h.service.toId('c1', ev('blocked'))).toBe(true);
  });

  it('toRoom reaches members only; toId one client', async () => {
    const h = harness();
    const a = await h.connect();
    const b = await h.connect('tcp');
    const c = await h.connect();
    h.rooms.join(h.clients.get('c1')!, 'r');
    h.rooms.join(h.clients.get('c2')!, 'r');
    expect(h.service.toRoom('r', ev('room'), 'c1')).toBe(1);
    expect(h.service.toRoom('none', ev('room'))).toBe(0);
    expect(b.messages().at(-1)).toEqual(ev('room'));
    expect(a.messages().at(-1)?.type).toBe(MessageType.Connect);
    expect(h.service.toId('c3', ev('direct'))).toBe(true);
    expect(h.service.toId('nobody', ev('direct'))).toBe(false);
    expect(c.messages().at(-1)).toEqual(ev('direct'));
  });

  it('slow consumers: volatile messages are skipped, others drop the client at once', async () => {
    const h = harness({ limits: { maxBufferedBytes: 100 } });
    const slow = await h.connect();
    const fast = await h.connect();
    slow.bufferedAmount = 101;
    expect(h.service.broadcast(ev('v'), undefined, { volatile: true })).toBe(1);
    expect(slow.closes).toEqual([]);
    expect(h.service.broadcast(ev('n'))).toBe(1);
    // Terminated, not closed politely: a close would queue behind the unread backlog.
    expect(slow.terminated).toBe(true);
    expect(slow.closes).toEqual([]);
    expect(fast.messages().filter((m) => m.type === MessageType.Event)).toHaveLength(2);
    expect(slow.messages().filter((m) => m.type === MessageType.Event)).toHaveLength(0);
  });

  it('one-recipient sends (answers, direct sends) follow the same bound: over it the client is dropped once', async () => {
    const h = harness({ limits: { maxBufferedBytes: 100 } });
    const slow = await h.connect();
    const sent = slow.messages().length;
    slow.bufferedAmount = 100;
    // At the bound (not over it) a message is still written, whatever its size.
    expect(h.service.toId('c1', ev('at-bound'))).toBe(true);
    slow.bufferedAmount = 101;
    expect(h.service.toId('c1', ev('over'))).toBe(false);
    expect(h.service.toId('c1', ev('again'))).toBe(false);
    expect(slow.terminated).toBe(true);
    expect(slow.messages().slice(sent)).toEqual([ev('at-bound')]);
    expect(h.logger.at('warn').filter((l) => /slow consumer: dropping c1/.test(l))).toHaveLength(1);
  });

  it('sending to a closing client is a no-op', async () => {
    const h = harness();
    const a = await h.connect();
    h.service.disconnect('c1', 4000, 'bye');
    expect(a.closes).toEqual([{ code: 4000, reason: 'bye' }]);
    expect(h.service.toId('c1', ev('x'))).toBe(false);
    expect(h.service.broadcast(ev('x'))).toBe(0);
    expect(h.service.disconnect('c1')).toBe(false);
  });
});

describe('ConnectionService heartbeats', () => {
  it('uses one interval timer for all clients and pings every live client', async () => {
    const h = harness({ limits: { heartbeatInterval: 1000, heartbeatTimeout: 10_000 } });
    const conns = [await h.connect(), await h.connect(), await h.connect()];
    expect(h.clock.pending).toBe(2); // heartbeat + maintenance, not one per connection
    h.clock.advance(1000);
    expect(conns.map((c) => c.pings)).toEqual([1, 1, 1]);
  });

  it('terminates a client whose last pong is older than heartbeatTimeout', async () => {
    const h = harness({ limits: { heartbeatInterval: 1000, heartbeatTimeout: 2500 } });
    const quiet = await h.connect();
    const alive = await h.connect();
    for (let i = 0; i < 3; i++) {
      h.clock.advance(1000);
      alive.handler!.onPong!(alive);
    }
    expect(quiet.terminated).toBe(true);
    expect(alive.terminated).toBe(false);
    expect(quiet.pings).toBe(2);
  });

  it('updateLimits restarts the heartbeat with the new interval; dispose clears every timer', async () => {
    const h = harness({ limits: { heartbeatInterval: 1000, heartbeatTimeout: 60_000 } });
    const c = await h.connect();
    h.service.updateLimits({ heartbeatInterval: 200 });
    h.clock.advance(1000);
    expect(c.pings).toBe(5);
    h.service.dispose();
    expect(h.clock.pending).toBe(0);
    h.clock.advance(10_000);
    expect(c.pings).toBe(5);
  });

  it('heartbeatInterval 0 disables heartbeats', async () => {
    const h = harness({ limits: { heartbeatInterval: 0 } });
    const c = await h.connect();
    h.clock.advance(100_000);
    expect(c.pings).toBe(0);
    expect(c.terminated).toBe(false);
  });
});

describe('ConnectionService cluster deliveries', () => {
  it('maps deliveries to local all / room / client sends without re-running onBeforeBroadcast', async () => {
    let hookCalls = 0;
    const h = harness({ hooks: { onBeforeBroadcast: () => (hookCalls++, false) } });
    const a = await h.connect();
    const b = await h.connect('tcp');
    h.rooms.join(h.clients.get('c2')!, 'room');
    expect(h.service.deliverFromCluster({ target: { kind: 'all' }, event: 'x', data: 1, excludeId: 'c1' })).toBe(1);
    expect(h.service.deliverFromCluster({ target: { kind: 'room', room: 'room' }, event: 'bin', bytes: new Uint8Array([9]) })).toBe(1);
    expect(h.service.deliverFromCluster({ target: { kind: 'client', clientId: 'c1' }, event: 'dm', data: 'hi' })).toBe(1);
    expect(h.service.deliverFromCluster({ target: { kind: 'client', clientId: 'elsewhere' }, event: 'dm', data: 'hi' })).toBe(0);
    expect(hookCalls).toBe(0);
    expect(a.messages().slice(1)).toEqual([{ type: MessageType.Event, event: 'dm', data: 'hi' }]);
    expect(b.messages().slice(1)).toEqual([
      { type: MessageType.Event, event: 'x', data: 1 },
      { type: MessageType.Binary, event: 'bin', bytes: new Uint8Array([9]) },
    ]);
  });
});
