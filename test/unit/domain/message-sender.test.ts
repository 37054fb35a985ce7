import { CodecRegistry } from '../../../src/domain/codec-registry';
import { MessageSender } from '../../../src/domain/message-sender.service';
import { DeliveryService } from '../../../src/domain/delivery/delivery.service';
import { ClientRegistry } from '../../../src/domain/client-registry.service';
import { RoomRegistry } from '../../../src/domain/room-registry.service';
import { HookRunner } from '../../../src/domain/hook-runner.service';
import { ClientState } from '../../../src/domain/client-record';
import { MessageType } from '../../../src/domain/message';
import { FakeCodec } from '../../fakes/fake-codec';
import { FakeLogger } from '../../fakes/fake-logger';
import type { FakeConnection } from '../../fakes/fake-connection';
import { record } from './helpers';

function setup() {
  const log = new FakeLogger();
  const clients = new ClientRegistry();
  const hooks = new HookRunner(log);
  const rooms = new RoomRegistry(hooks, { maxRooms: 10, maxRoomsPerClient: 10 });
  const codecs = { ws: new FakeCodec('ws'), tcp: new FakeCodec('tcp') };
  const limits = { maxPayloadSize: 100, heartbeatInterval: 0, heartbeatTimeout: 0, connectTimeout: 0, maxBufferedBytes: 0 };
  const sender = new MessageSender(new CodecRegistry(Object.values(codecs)), clients, rooms, hooks, limits, log);
  const delivery = new DeliveryService(sender.fan, sender, clients, rooms, hooks, log);
  const open = (id: string, p: 'ws' | 'tcp' = 'ws') => {
    const r = record(id, p);
    r.state = ClientState.Open;
    clients.add(r);
    return r;
  };
  return { log, clients, rooms, codecs, sender, delivery, open, limits, hooks };
}

describe('MessageSender', () => {
  it('an unencodable message is a caller mistake: thrown synchronously, nothing sent', () => {
    const { sender, delivery, codecs, open } = setup();
    const r = open('a');
    codecs.ws.encode = () => {
      throw new TypeError('cyclic');
    };
    expect(() => sender.sendTo(r, { type: MessageType.Event, event: 'e', data: 1 })).toThrow(TypeError);
    expect(() => delivery.broadcast({ type: MessageType.Event, event: 'e', data: 1 })).toThrow(TypeError);
    expect(sender.totalSent).toBe(0);
    expect((r.conn as FakeConnection).sent).toEqual([]);
  });

  it('a connection whose send throws is logged and not counted', () => {
    const { sender, delivery, open, log } = setup();
    const r = open('a');
    (r.conn as FakeConnection).send = () => {
      throw new Error('EPIPE');
    };
    expect(sender.sendTo(r, { type: MessageType.Pong })).toBe(false);
    expect(r.info.messagesSent).toBe(0);
    expect(log.at('warn')[0]).toContain('EPIPE');
  });

  it('a fan-out over records of two protocols encodes once per protocol, counts every delivery and its bytes once each', () => {
    const { sender, delivery, codecs, open, rooms } = setup();
    const encodes = { ws: 0, tcp: 0 };
    for (const p of ['ws', 'tcp'] as const) {
      const encode = codecs[p].encode.bind(codecs[p]);
      codecs[p].encode = (m) => (encodes[p]++, encode(m));
    }
    const members = [open('w1'), open('t1', 'tcp'), open('w2'), open('t2', 'tcp'), open('w3'), open('t3', 'tcp')];
    for (const m of members) rooms.join(m, 'r');
    const tcpBefore = members[1].traffic.messagesOut;
    const tcpBytesBefore = members[1].traffic.bytesOut;
    expect(delivery.toRoom('r', { type: MessageType.Event, event: 'e', data: 'x' }, 'w2')).toBe(5);
    expect(encodes).toEqual({ ws: 1, tcp: 1 });
    expect(sender.totalSent).toBe(5);
    expect(members.map((m) => m.info.messagesSent)).toEqual([1, 1, 0, 1, 1, 1]);
    const tcpOut = (members[1].conn as FakeConnection).sent[0];
    expect(members[1].traffic.messagesOut - tcpBefore).toBe(3);
    expect(members[1].traffic.bytesOut - tcpBytesBefore).toBe(3 * tcpOut.payload.byteLength);
    // every TCP recipient got the same encoded object
    expect((members[3].conn as FakeConnection).sent[0]).toBe(tcpOut);
    expect((members[5].conn as FakeConnection).sent[0]).toBe(tcpOut);
  });

  it('maxBufferedBytes 0 disables the slow-consumer check', () => {
    const { sender, delivery, open } = setup();
    const r = open('a');
    (r.conn as FakeConnection).bufferedAmount = 1e9;
    expect(delivery.broadcast({ type: MessageType.Event, event: 'e', data: 1 })).toBe(1);
  });

  describe('the backpressure policy (one rule for every transport)', () => {
    const ev = (data: unknown) => ({ type: MessageType.Event, event: 'e', data }) as const;

    it('writes while the buffered bytes are at most maxBufferedBytes, whatever the message size', () => {
      const { sender, delivery, open, limits } = setup();
      limits.maxBufferedBytes = 100;
      const r = open('a', 'tcp');
      const conn = r.conn as FakeConnection;
      conn.bufferedAmount = 100; // at the bound: still written
      expect(sender.sendTo(r, ev('x'.repeat(10_000)))).toBe(true);
      expect(delivery.broadcast(ev(1))).toBe(1);
      expect(conn.sent).toHaveLength(2);
      expect(conn.terminated).toBe(false);
    });

    it('over the bound a direct send drops the client once, with one slow consumer line', () => {
      const { sender, delivery, open, limits, log } = setup();
      limits.maxBufferedBytes = 100;
      const r = open('a', 'ws');
      const conn = r.conn as FakeConnection;
      conn.bufferedAmount = 101;
      expect(sender.sendTo(r, ev(1))).toBe(false);
      expect(sender.sendTo(r, ev(2))).toBe(false);
      expect(delivery.broadcast(ev(3))).toBe(0);
      expect(conn.sent).toEqual([]);
      expect(conn.terminated).toBe(true);
      expect(r.state).toBe(ClientState.Closing);
      const lines = log.at('warn').filter((l) => l.includes('slow consumer'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('a');
      expect(lines[0]).toContain('STELAR_ERR_SLOW_CONSUMER');
    });

    it('over the bound volatile messages are skipped and counted; the client stays', () => {
      const { sender, delivery, open, limits, log } = setup();
      limits.maxBufferedBytes = 100;
      const slow = open('slow', 'tcp');
      const fast = open('fast', 'ws');
      (slow.conn as FakeConnection).bufferedAmount = 1000;
      expect(delivery.broadcast(ev(1), undefined, { volatile: true })).toBe(1);
      expect(delivery.broadcast(ev(2), undefined, { volatile: true })).toBe(1);
      expect(sender.volatileSkipped).toBe(2);
      expect((slow.conn as FakeConnection).terminated).toBe(false);
      expect((fast.conn as FakeConnection).sent).toHaveLength(2);
      expect(log.at('warn')).toEqual([]);
    });
  });

  it('onBeforeBroadcast sees binary payloads and ack pushes; other types skip the hook', () => {
    const { sender, delivery, open, hooks } = setup();
    const seen: unknown[] = [];
    hooks.update({ onBeforeBroadcast: (i) => void seen.push(i.event) });
    open('a');
    delivery.broadcast({ type: MessageType.Binary, event: 'bin', bytes: new Uint8Array(1) });
    delivery.broadcast({ type: MessageType.AckResponse, ack: 'push', data: 1 });
    delivery.broadcast({ type: MessageType.Ping });
    expect(seen).toEqual(['bin', 'push']);
  });

  it('closeWithError sends the Error then closes once', () => {
    const { sender, delivery, open } = setup();
    const r = open('a');
    sender.closeWithError(r, 'STELAR_ERR_RATE_LIMITED', 'slow down', 1008);
    sender.closeWithError(r, 'STELAR_ERR_RATE_LIMITED', 'again', 1008);
    const conn = r.conn as FakeConnection;
    expect(conn.messages()).toEqual([{ type: MessageType.Error, code: 'STELAR_ERR_RATE_LIMITED', message: 'slow down' }]);
    expect(conn.closes).toEqual([{ code: 1008, reason: 'slow down' }]);
    expect(r.state).toBe(ClientState.Closing);
  });
});
