import { MemoryStreamStore } from '../../../../src/adapters/memory/memory-stream-store.adapter';
import { ClientRegistry } from '../../../../src/domain/client-registry.service';
import { ClientState, type ClientRecord } from '../../../../src/domain/client-record';
import { CodecRegistry } from '../../../../src/domain/codec-registry';
import { HookRunner } from '../../../../src/domain/hook-runner.service';
import { MessageType, type EventMessage } from '../../../../src/domain/message';
import { MessageSender } from '../../../../src/domain/message-sender.service';
import { DeliveryService } from '../../../../src/domain/delivery/delivery.service';
import { resolveRecovery } from '../../../../src/domain/recovery/recovery-config';
import { RecoveryService } from '../../../../src/domain/recovery/recovery.service';
import { RoomRegistry } from '../../../../src/domain/room-registry.service';
import { FakeClock } from '../../../fakes/fake-clock';
import { FakeCodec, type FakeOutbound } from '../../../fakes/fake-codec';
import type { FakeConnection } from '../../../fakes/fake-connection';
import { FakeLogger } from '../../../fakes/fake-logger';
import { FakeSessionStore, FakeTokenGenerator, fakeEpochs } from '../../../fakes/fake-recovery-stores';
import { record } from '../helpers';

function setup() {
  const log = new FakeLogger();
  const clock = new FakeClock();
  const clients = new ClientRegistry();
  const hooks = new HookRunner(log);
  const rooms = new RoomRegistry(hooks, { maxRooms: 10, maxRoomsPerClient: 10 });
  const codecs = { ws: new FakeCodec('ws'), tcp: new FakeCodec('tcp') };
  const limits = { maxPayloadSize: 100, heartbeatInterval: 0, heartbeatTimeout: 0, connectTimeout: 0, maxBufferedBytes: 0 };
  const config = resolveRecovery(true);
  const recovery = new RecoveryService(config, new FakeSessionStore(), new MemoryStreamStore(config, fakeEpochs()), new FakeTokenGenerator(), '/', (r) => rooms.has(r));
  const sender = new MessageSender(new CodecRegistry(Object.values(codecs)), clients, rooms, hooks, limits, log, undefined, recovery, clock);
  const delivery = new DeliveryService(sender.fan, sender, clients, rooms, hooks, log, null, recovery, clock);
  const open = (id: string, p: 'ws' | 'tcp', withSession: boolean): ClientRecord => {
    const r = record(id, p);
    r.state = ClientState.Open;
    if (withSession) {
      r.session = recovery.open(id, clock.now());
      r.positionedKey = p + '\0p';
    }
    clients.add(r);
    rooms.join(r, 'room');
    return r;
  };
  return { codecs, sender, delivery, open, recovery };
}

const sent = (r: ClientRecord): FakeOutbound[] => (r.conn as FakeConnection).sent as FakeOutbound[];

describe('MessageSender with recovery', () => {
  it('a room broadcast is encoded once per protocol and form: session clients share the positioned bytes', () => {
    const { codecs, sender, delivery, open } = setup();
    const a = open('a', 'ws', true);
    const b = open('b', 'ws', true);
    const c = open('c', 'ws', false);
    const d = open('d', 'tcp', true);
    expect(delivery.toRoom('room', { type: MessageType.Event, event: 'e', data: 1 })).toBe(4);
    expect(codecs.ws.encodeCalls).toBe(2); // positioned + plain
    expect(codecs.tcp.encodeCalls).toBe(1);
    expect(sent(a)[0]).toBe(sent(b)[0]); // the same OutboundMessage object: framed once
    expect((sent(a)[0].message as EventMessage).pos).toEqual({ stream: '#room', offset: 1, epoch: expect.any(String) });
    expect((sent(c)[0].message as EventMessage).pos).toBeUndefined();
    expect((sent(d)[0].message as EventMessage).pos).toEqual((sent(a)[0].message as EventMessage).pos);
  });

  it('direct sends go to the session stream: offsets count per session', () => {
    const { sender, delivery, open } = setup();
    const a = open('a', 'ws', true);
    const plain = open('p', 'ws', false);
    sender.sendDirect(a, { type: MessageType.Event, event: 'x', data: 1 });
    sender.toId('a', { type: MessageType.Event, event: 'x', data: 2 });
    sender.toId('p', { type: MessageType.Event, event: 'x', data: 3 });
    expect(sent(a).map((o) => (o.message as EventMessage).pos?.offset)).toEqual([1, 2]);
    expect(sent(a).map((o) => (o.message as EventMessage).pos?.stream)).toEqual(['@', '@']);
    expect((sent(plain)[0].message as EventMessage).pos).toBeUndefined();
  });

  it('a room send with no live member is still recorded for suspended sessions', () => {
    const { sender, delivery, recovery } = setup();
    const before = recovery.historyEntries;
    expect(delivery.toRoom('empty', { type: MessageType.Event, event: 'e', data: 1 })).toBe(0);
    expect(recovery.historyEntries).toBe(before + 1);
  });
});
