import { answerError, StelarError, StelarErrorCode } from '../../../src/domain/errors';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { tooManyRequestsMessage } from '../../../src/domain/request-bound.policy';
import { harness } from './connection-harness';
import { FakeClusterInterest } from '../../fakes/fake-cluster-interest';

const req = (event: string, id: number): StelarMessage => ({ type: MessageType.AckRequest, event, ack: event, id, data: id });
const answers = (msgs: StelarMessage[]) => msgs.filter((m) => m.type === MessageType.AckResponse) as { id: number; error?: string; data?: unknown }[];

/** A promise the test settles itself: a handler that answers only when told (or never). */
function gate<T>() {
  let open!: (v: T) => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((open = res), (fail = rej)));
  return { promise, open, fail };
}

describe('RequestBound (maxRequestsInFlight, per connection)', () => {
  it('the request over the bound is answered with STELAR_ERR_TOO_MANY_REQUESTS at once, its handler not run, the connection kept', async () => {
    const h = harness({ limits: { maxRequestsInFlight: 3 } });
    let ran = 0;
    h.dispatcher.onAck('hang', () => {
      ran++;
      return new Promise(() => undefined); // never answers
    });
    const conn = await h.connect();
    for (let id = 1; id <= 5; id++) h.send(conn, req('hang', id));
    expect(ran).toBe(3);
    expect(answers(conn.messages())).toEqual([
      { type: MessageType.AckResponse, ack: 'hang', id: 4, error: tooManyRequestsMessage(3) },
      { type: MessageType.AckResponse, ack: 'hang', id: 5, error: tooManyRequestsMessage(3) },
    ]);
    expect(conn.closes).toEqual([]);
    expect(h.clients.get('c1')!.requestsInFlight).toBe(3);
    // Counted per code and logged once (throttled: one line a second at most).
    expect(h.service.counters.invalid.get(StelarErrorCode.TooManyRequests)).toBe(2);
    const lines = h.logger.lines.filter((l) => l.level === 'warn' && l.message.includes(StelarErrorCode.TooManyRequests));
    expect(lines).toHaveLength(1);
    expect(lines[0].fields).toMatchObject({ clientId: 'c1', code: StelarErrorCode.TooManyRequests, max: 3 });
    // The other connection has its own slots.
    const other = await h.connect();
    h.send(other, req('hang', 1));
    expect(ran).toBe(4);
    expect(answers(other.messages())).toEqual([]);
  });

  it('a slot is free again when the handler answers: by its value, its rejection, a throw, ctx answer or an unencodable answer', async () => {
    const h = harness({ limits: { maxRequestsInFlight: 1 } });
    const g = gate<string>();
    const r = gate<string>();
    h.dispatcher.onAck('wait', () => g.promise);
    h.dispatcher.onAck('waitFail', () => r.promise);
    h.dispatcher.onAck('sync', () => 'ok');
    h.dispatcher.onAck('throws', () => {
      throw new Error('no');
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    h.dispatcher.onAck('cyclic', () => cyclic);
    const conn = await h.connect();
    const rec = h.clients.get('c1')!;
    h.send(conn, req('wait', 1));
    h.send(conn, req('sync', 2)); // refused: the slot is held
    expect(answers(conn.messages()).map((a) => [a.id, a.error])).toEqual([[2, tooManyRequestsMessage(1)]]);
    g.open('done');
    await h.settle();
    expect(rec.requestsInFlight).toBe(0);
    for (const [event, id] of [['sync', 3], ['throws', 4], ['cyclic', 5], ['sync', 6]] as const) h.send(conn, req(event, id));
    h.send(conn, req('waitFail', 7));
    r.fail(new Error('late no'));
    await h.settle();
    h.send(conn, req('sync', 8));
    expect(answers(conn.messages()).map((a) => [a.id, a.error ?? a.data])).toEqual([
      [2, tooManyRequestsMessage(1)],
      [1, 'done'],
      [3, 'ok'],
      [4, 'no'],
      [5, 'The answer could not be encoded'],
      [6, 'ok'],
      [7, 'late no'],
      [8, 'ok'],
    ]);
    expect(rec.requestsInFlight).toBe(0);
  });

  it('requests dispatched to on()/onAll() handlers hold their slot until answered or until the handlers are done', async () => {
    const h = harness({ limits: { maxRequestsInFlight: 2 } });
    const g = gate<void>();
    let held: { record: unknown; inbound?: { request?: unknown } } | null = null;
    h.dispatcher.on('later', (ctx) => {
      held = ctx as never; // answers later, from outside the handler
    });
    h.dispatcher.on('async', () => g.promise); // async, never answers itself
    h.dispatcher.onAll(() => undefined);
    h.dispatcher.on('silent', () => undefined); // returns without answering: slot freed at return
    const conn = await h.connect();
    const rec = h.clients.get('c1')!;
    h.send(conn, req('silent', 1));
    h.send(conn, req('silent', 2));
    expect(rec.requestsInFlight).toBe(0);
    h.send(conn, req('async', 3));
    expect(rec.requestsInFlight).toBe(1);
    h.send(conn, req('later', 4));
    expect(rec.requestsInFlight).toBe(0 + 1); // 'later' returned synchronously: its slot is free
    h.send(conn, req('async', 5));
    h.send(conn, req('async', 6)); // over the bound (3 and 5 hold the two slots)
    expect(answers(conn.messages()).map((a) => a.id)).toEqual([6]);
    g.open();
    await h.settle();
    expect(rec.requestsInFlight).toBe(0);
    // The late answer of 'later' still goes out (once), and frees nothing twice.
    const h2 = held as unknown as { record: never; inbound: { request: never } };
    expect(h.service.reply(h2.record, h2.inbound.request, 'late')).toBe(true);
    expect(rec.requestsInFlight).toBe(0);
  });

  it('a live change of the bound applies to the next request; a lower bound keeps the requests already in flight', async () => {
    const h = harness({ limits: { maxRequestsInFlight: 4 } });
    h.dispatcher.onAck('hang', () => new Promise(() => undefined));
    const conn = await h.connect();
    for (let id = 1; id <= 3; id++) h.send(conn, req('hang', id));
    h.service.updateLimits({ maxRequestsInFlight: 2 });
    h.send(conn, req('hang', 4));
    expect(answers(conn.messages()).map((a) => [a.id, a.error])).toEqual([[4, tooManyRequestsMessage(2)]]);
    expect(h.clients.get('c1')!.requestsInFlight).toBe(3);
  });

  it('nothing outlives the connection: the count lives on the record, no timer is set, late answers are undelivered', async () => {
    const h = harness({ limits: { maxRequestsInFlight: 8 } });
    const g = gate<string>();
    h.dispatcher.onAck('wait', () => g.promise);
    const conn = await h.connect();
    const timersBefore = h.clock.pending;
    for (let id = 1; id <= 8; id++) h.send(conn, req('wait', id));
    expect(h.clock.pending).toBe(timersBefore);
    conn.finishClose(1006, '');
    g.open('late');
    await h.settle();
    expect(answers(conn.messages())).toEqual([]);
    // A new connection starts with every slot free.
    const next = await h.connect();
    h.send(next, req('wait', 1));
    expect(h.clients.get('c2')!.requestsInFlight).toBe(1);
  });

  it('the refusal text carries the stable code, which the client turns back into a StelarError', () => {
    const err = answerError(tooManyRequestsMessage(1024));
    expect(err).toBeInstanceOf(StelarError);
    expect((err as StelarError).code).toBe(StelarErrorCode.TooManyRequests);
    expect(err.message).toBe('STELAR_ERR_TOO_MANY_REQUESTS: more than 1024 requests in flight on this connection');
    // A handler's own message stays a plain Error, also one that looks like a code.
    expect(answerError('Invalid token')).not.toBeInstanceOf(StelarError);
    expect(answerError('STELAR_ERR_MADE_UP: x')).not.toBeInstanceOf(StelarError);
  });

  it('cluster mode: room answers waiting for a subscription hold slots; one more closes the connection (1008, STELAR_ERR_TOO_MANY_REQUESTS), slots freed once sent', async () => {
    const h = harness({ limits: { maxRequestsInFlight: 3 }, maxRoomsPerClient: 100 });
    const interest = new FakeClusterInterest();
    h.rooms.setInterest(interest);
    const conn = await h.connect();
    const rec = h.clients.get('c1')!;
    const room = (type: 8 | 9, name: string, id: number): StelarMessage => ({ type, room: name, id }) as StelarMessage;
    h.send(conn, room(MessageType.JoinRoom, 'a', 1)); // waits for 'a' to be subscribed
    h.send(conn, room(MessageType.LeaveRoom, 'nowhere', 2)); // queued behind it (answers in order)
    h.send(conn, room(MessageType.LeaveRoom, 'nowhere', 3));
    expect(rec.requestsInFlight).toBe(3);
    expect(conn.closes).toEqual([]);
    interest.subscribe('a');
    await h.settle();
    expect(conn.messages().filter((m) => m.type === MessageType.JoinRoom || m.type === MessageType.LeaveRoom).map((m) => (m as { id: number }).id)).toEqual([1, 2, 3]);
    expect(rec.requestsInFlight).toBe(0);
    // Now four waiting answers: the fourth cannot be refused in order, so the connection goes.
    for (let i = 0; i < 4; i++) h.send(conn, room(MessageType.JoinRoom, `b${i}`, 10 + i));
    expect(conn.closes).toEqual([{ code: 1008, reason: 'Too many requests in flight' }]);
    expect(conn.messages().at(-1)).toMatchObject({ type: MessageType.Error, code: StelarErrorCode.TooManyRequests });
    expect(h.logger.at('warn').some((l) => l.includes('room answers waiting'))).toBe(true);
  });
});
