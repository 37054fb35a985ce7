import { FakeIPTracker } from '../../fakes/fake-ip-tracker';
import { MessageType } from '../../../src/domain/message';
import { REJECTED_BY_MIDDLEWARE, MIDDLEWARE_TIMEOUT } from '../../../src/domain/dispatcher.service';
import { FakeConnection } from '../../fakes/fake-connection';
import { harness } from './connection-harness';

describe('ConnectionService admission', () => {
  it('admits: Connect first, then onClientConnect, then onConnection; registered and tracked', async () => {
    const order: string[] = [];
    const h = harness({ hooks: { onClientConnect: (i) => void order.push(`hook:${i.clientId}:${i.ip}:${i.protocol}`) } });
    h.dispatcher.onConnection((ctx) => {
      order.push(`conn:${ctx.id}`);
      h.service.sendTo(ctx.record, { type: MessageType.Event, event: 'welcome', data: 1 });
    });
    const conn = await h.connect('tcp', '1.2.3.4');
    expect(conn.messages()[0]).toEqual({ type: MessageType.Connect, clientId: 'c1', maxPayloadSize: 1024, heartbeatInterval: 1000 });
    expect(conn.messages()[1]).toMatchObject({ event: 'welcome' });
    expect(order).toEqual(['hook:c1:1.2.3.4:tcp', 'conn:c1']);
    expect(h.clients.get('c1')?.conn).toBe(conn);
    expect(h.tracker.calls).toEqual(['add 1.2.3.4']);
    expect(h.admission.pending).toBe(0);
    expect(conn.closes).toEqual([]);
  });

  it('middleware runs with the connection context before admission and can set metadata', async () => {
    const h = harness();
    h.dispatcher.use((ctx, next) => {
      expect(h.clients.has(ctx.id)).toBe(false);
      ctx.record.info.metadata.set('user', 'ada');
      next();
    });
    let seen: unknown;
    h.dispatcher.onConnection((ctx) => (seen = ctx.record.info.metadata.get('user')));
    await h.connect();
    expect(seen).toBe('ada');
  });

  it('a middleware that never calls next rejects: Error UNAUTHORIZED, close 1008, nothing registered', async () => {
    const h = harness();
    let connected = 0;
    h.dispatcher.use(() => {});
    h.dispatcher.onConnection(() => void connected++);
    const conn = await h.connect();
    expect(conn.messages()).toEqual([{ type: MessageType.Error, code: 'STELAR_ERR_UNAUTHORIZED', message: REJECTED_BY_MIDDLEWARE }]);
    expect(conn.closes).toEqual([{ code: 1008, reason: REJECTED_BY_MIDDLEWARE }]);
    expect(connected).toBe(0);
    expect(h.clients.size).toBe(0);
    expect(h.tracker.calls).toEqual([]);
    expect(h.admission.pending).toBe(0);
    conn.finishClose(1008);
    expect(h.tracker.calls).toEqual([]); // never added, never removed
    expect(conn.owner).toBeNull();
  });

  it('the middleware chain is bounded by connectTimeout', async () => {
    const h = harness({ limits: { connectTimeout: 2000 } });
    h.dispatcher.use(() => new Promise(() => {}));
    const conn = new FakeConnection();
    h.service.accept(conn);
    await Promise.resolve(); // the chain starts one microtask after accept
    h.clock.advance(1999);
    await h.settle();
    expect(conn.closes).toEqual([]);
    expect(h.service.admittingCount).toBe(1);
    h.clock.advance(1);
    await h.settle();
    expect(conn.messages()).toEqual([{ type: MessageType.Error, code: 'STELAR_ERR_CONNECT_TIMEOUT', message: MIDDLEWARE_TIMEOUT }]);
    expect(conn.closes[0].code).toBe(1008);
    expect(h.service.admittingCount).toBe(0);
  });

  it('a connection closed during the middleware is never registered and frees its slot', async () => {
    const h = harness();
    let release: () => void = () => {};
    h.dispatcher.use((_c, next) => new Promise<void>((r) => (release = () => (next(), r()))));
    const conn = new FakeConnection();
    h.service.accept(conn);
    expect(h.admission.pending).toBe(1);
    conn.finishClose(1006);
    expect(h.admission.pending).toBe(0);
    release();
    await h.settle();
    expect(h.clients.size).toBe(0);
    expect(conn.sent).toEqual([]);
    expect(h.tracker.calls).toEqual([]);
  });

  it('messages before admission completes are dropped as invalid', async () => {
    const invalid: string[] = [];
    const h = harness({ hooks: { onInvalidMessage: (i) => void invalid.push(i.reason) } });
    let handled = 0;
    h.dispatcher.on('chat', () => void handled++);
    let admit: () => void = () => {};
    h.dispatcher.use((_c, next) => new Promise<void>((r) => (admit = () => (next(), r()))));
    const conn = new FakeConnection();
    h.service.accept(conn);
    await Promise.resolve();
    h.send(conn, { type: MessageType.Event, event: 'chat', data: 1 });
    h.send(conn, { type: MessageType.Connect, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0 });
    expect(invalid).toEqual(['message before the connection was admitted']);
    admit();
    await h.settle();
    h.send(conn, { type: MessageType.Event, event: 'chat', data: 2 });
    expect(handled).toBe(1);
  });

  it('refuses at accept when the server filled up after screening (Error SERVER_FULL, 1013)', async () => {
    const h = harness({ maxConnections: 1 });
    await h.connect();
    const conn = await h.connect();
    expect(conn.messages()).toEqual([{ type: MessageType.Error, code: 'STELAR_ERR_SERVER_FULL', message: 'Server is full' }]);
    expect(conn.closes).toEqual([{ code: 1013, reason: 'Server is full' }]);
    expect(h.clients.size).toBe(1);
  });

  it('pending admissions count toward maxConnections', async () => {
    const h = harness({ maxConnections: 1 });
    h.dispatcher.use(() => new Promise(() => {}));
    h.service.accept(new FakeConnection());
    expect(h.service.screen({ protocol: 'tcp', remoteAddress: '9.9.9.9', originApplies: false, headers: {} })).toMatchObject({ status: 503 });
  });

  it('a screened attempt keeps its slot and tracker entry through accept(conn, info) until the client closes', async () => {
    const tracker = new FakeIPTracker(1);
    const h = harness({ maxConnections: 2, tracker });
    const info = { protocol: 'tcp' as const, remoteAddress: '4.4.4.4', originApplies: false, headers: {} };
    expect(h.service.screen(info)).toBeNull();
    // Counted from the screen on: a second attempt from 4.4.4.4 is refused before any accept.
    expect(h.service.screen({ ...info })).toMatchObject({ status: 429 });
    expect(h.admission.pending).toBe(1);
    const conn = new FakeConnection('tcp', '4.4.4.4');
    h.service.accept(conn, info);
    await h.settle();
    expect(h.clients.size).toBe(1);
    expect(h.admission.pending).toBe(0);
    // One tracker add for the attempt (not a second one at admission), one remove at close.
    expect(tracker.calls.filter((c) => c.startsWith('add'))).toEqual(['add 4.4.4.4']);
    conn.finishClose(1000, "");
    expect(tracker.counts.get('4.4.4.4')).toBeUndefined();
    expect(tracker.calls.filter((c) => c.startsWith('remove'))).toEqual(['remove 4.4.4.4']);
    // An abandoned attempt gives both back.
    const other = { ...info, remoteAddress: '5.5.5.5' };
    expect(h.service.screen(other)).toBeNull();
    h.service.abandon(other);
    expect(h.admission.pending).toBe(0);
    expect(tracker.counts.get('5.5.5.5')).toBeUndefined();
  });

  it('a deadline reported by a transport is logged once per second per code, with the count of the rest', () => {
    const h = harness();
    const e = { protocol: 'tcp' as const, remoteAddress: '6.6.6.6', code: 'STELAR_ERR_CONNECT_TIMEOUT', reason: 'No Connect frame within 10 ms' };
    h.service.attemptEnded(e);
    h.service.attemptEnded(e);
    h.service.attemptEnded(e);
    expect(h.logger.at('warn')).toHaveLength(1);
    h.clock.advance(1000);
    h.service.attemptEnded(e);
    const lines = h.logger.at('warn');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/STELAR_ERR_CONNECT_TIMEOUT: No Connect frame within 10 ms \(tcp 6\.6\.6\.6\) \(\+2 more since the last line\)/);
  });

  it('screen delegates to admission', () => {
    const h = harness();
    h.admission.configure({ allowedOrigins: ['https://ok'] });
    expect(h.service.screen({ protocol: 'ws', remoteAddress: '1.1.1.1', originApplies: true, origin: 'https://bad', headers: {} })).toMatchObject({ status: 403 });
    expect(h.service.screen({ protocol: 'ws', remoteAddress: '1.1.1.1', originApplies: true, origin: 'https://ok', headers: {} })).toBeNull();
  });

  it('an id generator that throws or repeats closes the connection with 1011', async () => {
    let next: () => string = () => 'c1';
    const h = harness({ ids: { next: () => next() } });
    const first = await h.connect();
    const dup = await h.connect();
    expect(dup.closes[0].code).toBe(1011);
    expect(h.clients.get('c1')?.conn).toBe(first);
    next = () => {
      throw new Error('nope');
    };
    const broken = await h.connect();
    expect(broken.closes).toEqual([{ code: 1011, reason: 'Internal error' }]);
    expect(h.logger.at('error').length).toBeGreaterThan(0);
  });
});

describe('ConnectionService admission races', () => {
  it('a peer that vanished during middleware (onClose still pending) is not registered', async () => {
    const h = harness();
    let admit: () => void = () => {};
    h.dispatcher.use((_c, next) => new Promise<void>((r) => (admit = () => (next(), r()))));
    const conn = new FakeConnection();
    h.service.accept(conn);
    await Promise.resolve();
    conn.isOpen = false;
    admit();
    await h.settle();
    expect(h.clients.size).toBe(0);
    expect(h.admission.pending).toBe(0);
    conn.finishClose(1006);
    expect(h.tracker.calls).toEqual([]);
  });
});

describe('ConnectionService TCP hello', () => {
  it('the hello handed over right after accept() is on the record before middleware runs', async () => {
    const h = harness();
    let seen: unknown;
    h.dispatcher.use((ctx, next) => {
      seen = ctx.record.hello?.headers;
      next();
    });
    const conn = new FakeConnection('tcp');
    h.service.accept(conn);
    // What the TCP transport does: forward the hello synchronously after accept().
    h.send(conn, { type: MessageType.Connect, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 1, headers: { authorization: 't0k' } });
    await h.settle();
    expect(seen).toEqual({ authorization: 't0k' });
    expect(conn.messages()[0]).toMatchObject({ type: MessageType.Connect, clientId: 'c1' });
  });

  it('a connection closed before the middleware starts never runs it', async () => {
    const h = harness();
    let ran = 0;
    h.dispatcher.use((_c, next) => (ran++, next()));
    const conn = new FakeConnection();
    h.service.accept(conn);
    conn.finishClose(1006);
    await h.settle();
    expect(ran).toBe(0);
    expect(h.admission.pending).toBe(0);
    expect(h.clients.size).toBe(0);
  });
});
