import { ClientRecord } from '../../../../src/domain/client-record';
import { MessageType, type ConnectMessage, type StelarMessage } from '../../../../src/domain/message';
import type { SessionSignal } from '../../../../src/ports/connection.port';
import { FakeConnection } from '../../../fakes/fake-connection';
import { harness } from '../connection-harness';

// The offer of a client that cannot send handshake headers (the browser build): its handshake
// says `sessionSignal` 'new' (a session, nothing to resume) or 'hello' (the offer follows as the
// first message); docs/PROTOCOL.md, "Session recovery". Domain rules, with fakes and a fake clock.

class SignalConnection extends FakeConnection {
  constructor(readonly sessionSignal: SessionSignal | null) {
    super('ws');
  }
}

const hello = (sessionOffer?: string): ConnectMessage => ({
  type: MessageType.Connect,
  clientId: '',
  maxPayloadSize: 0,
  heartbeatInterval: 0,
  version: 1,
  ...(sessionOffer === undefined ? {} : { sessionOffer }),
});

const connectOf = (conn: FakeConnection): ConnectMessage | undefined =>
  conn.messages().find((m: StelarMessage): m is ConnectMessage => m.type === MessageType.Connect);

describe('SessionAdmission: the offer in the first message', () => {
  it("'new': a session at once, without waiting for anything", async () => {
    const h = harness({ recovery: true });
    const conn = new SignalConnection('new');
    h.service.accept(conn);
    await h.settle();
    expect(connectOf(conn)?.session).toEqual({ token: expect.any(String), recovered: false, reason: undefined, missed: 0, confirms: true });
  });

  it("'hello': admission waits for the hello, then resumes the session it names, same id, rooms restored", async () => {
    const h = harness({ recovery: true });
    const first = new SignalConnection('new');
    h.service.accept(first);
    await h.settle();
    const c1 = connectOf(first)!;
    h.send(first, { type: MessageType.JoinRoom, room: 'r', id: 1 });
    await h.settle();
    first.finishClose(1006, 'gone');
    const conn = new SignalConnection('hello');
    h.service.accept(conn);
    await h.settle();
    expect(connectOf(conn)).toBeUndefined(); // nothing before the hello
    expect(h.contexts.created).toBe(1); // the middleware context of the first connection only
    h.send(conn, hello(JSON.stringify({ v: 1, id: c1.clientId, token: c1.session!.token, pos: {} })));
    await h.settle();
    const c2 = connectOf(conn)!;
    expect(c2.clientId).toBe(c1.clientId);
    expect(c2.session).toMatchObject({ recovered: true });
    expect([...h.rooms.members('r')!.keys()]).toEqual([c1.clientId]);
    // The token does not stay on the record.
    expect((conn.owner as ClientRecord).hello?.sessionOffer).toBeUndefined();
  });

  it('no hello within connectTimeout: refused with ConnectTimeout (1008), the client told why', async () => {
    const h = harness({ recovery: true, limits: { connectTimeout: 500 } });
    const conn = new SignalConnection('hello');
    h.service.accept(conn);
    await h.settle();
    h.clock.advance(499);
    expect(conn.closes).toEqual([]);
    h.clock.advance(1);
    expect(conn.closes).toEqual([{ code: 1008, reason: 'no Connect hello within connectTimeout' }]);
    expect(conn.messages()).toEqual([expect.objectContaining({ type: MessageType.Error, code: 'STELAR_ERR_CONNECT_TIMEOUT' })]);
    conn.finishClose(1008, '');
    expect(h.service.admittingCount).toBe(0);
  });

  it('a connection that goes while waiting clears its deadline', async () => {
    const h = harness({ recovery: true, limits: { connectTimeout: 500 } });
    const conn = new SignalConnection('hello');
    h.service.accept(conn);
    await h.settle();
    const waiting = h.clock.pending; // the deadline, beside the server's heartbeat and maintenance
    conn.finishClose(1006, '');
    expect(h.clock.pending).toBe(waiting - 1);
    expect(h.service.admittingCount).toBe(0);
    h.clock.advance(1000);
    expect(conn.closes).toEqual([]);
  });

  it('recovery off: no wait, no session, and an unasked hello does not keep its token on the record', async () => {
    const h = harness({});
    const conn = new SignalConnection('hello');
    h.service.accept(conn);
    h.send(conn, hello('{"v":1,"id":"x","token":"secret","pos":{}}'));
    await h.settle();
    expect(connectOf(conn)?.session).toBeUndefined();
    expect((conn.owner as ClientRecord).hello?.sessionOffer).toBeUndefined();
  });
});
