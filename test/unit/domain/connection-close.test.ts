import { MessageType } from '../../../src/domain/message';
import { CountingRateLimiter, DeferredRateLimiter } from '../../fakes/fake-rate-limiter';
import { FakeConnection } from '../../fakes/fake-connection';
import { harness } from './connection-harness';

describe('ConnectionService close', () => {
  it('runs onClientDisconnect (rooms before cleanup), then onDisconnect, then cleans every index once', async () => {
    const order: string[] = [];
    const limiter = new CountingRateLimiter();
    const h = harness({
      rate: { customRateLimiter: limiter },
      hooks: {
        onClientDisconnect: (i) =>
          void order.push(`hook:${i.clientId}:${i.ip}:${i.protocol}:${[...i.rooms].join(',')}`),
      },
    });
    h.dispatcher.onDisconnect((ctx) => {
      // Handlers still see the rooms and the registry entry.
      order.push(`handler:${ctx.id}:${h.rooms.has('a')}:${h.clients.has(ctx.id)}`);
    });
    const conn = await h.connect('tcp', '5.5.5.5');
    const other = await h.connect();
    const rec = h.clients.get('c1')!;
    h.rooms.join(rec, 'a');
    h.rooms.join(rec, 'b');
    h.rooms.join(h.clients.get('c2')!, 'b');
    conn.finishClose(1000, 'bye');
    conn.finishClose(1000, 'again'); // exactly once
    expect(order).toEqual(['hook:c1:5.5.5.5:tcp:a,b', 'handler:c1:true:true']);
    expect(h.clients.has('c1')).toBe(false);
    expect(h.rooms.has('a')).toBe(false);
    expect([...h.rooms.members('b')!.keys()]).toEqual(['c2']);
    expect(rec.info.rooms.size).toBe(0);
    expect(h.tracker.calls).toEqual(['add 5.5.5.5', 'add 10.0.0.1', 'remove 5.5.5.5']);
    expect(limiter.resets).toEqual(['c1']);
    expect(conn.owner).toBeNull();
    expect(h.service.stats()).toMatchObject({ activeConnections: 1, tcpConnections: 0, wsConnections: 1, totalConnections: 2, totalRooms: 1 });
    expect(other.closes).toEqual([]);
  });

  it('a rejected (never registered) connection fires no disconnect hook or handler', async () => {
    let calls = 0;
    const h = harness({ hooks: { onClientDisconnect: () => void calls++ } });
    h.dispatcher.onDisconnect(() => void calls++);
    h.dispatcher.use(() => {});
    const conn = await h.connect();
    conn.finishClose(1008);
    expect(calls).toBe(0);
    expect(h.tracker.calls).toEqual([]);
  });

  it('a per-client override set during the connection is gone after close', async () => {
    const h = harness();
    await h.connect().then((c) => {
      h.rateLimits.setClientLimit('c1', { maxPoints: 5, windowMs: 1000 });
      c.finishClose();
    });
    expect(h.rateLimits.hasClientLimit('c1')).toBe(false);
  });

  it('closeAll closes admitted clients and clients still in middleware', async () => {
    const h = harness();
    const open = await h.connect();
    h.dispatcher.use(() => new Promise(() => {}));
    const pending = new FakeConnection();
    h.service.accept(pending);
    h.service.closeAll(1001, 'stopping');
    expect(open.closes).toEqual([{ code: 1001, reason: 'stopping' }]);
    expect(pending.closes).toEqual([{ code: 1001, reason: 'stopping' }]);
    pending.finishClose(1001);
    open.finishClose(1001);
    expect(h.clients.size).toBe(0);
    expect(h.admission.pending).toBe(0);
  });
});

describe('ConnectionService stats and maintenance', () => {
  it('reports the StelarStats numbers', async () => {
    const h = harness({ rate: { rateLimit: { maxPoints: 100, windowMs: 1000 } } });
    const a = await h.connect('ws');
    await h.connect('tcp');
    h.send(a, { type: MessageType.Event, event: 'e', data: undefined });
    h.rooms.join(h.clients.get('c1')!, 'r');
    h.clock.advance(500);
    expect(h.service.stats()).toEqual({
      totalConnections: 2,
      activeConnections: 2,
      totalMessagesReceived: 1,
      totalMessagesSent: 2,
      totalRooms: 1,
      uptime: 500,
      wsConnections: 1,
      tcpConnections: 1,
      rateLimiterEntries: 1,
      handshakesShed: 0,
      handshakesPeerGone: 0,
    });
  });

  it('with an async limiter, rateLimiterEntries is cached and refreshed by the 30 s maintenance', async () => {
    const limiter = new DeferredRateLimiter();
    limiter.entries = 4;
    const h = harness({ rate: { customRateLimiter: limiter } });
    await h.connect();
    h.service.stats(); // first call discovers the limiter is async
    await h.settle();
    expect(h.service.stats().rateLimiterEntries).toBe(4);
    limiter.entries = 9;
    await h.settle();
    expect(h.service.stats().rateLimiterEntries).toBe(4);
    h.clock.advance(30_000);
    await h.settle();
    expect(h.service.stats().rateLimiterEntries).toBe(9);
    expect(limiter.cleanups).toBe(1);
    expect(h.tracker.cleanups).toBe(1);
  });
});

describe('ConnectionService with transports that report onClose synchronously', () => {
  it('slow consumers closed mid-broadcast and heartbeat terminations leave consistent indexes', async () => {
    const h = harness({ limits: { maxBufferedBytes: 10, heartbeatInterval: 1000, heartbeatTimeout: 1500 } });
    const conns: FakeConnection[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await h.connect(i % 2 ? 'tcp' : 'ws');
      c.closeSync = true;
      h.rooms.join(h.clients.get(`c${i + 1}`)!, 'room');
      conns.push(c);
    }
    conns[1].bufferedAmount = 11;
    conns[4].bufferedAmount = 11;
    expect(h.service.toRoom('room', { type: MessageType.Event, event: 'x', data: null })).toBe(4);
    expect(h.clients.size).toBe(4);
    expect(h.rooms.members('room')!.size).toBe(4);
    // c1 keeps answering pings, the others go silent.
    h.clock.advance(1000);
    conns[0].handler!.onPong!(conns[0]);
    h.clock.advance(1000);
    // The 2 slow consumers were dropped by the broadcast, the 3 silent peers by the heartbeat.
    expect(conns.filter((c) => c.terminated)).toHaveLength(5);
    expect([...h.clients.ids()]).toEqual(['c1']);
    expect([...h.rooms.members('room')!.keys()]).toEqual(['c1']);
    expect(h.service.stats()).toMatchObject({ activeConnections: 1 });
  });

  it('a rate-limit close during async draining stops the queue', async () => {
    const limiter = new DeferredRateLimiter();
    const h = harness({ rate: { customRateLimiter: limiter } });
    const seen: unknown[] = [];
    h.dispatcher.on('e', (ctx) => void seen.push(ctx.data));
    const conn = await h.connect();
    conn.closeSync = true;
    h.send(conn, { type: MessageType.Event, event: 'e', data: 1 });
    h.send(conn, { type: MessageType.Event, event: 'e', data: 2 });
    limiter.answer(false);
    await h.settle();
    expect(h.clients.size).toBe(0);
    expect(seen).toEqual([]);
    expect(limiter.pending).toHaveLength(0);
  });
});
