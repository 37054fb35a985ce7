import { StelarErrorCode } from '../../../src/domain/errors';
import { ClientSendLog } from '../../../src/domain/client/send-log';
import { MessageType, type SessionGrant } from '../../../src/domain/message';
import type { OutboundMessage } from '../../../src/ports/connection.port';
import type { FakeClientTransport } from '../../fakes/fake-client-transport';
import { flush, harness } from './client-harness';

// Client → server session recovery on the client (docs/API.md, "Session recovery"), over fake
// transports and a fake clock: numbering, the unconfirmed log, re-send order after a resume,
// in-flight requests across a drop, and version negotiation (no numbering without `confirms`).

const grant = (over: Partial<SessionGrant> = {}): SessionGrant => ({ token: 'tok', recovered: false, missed: 0, confirms: true, ...over });

function accept(t: FakeClientTransport, g: SessionGrant | undefined, id = 'c1'): void {
  t.open();
  t.push({ type: MessageType.Connect, clientId: id, maxPayloadSize: 1 << 20, heartbeatInterval: 30000, ...(g ? { session: g } : {}) });
}

/** Data and sequence number of the events/requests a transport carried. */
const sends = (t: FakeClientTransport) =>
  t.userSent
    .filter((m) => m.type === MessageType.Event || m.type === MessageType.AckRequest)
    .map((m) => [(m as { data: unknown }).data, (m as { seq?: number }).seq]);

const out = (n: number): OutboundMessage => ({ payload: new Uint8Array(n), binary: false, frameCache: undefined });

describe('ClientSendLog', () => {
  it('numbers from 1, drops what a cumulative confirmation covers, keeps order', () => {
    const log = new ClientSendLog();
    for (let i = 0; i < 5; i++) log.add('e', out(10));
    expect(log.nextSeq).toBe(6);
    expect(log.confirm(3)).toBe(3);
    expect(log.unconfirmed().map((e) => e.seq)).toEqual([4, 5]);
    expect(log.byteSize).toBe(20);
    expect(log.confirm(2)).toBe(0); // an old confirmation changes nothing
    expect(log.reset()).toBe(2);
    expect(log.nextSeq).toBe(1);
  });

  it('is bounded by messages and by bytes (an empty log always takes one)', () => {
    const log = new ClientSendLog(3, 100);
    expect(log.hasRoom(500)).toBe(true);
    log.add('e', out(60));
    expect(log.hasRoom(50)).toBe(false);
    expect(log.hasRoom(40)).toBe(true);
    log.add('e', out(10));
    log.add('e', out(10));
    expect(log.hasRoom(1)).toBe(false); // 3 messages
    log.confirm(1);
    expect(log.hasRoom(1)).toBe(true);
  });
});

describe('StelarClient, client → server recovery', () => {
  it('numbers its sends only when the server confirms (grant.confirms): a phase-1 or no-recovery server sees plain messages', () => {
    const { client, ws } = harness();
    client.connect();
    accept(ws.last, grant({ confirms: undefined }));
    client.emit('e', 1);
    accept(ws.last, undefined);
    client.emit('e', 2);
    expect(sends(ws.last)).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
    expect(client.getUnconfirmedCount()).toBe(0);
  });

  it('keeps sends until confirmed; after a resume re-sends the unconfirmed ones first, then the offline queue, then new sends', async () => {
    const { client, ws, clock } = harness({ reconnection: true, reconnectionDelay: 10, maxReconnectionDelay: 10 });
    client.connect();
    accept(ws.last, grant());
    for (let i = 1; i <= 4; i++) client.emit('e', i);
    expect(sends(ws.last)).toEqual([[1, 1], [2, 2], [3, 3], [4, 4]]);
    expect(client.getUnconfirmedCount()).toBe(4);
    ws.last.push({ type: MessageType.Confirm, seq: 2 });
    expect(client.getUnconfirmedCount()).toBe(2);
    ws.last.drop(1006);
    client.emit('e', 5); // offline
    clock.advance(20);
    await flush();
    const t2 = ws.last;
    accept(t2, grant({ recovered: true }));
    client.emit('e', 6);
    expect(sends(t2)).toEqual([[3, 3], [4, 4], [5, 5], [6, 6]]);
    t2.push({ type: MessageType.Confirm, seq: 6 });
    expect(client.getUnconfirmedCount()).toBe(0);
  });

  it('a request on the wire at the drop is not rejected: it is re-sent and resolves after the resume', async () => {
    const { client, ws, clock } = harness({ reconnection: true, reconnectionDelay: 10, maxReconnectionDelay: 10 });
    client.connect();
    accept(ws.last, grant());
    const p = client.request('q', 'x');
    const id = (ws.last.userSent[0] as { id: number }).id;
    ws.last.drop(1006);
    clock.advance(20);
    await flush();
    accept(ws.last, grant({ recovered: true }));
    expect(sends(ws.last)).toEqual([['x', 1]]);
    ws.last.push({ type: MessageType.AckResponse, ack: 'q', id, data: 'answer', pos: { stream: '@', offset: 1, epoch: 'e' } });
    await expect(p).resolves.toBe('answer');
    // The answer is confirmed back (batched), so the server may forget it.
    clock.advance(50);
    expect(ws.last.sent.filter((m) => m.type === MessageType.Confirm)).toEqual([{ type: MessageType.Confirm, offset: 1 }]);
  });

  it('a failed resume rejects the requests that were on the wire with STELAR_ERR_SESSION_LOST; queued ones are sent in the new session', async () => {
    const { client, ws, clock } = harness({ reconnection: true, reconnectionDelay: 10, maxReconnectionDelay: 10 });
    client.connect();
    accept(ws.last, grant());
    const onWire = client.request('q', 1).catch((e: { code?: string }) => e.code);
    ws.last.push({ type: MessageType.Confirm, seq: 1 }); // processed, answer lost with the connection
    ws.last.drop(1006);
    const queued = client.request('q', 2);
    clock.advance(20);
    await flush();
    accept(ws.last, grant({ reason: 'expired' }));
    await expect(onWire).resolves.toBe(StelarErrorCode.SessionLost);
    const sent = ws.last.userSent.filter((m) => m.type === MessageType.AckRequest) as unknown as { id: number; seq?: number; data: unknown }[];
    expect(sent.map((m) => [m.data, m.seq])).toEqual([[2, 1]]); // numbering restarts
    ws.last.push({ type: MessageType.AckResponse, ack: 'q', id: sent[0].id, data: 'two' });
    await expect(queued).resolves.toBe('two');
  });

  it('a full unconfirmed log refuses a send with STELAR_ERR_UNCONFIRMED_FULL (bounded memory)', () => {
    const { client, ws } = harness();
    client.connect();
    accept(ws.last, grant());
    let thrown: unknown;
    try {
      for (let i = 0; i < 2000; i++) client.emit('e', i);
    } catch (err) {
      thrown = err;
    }
    expect((thrown as { code?: string }).code).toBe(StelarErrorCode.UnconfirmedFull);
    expect(client.getUnconfirmedCount()).toBe(1024);
    ws.last.push({ type: MessageType.Confirm, seq: 1024 });
    expect(client.emit('e', 'again')).toBe(true);
  });

  it('without reconnection, a drop rejects the requests on the wire as without recovery', async () => {
    const { client, ws } = harness({ reconnection: false });
    client.connect();
    accept(ws.last, grant());
    const p = client.request('q', 1).catch((e: { code?: string }) => e.code);
    ws.last.drop(1006);
    await expect(p).resolves.toBe(StelarErrorCode.Disconnected);
  });
});

describe('StelarClient, client → server recovery: a queued message over the server limit', () => {
  it('is dropped and reported when written after the Connect (not thrown into the Connect handling); its request rejects', async () => {
    const { client, ws, events } = harness();
    const big = 'x'.repeat(2000);
    const p = client.request('q', big).catch((e: Error) => e.message);
    client.emit('e', 'small'); // queued behind it, still sent
    client.connect();
    ws.last.open();
    ws.last.push({ type: MessageType.Connect, clientId: 'c1', maxPayloadSize: 1000, heartbeatInterval: 30000, session: grant() });
    await expect(p).resolves.toMatch(/exceeds maxPayloadSize/);
    expect(sends(ws.last)).toEqual([['small', 1]]);
    expect(events.some((e) => e[0] === 'error')).toBe(true);
    expect(client.isConnected()).toBe(true);
  });
});
