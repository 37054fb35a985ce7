import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { harness } from './connection-harness';

const req = (event: string, id: number, data?: unknown, ack = event): StelarMessage => ({
  type: MessageType.AckRequest, event, ack, id, data,
});

describe('ConnectionService requests (acks)', () => {
  it('onAck: the returned value answers with id, ack name and data', async () => {
    const h = harness();
    h.dispatcher.onAck('getUser', (ctx) => ({ user: (ctx.data as { id: number }).id }));
    const conn = await h.connect();
    h.send(conn, req('getUser', 7, { id: 3 }, 'userData'));
    expect(conn.messages().at(-1)).toEqual({ type: MessageType.AckResponse, ack: 'userData', id: 7, data: { user: 3 } });
  });

  it('onAck: a Promise value answers when it resolves; throw/reject answer the message only', async () => {
    const h = harness();
    h.dispatcher.onAck('slow', async () => 42);
    h.dispatcher.onAck('bad', () => {
      throw new Error('Invalid token');
    });
    h.dispatcher.onAck('worse', async () => {
      throw new TypeError('nope');
    });
    const conn = await h.connect();
    h.send(conn, req('slow', 1));
    h.send(conn, req('bad', 2));
    h.send(conn, req('worse', 3));
    await h.settle();
    const answers = conn.messages().filter((m) => m.type === MessageType.AckResponse);
    expect(answers).toEqual([
      { type: MessageType.AckResponse, ack: 'bad', id: 2, error: 'Invalid token' },
      { type: MessageType.AckResponse, ack: 'slow', id: 1, data: 42 },
      { type: MessageType.AckResponse, ack: 'worse', id: 3, error: 'nope' },
    ]);
  });

  it('on() handlers answer through reply with ctx._correlationId set; only the first answer is sent', async () => {
    const h = harness();
    h.dispatcher.on('sum', (ctx) => {
      expect(ctx._correlationId).toBe('9');
      const { a, b } = ctx.data as { a: number; b: number };
      expect(h.service.reply(ctx.record, ctx.inbound!.request!, a + b)).toBe(true);
      expect(h.service.reply(ctx.record, ctx.inbound!.request!, 0)).toBe(false);
      expect(h.service.replyError(ctx.record, ctx.inbound!.request!, 'late')).toBe(false);
    });
    const conn = await h.connect();
    h.send(conn, req('sum', 9, { a: 2, b: 3 }));
    const answers = conn.messages().filter((m) => m.type === MessageType.AckResponse);
    expect(answers).toEqual([{ type: MessageType.AckResponse, ack: 'sum', id: 9, data: 5 }]);
  });

  it('an onAck handler that also replies itself is answered once', async () => {
    const h = harness();
    h.dispatcher.onAck('x', (ctx) => {
      h.service.reply(ctx.record, ctx.inbound!.request!, 'first', 'custom');
      return 'second';
    });
    const conn = await h.connect();
    h.send(conn, req('x', 1));
    const answers = conn.messages().filter((m) => m.type === MessageType.AckResponse);
    expect(answers).toEqual([{ type: MessageType.AckResponse, ack: 'custom', id: 1, data: 'first' }]);
  });

  it('a request nobody handles gets an error answer', async () => {
    const h = harness();
    h.dispatcher.onAll(() => {}); // a wildcard does not count as an answer
    const conn = await h.connect();
    h.send(conn, req('missing', 4));
    expect(conn.messages().at(-1)).toEqual({
      type: MessageType.AckResponse, ack: 'missing', id: 4, error: 'No handler for "missing"',
    });
  });
});

describe('ConnectionService rooms', () => {
  it('Join/Leave always get a Room answer with ok, reason and the request id', async () => {
    const h = harness({ maxRoomsPerClient: 1, hooks: { onClientLeaveRoom: ({ room }) => room !== 'stay' } });
    const conn = await h.connect();
    h.send(conn, { type: MessageType.JoinRoom, room: 'stay', id: 1 });
    h.send(conn, { type: MessageType.JoinRoom, room: 'stay', id: 2 }); // duplicate: ok
    h.send(conn, { type: MessageType.JoinRoom, room: 'other', id: 3 }); // over the cap
    h.send(conn, { type: MessageType.LeaveRoom, room: 'stay', id: 4 }); // vetoed
    h.send(conn, { type: MessageType.LeaveRoom, room: 'nowhere' }); // no-op
    const answers = conn.messages().filter((m) => m.type === MessageType.JoinRoom || m.type === MessageType.LeaveRoom);
    expect(answers).toEqual([
      { type: MessageType.JoinRoom, room: 'stay', id: 1, ok: true },
      { type: MessageType.JoinRoom, room: 'stay', id: 2, ok: true },
      { type: MessageType.JoinRoom, room: 'other', id: 3, ok: false, reason: 'Client is already in the maximum of 1 rooms' },
      { type: MessageType.LeaveRoom, room: 'stay', id: 4, ok: false, reason: 'Leave refused' },
      { type: MessageType.LeaveRoom, room: 'nowhere', ok: true },
    ]);
    expect(h.clients.get('c1')!.info.rooms).toEqual(new Set(['stay']));
  });

  it('an invalid room name is answered ok:false', async () => {
    const h = harness();
    const conn = await h.connect();
    h.send(conn, { type: MessageType.JoinRoom, room: '', id: 1 });
    expect(conn.messages().at(-1)).toMatchObject({ ok: false, id: 1 });
    expect(h.rooms.size).toBe(0);
  });
});
