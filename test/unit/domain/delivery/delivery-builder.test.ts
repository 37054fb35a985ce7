import { MemoryStreamStore } from '../../../../src/adapters/memory/memory-stream-store.adapter';
import { ClientRegistry } from '../../../../src/domain/client-registry.service';
import { ClientState, type ClientRecord } from '../../../../src/domain/client-record';
import { CodecRegistry } from '../../../../src/domain/codec-registry';
import { HookRunner } from '../../../../src/domain/hook-runner.service';
import { MessageType, type EventMessage, type StelarMessage } from '../../../../src/domain/message';
import { MessageSender } from '../../../../src/domain/message-sender.service';
import { DeliveryService } from '../../../../src/domain/delivery/delivery.service';
import { EVERYONE, planExcept, planLocal, planTo, planVolatile, type BroadcastPlan } from '../../../../src/domain/delivery/broadcast-plan';
import { resolveRecovery } from '../../../../src/domain/recovery/recovery-config';
import { RecoveryService } from '../../../../src/domain/recovery/recovery.service';
import { RoomRegistry } from '../../../../src/domain/room-registry.service';
import type { StelarHooks } from '../../../../src/domain/hooks.types';
import { FakeClock } from '../../../fakes/fake-clock';
import { FakeClusterBus } from '../../../fakes/fake-cluster-bus';
import { FakeCodec } from '../../../fakes/fake-codec';
import type { FakeConnection } from '../../../fakes/fake-connection';
import { FakeLogger } from '../../../fakes/fake-logger';
import { FakeSessionStore, FakeTokenGenerator, fakeEpochs } from '../../../fakes/fake-recovery-stores';
import { record } from '../helpers';

function setup(opts: { recovery?: boolean; maxBufferedBytes?: number; hooks?: StelarHooks } = {}) {
  const log = new FakeLogger();
  const clock = new FakeClock();
  const clients = new ClientRegistry();
  const hooks = new HookRunner(log, opts.hooks);
  const rooms = new RoomRegistry(hooks, { maxRooms: 10, maxRoomsPerClient: 10 });
  const codecs = { ws: new FakeCodec('ws'), tcp: new FakeCodec('tcp') };
  const limits = { maxPayloadSize: 100, heartbeatInterval: 0, heartbeatTimeout: 0, connectTimeout: 0, maxBufferedBytes: opts.maxBufferedBytes ?? 0 };
  const config = resolveRecovery(opts.recovery === true);
  const recovery = new RecoveryService(config, new FakeSessionStore(), new MemoryStreamStore(config, fakeEpochs()), new FakeTokenGenerator(), '/', (r) => rooms.has(r));
  const sender = new MessageSender(new CodecRegistry(Object.values(codecs)), clients, rooms, hooks, limits, log, undefined, recovery, clock);
  const bus = new FakeClusterBus();
  const delivery = new DeliveryService(sender.fan, sender, clients, rooms, hooks, log, bus, recovery, clock);
  const open = (id: string, inRooms: string[] = [], p: 'ws' | 'tcp' = 'ws', withSession = false): ClientRecord => {
    const r = record(id, p);
    r.state = ClientState.Open;
    if (withSession) {
      r.session = recovery.open(id, clock.now());
      r.positionedKey = p + '\0p';
    }
    clients.add(r);
    for (const room of inRooms) rooms.join(r, room);
    return r;
  };
  const got = (...rs: ClientRecord[]) => rs.map((r) => (r.conn as FakeConnection).messages().length);
  return { delivery, sender, open, got, bus, recovery, codecs, log };
}

const ev = (data: unknown = 1): StelarMessage => ({ type: MessageType.Event, event: 'e', data });
const plan = (...steps: ((p: BroadcastPlan) => BroadcastPlan)[]) => steps.reduce((p, f) => f(p), EVERYONE);

describe('DeliveryService.send (the broadcast builder)', () => {
  it('resolves the plan: everyone, one room, the union of rooms with each member once', () => {
    const { delivery, open, got } = setup();
    const a = open('a', ['r1']);
    const b = open('b', ['r1', 'r2']);
    const c = open('c', ['r2']);
    const d = open('d');
    expect(delivery.send(EVERYONE, ev())).toBe(4);
    expect(delivery.send(planTo(EVERYONE, 'r1'), ev())).toBe(2);
    expect(delivery.send(planTo(planTo(EVERYONE, 'r1'), 'r2'), ev())).toBe(3);
    expect(delivery.send(planTo(EVERYONE, []), ev())).toBe(0);
    expect(delivery.send(planTo(EVERYONE, 'nobody-here'), ev())).toBe(0);
    expect(got(a, b, c, d)).toEqual([3, 3, 2, 1]);
  });

  it('except skips ids and members of rooms, across every target room', () => {
    const { delivery, open, got } = setup();
    const a = open('a', ['r1']);
    const b = open('b', ['r1', 'muted']);
    const c = open('c', ['r2']);
    const d = open('d', ['r2']);
    expect(delivery.send(plan((p) => planTo(p, ['r1', 'r2']), (p) => planExcept(p, ['muted', 'd'])), ev())).toBe(2);
    expect(got(a, b, c, d)).toEqual([1, 0, 1, 0]);
    expect(delivery.send(planExcept(EVERYONE, 'a'), ev())).toBe(3);
    expect(got(a, b, c, d)).toEqual([1, 1, 2, 1]);
  });

  it('volatile skips a slow consumer (counted), a plain send drops it', () => {
    const { delivery, sender, open, got } = setup({ maxBufferedBytes: 100 });
    const fast = open('fast', ['r']);
    const slow = open('slow', ['r']);
    (slow.conn as FakeConnection).bufferedAmount = 500;
    expect(delivery.send(planVolatile(planTo(EVERYONE, 'r')), ev())).toBe(1);
    expect(sender.volatileSkipped).toBe(1);
    expect((slow.conn as FakeConnection).terminated).toBe(false);
    expect(delivery.send(planTo(EVERYONE, 'r'), ev())).toBe(1);
    expect((slow.conn as FakeConnection).terminated).toBe(true);
    expect(got(fast, slow)).toEqual([2, 0]);
  });

  it('local sends publish nothing; cluster sends publish one delivery per target room, each skipping the rooms before it', () => {
    const { delivery, open, bus } = setup();
    open('a', ['r1']);
    delivery.send(planLocal(planTo(EVERYONE, ['r1', 'r2'])), ev());
    delivery.send(planLocal(EVERYONE), ev());
    expect(bus.published).toEqual([]);
    delivery.send(plan((p) => planTo(p, ['r1', 'r2']), (p) => planExcept(p, 'x')), ev(7));
    delivery.send(planExcept(EVERYONE, 'x'), ev(8));
    delivery.send(EVERYONE, ev(9));
    expect(bus.published).toEqual([
      { target: { kind: 'room', room: 'r1' }, event: 'e', except: ['x'], data: 7 },
      { target: { kind: 'room', room: 'r2' }, event: 'e', except: ['r1', 'x'], data: 7 },
      { target: { kind: 'all' }, event: 'e', except: ['x'], data: 8 },
      { target: { kind: 'all' }, event: 'e', data: 9 },
    ]);
  });

  it('a delivery from another node honours except (ids and rooms)', () => {
    const { delivery, open, got } = setup();
    const a = open('a', ['r1']);
    const b = open('b', ['r1', 'r0']);
    const c = open('c', ['r1']);
    expect(delivery.deliverFromCluster({ target: { kind: 'room', room: 'r1' }, event: 'e', data: 1, except: ['r0', 'c'] })).toBe(1);
    expect(delivery.deliverFromCluster({ target: { kind: 'all' }, event: 'e', data: 1, except: ['a'] })).toBe(2);
    expect(got(a, b, c)).toEqual([1, 1, 1]);
  });

  it('onBeforeBroadcast sees rooms and except, can veto (nothing sent nor published) and can replace the data', () => {
    const seen: unknown[] = [];
    const { delivery, open, got, bus } = setup({
      hooks: {
        onBeforeBroadcast: (i) => {
          seen.push({ event: i.event, data: i.data, rooms: i.rooms, except: i.except });
          if (i.data === 'veto') return false;
          if (i.data === 'secret') i.data = 'redacted';
          return undefined;
        },
      },
    });
    const a = open('a', ['r']);
    expect(delivery.send(planTo(EVERYONE, 'r'), ev('veto'))).toBe(-1);
    expect(got(a)).toEqual([0]);
    expect(bus.published).toEqual([]);
    expect(delivery.send(planExcept(planTo(EVERYONE, 'r'), 'z'), ev('secret'))).toBe(1);
    expect(((a.conn as FakeConnection).messages()[0] as EventMessage).data).toBe('redacted');
    expect(bus.published.map((d) => d.data)).toEqual(['redacted']);
    expect(delivery.send(EVERYONE, ev(new Uint8Array([1])))).toBe(1); // not a binary message: data as given
    expect(seen).toEqual([
      { event: 'e', data: 'veto', rooms: ['r'], except: [] },
      { event: 'e', data: 'secret', rooms: ['r'], except: ['z'] },
      { event: 'e', data: new Uint8Array([1]), rooms: [], except: [] },
    ]);
  });

  it('a replaced data of bytes becomes a binary message; the seed broadcast honours a replacement too', () => {
    const { delivery, open } = setup({
      hooks: {
        onBeforeBroadcast: (i) => {
          i.data = i.event === 'bin' ? Buffer.from([1, 2]) : { wrapped: i.data };
        },
      },
    });
    const a = open('a');
    delivery.send(EVERYONE, { type: MessageType.Event, event: 'bin', data: 0 });
    delivery.broadcast(ev(5));
    const [m1, m2] = (a.conn as FakeConnection).messages();
    expect(m1.type).toBe(MessageType.Binary);
    expect(m2).toEqual({ type: MessageType.Event, event: 'e', data: { wrapped: 5 } });
  });

  describe('with session recovery', () => {
    it('records once per broadcast (not per recipient, not per protocol), sessions get the positioned message', () => {
      const { delivery, open, recovery, codecs } = setup({ recovery: true });
      const a = open('a', ['r'], 'ws', true);
      const b = open('b', ['r'], 'tcp', true);
      const c = open('c', ['r'], 'ws', false);
      const before = recovery.historyEntries;
      expect(delivery.send(planTo(EVERYONE, 'r'), ev())).toBe(3);
      expect(recovery.historyEntries).toBe(before + 1);
      expect(codecs.ws.encodeCalls + codecs.tcp.encodeCalls).toBe(3); // ws positioned, ws plain, tcp positioned
      const pos = ((a.conn as FakeConnection).messages()[0] as EventMessage).pos;
      expect(pos).toEqual({ stream: '#r', offset: 1, epoch: expect.any(String) });
      expect(((b.conn as FakeConnection).messages()[0] as EventMessage).pos).toEqual(pos);
      expect(((c.conn as FakeConnection).messages()[0] as EventMessage).pos).toBeUndefined();
      delivery.send(planExcept(EVERYONE, ['c', 'gone']), ev());
      expect(recovery.historyEntries).toBe(before + 2);
    });

    it('is not recorded when a replay could not reproduce the plan: several rooms, a room in except, volatile', () => {
      const { delivery, open, recovery } = setup({ recovery: true });
      const a = open('a', ['r1'], 'ws', true);
      open('b', ['r2', 'muted'], 'ws', true);
      const before = recovery.historyEntries;
      expect(delivery.send(planTo(EVERYONE, ['r1', 'r2']), ev())).toBe(2);
      expect(delivery.send(planExcept(EVERYONE, 'muted'), ev())).toBe(1);
      expect(delivery.send(planVolatile(EVERYONE), ev())).toBe(2);
      expect(delivery.send(planExcept(EVERYONE, ['x', 'y', 'z']), ev())).toBe(2);
      expect(recovery.historyEntries).toBe(before);
      expect(((a.conn as FakeConnection).messages()[0] as EventMessage).pos).toBeUndefined();
    });
  });
});

describe('DeliveryService.send with a distributing stream store (recovery in a cluster)', () => {
  function distributing() {
    const log = new FakeLogger();
    const clock = new FakeClock();
    const clients = new ClientRegistry();
    const hooks = new HookRunner(log);
    const rooms = new RoomRegistry(hooks, { maxRooms: 10, maxRoomsPerClient: 10 });
    const codecs = { ws: new FakeCodec('ws') };
    const limits = { maxPayloadSize: 100, heartbeatInterval: 0, heartbeatTimeout: 0, connectTimeout: 0, maxBufferedBytes: 0 };
    const config = resolveRecovery(true);
    const handed: unknown[] = [];
    let answer = true;
    class DistributingStore extends MemoryStreamStore {
      readonly distributes = true;
      distribute(delivery: unknown): Promise<boolean> {
        handed.push(delivery);
        return Promise.resolve(answer);
      }
    }
    const recovery = new RecoveryService(config, new FakeSessionStore(), new DistributingStore(config, fakeEpochs()), new FakeTokenGenerator(), '/', (r) => rooms.has(r));
    const sender = new MessageSender(new CodecRegistry(Object.values(codecs)), clients, rooms, hooks, limits, log, undefined, recovery, clock);
    const bus = new FakeClusterBus();
    const delivery = new DeliveryService(sender.fan, sender, clients, rooms, hooks, log, bus, recovery, clock);
    const a = record('a');
    a.state = ClientState.Open;
    clients.add(a);
    rooms.join(a, 'r');
    rooms.join(a, 'r2');
    return { delivery, handed, bus, a, unreachable: () => (answer = false) };
  }

  it('a replayable plan is handed to the store once (it delivers it everywhere, this node too)', async () => {
    const { delivery, handed, bus, a } = distributing();
    expect(delivery.send(planTo(EVERYONE, 'r'), ev(1))).toBe(0);
    expect(delivery.send(EVERYONE, ev(2))).toBe(0);
    expect(handed).toEqual([
      { target: { kind: 'room', room: 'r' }, event: 'e', data: 1 },
      { target: { kind: 'all' }, event: 'e', data: 2 },
    ]);
    await Promise.resolve();
    expect(bus.published).toEqual([]);
    expect((a.conn as FakeConnection).messages()).toEqual([]);
  });

  it('a plan with except is not handed to the store (other nodes\' rooms are unknown here): delivered and published with except', () => {
    const { delivery, handed, bus, a } = distributing();
    expect(delivery.send(planExcept(planTo(EVERYONE, 'r'), 'x'), ev(1))).toBe(1);
    expect(handed).toEqual([]);
    expect(bus.published).toEqual([{ target: { kind: 'room', room: 'r' }, event: 'e', except: ['x'], data: 1 }]);
    expect(((a.conn as FakeConnection).messages()[0] as EventMessage).pos).toBeUndefined();
  });

  it('several rooms, local or volatile sends are not handed to the store: delivered here (and published unless local)', () => {
    const { delivery, handed, bus, a } = distributing();
    expect(delivery.send(planTo(EVERYONE, ['r', 'r2']), ev(1))).toBe(1);
    expect(delivery.send(planLocal(planTo(EVERYONE, 'r')), ev(2))).toBe(1);
    expect(delivery.send(planVolatile(EVERYONE), ev(3))).toBe(1);
    expect(handed).toEqual([]);
    expect(bus.published.map((d) => [d.target, d.data])).toEqual([
      [{ kind: 'room', room: 'r' }, 1],
      [{ kind: 'room', room: 'r2' }, 1],
      [{ kind: 'all' }, 3],
    ]);
    expect((a.conn as FakeConnection).messages().map((m) => (m as EventMessage).data)).toEqual([1, 2, 3]);
  });

  it('store unreachable: delivered here without a position and published', async () => {
    const { delivery, bus, a, unreachable } = distributing();
    unreachable();
    delivery.send(planTo(EVERYONE, 'r'), ev(5));
    await new Promise((r) => setImmediate(r));
    expect((a.conn as FakeConnection).messages()).toEqual([{ type: MessageType.Event, event: 'e', data: 5 }]);
    expect(bus.published.map((d) => d.target)).toEqual([{ kind: 'room', room: 'r' }]);
  });
});
