import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { FakeCodec } from '../../fakes/fake-codec';
import { harness } from './connection-harness';

// The domain's plain counters (what every metric reads), driven through a ConnectionService
// wired from fakes: each path bumps exactly its own fields.

const ev = (event: string, data?: unknown): StelarMessage => ({ type: MessageType.Event, event, data });
const req = (event: string, id: number, data?: unknown): StelarMessage => ({ type: MessageType.AckRequest, event, ack: event, id, data });

describe('ConnectionService counters', () => {
  it('connections opened and closed per protocol; refusals by code', async () => {
    const h = harness({ maxConnections: 2 });
    const c = h.service.counters;
    const a = await h.connect('ws');
    await h.connect('tcp');
    expect(h.service.screen({ protocol: 'ws', remoteAddress: '10.0.0.9', headers: {}, originApplies: true })).toMatchObject({ code: 'STELAR_ERR_SERVER_FULL' });
    expect(c.traffic('ws').connectionsOpened).toBe(1);
    expect(c.traffic('tcp').connectionsOpened).toBe(1);
    expect([...c.refused]).toEqual([['STELAR_ERR_SERVER_FULL', 1]]);
    expect(h.logger.lines.find((l) => l.args[0] === 'connection refused')?.fields).toMatchObject({ ip: '10.0.0.9', code: 'STELAR_ERR_SERVER_FULL' });
    a.finishClose(1000, 'bye');
    expect(c.traffic('ws').connectionsClosed).toBe(1);
    expect(c.traffic('tcp').connectionsClosed).toBe(0);
  });

  it('messages and bytes in and out, on the record\'s transport only', async () => {
    const h = harness();
    const c = h.service.counters;
    const w = await h.connect('ws');
    const t = await h.connect('tcp');
    const outBefore = c.traffic('ws').messagesOut; // the Connect message
    const bytes = FakeCodec.bytes(ev('hi', 'there'));
    h.send(w, ev('hi', 'there'));
    h.send(w, { type: MessageType.Ping });
    expect(c.traffic('ws').messagesIn).toBe(1); // heartbeats are not application messages…
    expect(c.traffic('ws').bytesIn).toBe(bytes.byteLength + FakeCodec.bytes({ type: MessageType.Ping }).byteLength); // …but their bytes count
    expect(c.traffic('tcp').messagesIn).toBe(0);
    expect(h.service.broadcast(ev('news', 1))).toBe(2);
    expect(c.traffic('ws').messagesOut).toBe(outBefore + 2); // pong + news
    expect(c.traffic('tcp').messagesOut).toBe(2); // Connect + news
    expect(c.traffic('tcp').bytesOut).toBe(t.sent.reduce((n, o) => n + o.payload.byteLength, 0));
    expect(c.broadcasts).toBe(1);
    expect(c.deliveries).toBe(2);
  });

  it('acks: requests, answered, errors; durations only while timing is on', async () => {
    const h = harness();
    const c = h.service.counters;
    h.dispatcher.onAck('ok', () => {
      h.clock.advance(7);
      return 1;
    });
    h.dispatcher.onAck('bad', () => {
      throw new Error('no');
    });
    const conn = await h.connect();
    h.send(conn, req('ok', 1));
    expect(c.acks.duration.count).toBe(0);
    c.timing = true;
    h.send(conn, req('ok', 2));
    h.send(conn, req('bad', 3));
    h.send(conn, req('nobody', 4));
    await h.settle();
    expect(c.acks).toMatchObject({ requests: 4, answered: 2, errors: 2, undelivered: 0 });
    expect(c.acks.duration.count).toBe(3);
    expect(c.acks.duration.sum).toBe(7);
  });

  it('invalid messages by code, rate-limited messages, slow consumers, admin disconnects', async () => {
    const h = harness({ rate: { rateLimit: { maxPoints: 1, windowMs: 1000 } }, hooks: { onRateLimitExceeded: () => false } });
    const c = h.service.counters;
    const a = await h.connect();
    const b = await h.connect();
    a.receive(new Uint8Array([0xff, 0x00]), false); // not decodable by the fake codec
    h.send(a, ev('connect')); // reserved name
    h.send(a, ev('x'));
    h.send(a, ev('y')); // over the limit of 1
    expect(c.invalid.get('STELAR_ERR_RESERVED_EVENT_NAME')).toBe(1);
    expect([...c.invalid.values()].reduce((n, v) => n + v, 0)).toBe(2);
    expect(c.rateLimited).toBe(1);
    b.bufferedAmount = 1e6;
    h.service.broadcast(ev('z'));
    expect(c.slowConsumersDropped).toBe(1);
    expect(h.service.disconnect('c1', 4000, 'admin')).toBe(true);
    expect(h.service.disconnect('c1', 4000, 'again')).toBe(false);
    expect(c.adminDisconnects).toBe(1);
  });
});
