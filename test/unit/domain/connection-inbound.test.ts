import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { ProtocolError } from '../../../src/domain/errors';
import { CountingRateLimiter, DeferredRateLimiter } from '../../fakes/fake-rate-limiter';
import type { FakeContext } from '../../fakes/fake-context-factory';
import { harness } from './connection-harness';

const ev = (event: string, data?: unknown): StelarMessage => ({ type: MessageType.Event, event, data });

describe('ConnectionService inbound', () => {
  it('dispatches events to on() and onAll() and counts messages', async () => {
    const h = harness();
    const seen: string[] = [];
    h.dispatcher.on('chat', (ctx) => void seen.push(`chat:${JSON.stringify(ctx.data)}`));
    h.dispatcher.onAll(({ event, data }) => void seen.push(`all:${event}:${data.id}`));
    const conn = await h.connect();
    h.send(conn, ev('chat', { text: 'hi' }));
    h.send(conn, { type: MessageType.Binary, event: 'file', bytes: new Uint8Array([1, 2]), meta: { name: 'a' } });
    expect(seen).toEqual(['chat:{"text":"hi"}', 'all:chat:c1', 'all:file:c1']);
    expect(h.clients.get('c1')!.info.messagesReceived).toBe(2);
    expect(h.service.stats().totalMessagesReceived).toBe(2);
  });

  it('binary events reach handlers with bytes and meta', async () => {
    const h = harness();
    let got: FakeContext | undefined;
    h.dispatcher.on('file', (ctx) => void (got = ctx));
    const conn = await h.connect();
    h.send(conn, { type: MessageType.Binary, event: 'file', bytes: new Uint8Array([7, 8]), meta: { name: 'a.png' } });
    expect(got!.inbound).toEqual({ event: 'file', bytes: new Uint8Array([7, 8]), meta: { name: 'a.png' }, binary: true });
  });

  it('a payload above maxPayloadSize fires onPayloadTooLarge, sends Error and closes 1009, never handled', async () => {
    const fired: unknown[] = [];
    const h = harness({ limits: { maxPayloadSize: 50 }, hooks: { onPayloadTooLarge: (i) => void fired.push(i) } });
    let handled = 0;
    h.dispatcher.on('big', () => void handled++);
    const conn = await h.connect();
    const body = new TextEncoder().encode(JSON.stringify(ev('big', 'x'.repeat(100))));
    conn.receive(body);
    expect(fired).toEqual([{ clientId: 'c1', size: body.byteLength, max: 50 }]);
    expect(conn.messages().at(-1)).toEqual({ type: MessageType.Error, code: 'STELAR_ERR_PAYLOAD_TOO_LARGE', message: 'Message too big' });
    expect(conn.closes).toEqual([{ code: 1009, reason: 'Message too big' }]);
    expect(handled).toBe(0);
    h.send(conn, ev('big', 1)); // after closing: ignored
    expect(handled).toBe(0);
  });

  it('undecodable, reserved and badly named messages fire onInvalidMessage; the connection stays open', async () => {
    const reasons: string[] = [];
    const h = harness({ hooks: { onInvalidMessage: (i) => void reasons.push(`${i.protocol}:${i.reason}`) } });
    let handled = 0;
    h.dispatcher.on('ok', () => void handled++);
    h.dispatcher.on('error', () => void handled++);
    const conn = await h.connect('tcp');
    conn.receive(new TextEncoder().encode('{not json'));
    h.send(conn, ev('error', 1));
    h.send(conn, ev('', 1));
    h.send(conn, ev('a\0b', 1));
    h.send(conn, { type: MessageType.Error, code: 'X', message: 'y' });
    h.send(conn, ev('ok', 1));
    expect(reasons).toEqual([
      'tcp:invalid JSON',
      'tcp:reserved event name "error"',
      'tcp:invalid event name: name must be a non-empty string',
      'tcp:invalid event name: name contains NUL',
      'tcp:unexpected message type 10 from a client',
    ]);
    expect(handled).toBe(1);
    expect(conn.closes).toEqual([]);
  });

  it('transport protocol errors fire onInvalidMessage, oversize frames onPayloadTooLarge', async () => {
    const seen: string[] = [];
    const h = harness({
      hooks: {
        onInvalidMessage: (i) => void seen.push(`invalid:${i.reason}`),
        onPayloadTooLarge: (i) => void seen.push(`large:${i.size}:${i.max}`),
      },
    });
    const conn = await h.connect();
    h.service.onProtocolError(conn, new ProtocolError('STELAR_ERR_INVALID_OPCODE', 'bad opcode', 1002));
    const big = Object.assign(new ProtocolError('STELAR_ERR_FRAME_TOO_LARGE', 'too big', 1009), { size: 99999 });
    h.service.onProtocolError(conn, big);
    expect(seen).toEqual(['invalid:bad opcode', 'large:99999:1024']);
  });

  it('Ping gets a Pong; Ping, Pong and transport pongs refresh lastPing and are not rate-limited', async () => {
    const limiter = new CountingRateLimiter(1);
    const h = harness({ rate: { customRateLimiter: limiter } });
    const conn = await h.connect();
    const info = h.clients.get('c1')!.info;
    h.clock.advance(100);
    h.send(conn, { type: MessageType.Ping });
    expect(conn.messages().at(-1)).toEqual({ type: MessageType.Pong });
    expect(info.lastPing).toBe(h.clock.now());
    h.clock.advance(100);
    h.send(conn, { type: MessageType.Pong });
    expect(info.lastPing).toBe(h.clock.now());
    h.clock.advance(100);
    conn.handler!.onPong!(conn);
    expect(info.lastPing).toBe(h.clock.now());
    expect(limiter.checks).toEqual([]);
  });

  it('rate limit exceeded: hook, Error RATE_LIMITED, close 1008', async () => {
    const fired: unknown[] = [];
    const h = harness({
      rate: { customRateLimiter: new CountingRateLimiter(2) },
      hooks: { onRateLimitExceeded: (i) => void fired.push(i) },
    });
    let handled = 0;
    h.dispatcher.on('e', () => void handled++);
    const conn = await h.connect();
    h.send(conn, ev('e'));
    h.send(conn, { type: MessageType.JoinRoom, room: 'r', id: 1 }); // joins count too
    h.send(conn, ev('e'));
    h.send(conn, ev('e'));
    expect(handled).toBe(1);
    expect(fired).toEqual([{ clientId: 'c1', event: 'e', protocol: 'ws' }]);
    expect(conn.messages().at(-1)).toEqual({ type: MessageType.Error, code: 'STELAR_ERR_RATE_LIMITED', message: 'Rate limit exceeded' });
    expect(conn.closes).toEqual([{ code: 1008, reason: 'Rate limit exceeded' }]);
  });

  it('onRateLimitExceeded returning false drops the message and keeps the client', async () => {
    const h = harness({ rate: { customRateLimiter: new CountingRateLimiter(1) }, hooks: { onRateLimitExceeded: () => false } });
    let handled = 0;
    h.dispatcher.on('e', () => void handled++);
    const conn = await h.connect();
    h.send(conn, ev('e'));
    h.send(conn, ev('e'));
    h.send(conn, ev('e'));
    expect(handled).toBe(1);
    expect(conn.closes).toEqual([]);
  });

  it('per-event limits apply through the policy', async () => {
    const h = harness({ rate: { rateLimit: false, eventRateLimits: { chat: { maxPoints: 1, windowMs: 1000 } } }, hooks: { onRateLimitExceeded: () => false } });
    const seen: string[] = [];
    h.dispatcher.onAll(({ event }) => void seen.push(event));
    const conn = await h.connect();
    h.send(conn, ev('chat'));
    h.send(conn, ev('chat'));
    h.send(conn, ev('move'));
    h.send(conn, ev('move'));
    expect(seen).toEqual(['chat', 'move', 'move']);
  });

  it('an async limiter never reorders a client\'s messages and checks one at a time', async () => {
    const limiter = new DeferredRateLimiter();
    const h = harness({ rate: { customRateLimiter: limiter }, hooks: { onRateLimitExceeded: () => false } });
    const seen: unknown[] = [];
    h.dispatcher.on('e', (ctx) => void seen.push(ctx.data));
    const conn = await h.connect();
    for (let i = 1; i <= 4; i++) h.send(conn, ev('e', i));
    h.send(conn, { type: MessageType.Ping }); // not queued: answered at once
    expect(conn.messages().at(-1)).toEqual({ type: MessageType.Pong });
    expect(limiter.pending).toHaveLength(1);
    expect(seen).toEqual([]);
    limiter.answer(true);
    await h.settle();
    expect(seen).toEqual([1]);
    expect(limiter.pending).toHaveLength(1);
    limiter.answer(false); // message 2 is dropped (hook returned false)
    await h.settle();
    limiter.answer(true);
    await h.settle();
    h.send(conn, ev('e', 5)); // arrives while 4 is pending: queued behind it
    limiter.answer(true);
    await h.settle();
    limiter.answer(true);
    await h.settle();
    expect(seen).toEqual([1, 3, 4, 5]);
    expect(h.clients.get('c1')!.inbox).toBeNull();
  });

  it('an async denial closes and discards the queue', async () => {
    const limiter = new DeferredRateLimiter();
    const h = harness({ rate: { customRateLimiter: limiter } });
    const seen: unknown[] = [];
    h.dispatcher.on('e', (ctx) => void seen.push(ctx.data));
    const conn = await h.connect();
    h.send(conn, ev('e', 1));
    h.send(conn, ev('e', 2));
    limiter.answer(false);
    await h.settle();
    expect(conn.closes[0].code).toBe(1008);
    expect(seen).toEqual([]);
    expect(limiter.pending).toHaveLength(0);
  });

  it('a limiter that throws or rejects fails open (logged)', async () => {
    const limiter = new CountingRateLimiter();
    limiter.check = () => {
      throw new Error('down');
    };
    const h = harness({ rate: { customRateLimiter: limiter } });
    let handled = 0;
    h.dispatcher.on('e', () => void handled++);
    const conn = await h.connect();
    h.send(conn, ev('e'));
    limiter.check = (() => Promise.reject(new Error('down'))) as never;
    h.send(conn, ev('e'));
    await h.settle();
    expect(handled).toBe(2);
    expect(h.logger.at('warn')).toHaveLength(2);
  });

  it('a Disconnect message from the client closes normally', async () => {
    const h = harness();
    const conn = await h.connect();
    h.send(conn, { type: MessageType.Disconnect, code: 1000, reason: 'bye' });
    expect(conn.closes).toEqual([{ code: 1000, reason: '' }]);
  });
});
