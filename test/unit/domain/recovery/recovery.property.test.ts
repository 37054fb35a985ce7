import fc from 'fast-check';
import { MemoryStreamStore } from '../../../../src/adapters/memory/memory-stream-store.adapter';
import { ClientResumeState } from '../../../../src/application/client/client-resume-state';
import { AdmissionService } from '../../../../src/domain/admission.service';
import { ClientRegistry } from '../../../../src/domain/client-registry.service';
import { CodecRegistry } from '../../../../src/domain/codec-registry';
import { ConnectionService } from '../../../../src/domain/connection.service';
import { Dispatcher } from '../../../../src/domain/dispatcher.service';
import { HookRunner } from '../../../../src/domain/hook-runner.service';
import { MessageType, type StelarMessage } from '../../../../src/domain/message';
import { pipelineStages } from '../pipeline-stages';
import { RateLimitPolicy } from '../../../../src/domain/rate-limit-policy.service';
import { resolveRecovery } from '../../../../src/domain/recovery/recovery-config';
import { RecoveryService } from '../../../../src/domain/recovery/recovery.service';
import { SESSION_HEADER } from '../../../../src/domain/recovery/resume-offer';
import { RoomRegistry } from '../../../../src/domain/room-registry.service';
import type { ServerLimits } from '../../../../src/domain/server-limits';
import { FakeClock } from '../../../fakes/fake-clock';
import { FakeCodec } from '../../../fakes/fake-codec';
import { FakeConnection } from '../../../fakes/fake-connection';
import { FakeContextFactory, type FakeContext } from '../../../fakes/fake-context-factory';
import { SequentialIdGenerator } from '../../../fakes/fake-id-generator';
import { FakeIPTracker } from '../../../fakes/fake-ip-tracker';
import { FakeLogger } from '../../../fakes/fake-logger';
import { FakeRateLimiterFactory } from '../../../fakes/fake-rate-limiter';
import { FakeSessionStore, FakeTokenGenerator } from '../../../fakes/fake-recovery-stores';
import { ClientSendLog } from '../../../../src/domain/client/send-log';
import { CONFIRM_DELAY_MS } from '../../../../src/domain/recovery/client-sequencer';

/** A fake connection that carries the client's offer header, as the WS upgrade would. */
class OfferConnection extends FakeConnection {
  constructor(readonly handshakeHeaders: Record<string, string>) {
    super('ws');
  }
}

/** The whole server domain with recovery, wired from fakes. */
function domain(historySize: number) {
  const clock = new FakeClock();
  const logger = new FakeLogger();
  const codecs = new CodecRegistry([new FakeCodec('ws')]);
  const clients = new ClientRegistry();
  const hooks = new HookRunner(logger, {});
  const rooms = new RoomRegistry(hooks, { maxRooms: 100, maxRoomsPerClient: 10 });
  const rateLimits = new RateLimitPolicy(new FakeRateLimiterFactory(), { rateLimit: false });
  const admission = new AdmissionService(clients, new FakeIPTracker(), hooks, logger, { maxConnections: 100 });
  const dispatcher = new Dispatcher<FakeContext>(clock, logger);
  const limits: ServerLimits = { maxPayloadSize: 1024, heartbeatInterval: 1000, heartbeatTimeout: 3000, connectTimeout: 5000, maxBufferedBytes: 0 };
  const config = resolveRecovery({ historySize, windowMs: 60000 });
  const recovery = new RecoveryService(config, new FakeSessionStore(), new MemoryStreamStore(config), new FakeTokenGenerator(), '/', (r) => rooms.has(r));
  const contexts = new FakeContextFactory();
  const stages = pipelineStages<FakeContext>({ codecs, clock, logger, clients, rooms, hooks, rateLimits, dispatcher, contexts, limits, recovery });
  const service = new ConnectionService<FakeContext>({
    codecs, clock, ids: new SequentialIdGenerator(), logger, clients, rooms, rateLimits, admission, hooks, dispatcher, contexts, limits,
    ...stages, recovery,
  });
  return { clock, clients, rooms, service, sender: stages.sender, delivery: stages.delivery, dispatcher, counters: stages.counters, codec: codecs.get('ws') };
}

async function settle(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise<void>((r) => setImmediate(r));
    clock.advance(0);
  }
}

type Op = { kind: 'room' } | { kind: 'direct' } | { kind: 'deliver'; n: number } | { kind: 'drop'; keep: number } | { kind: 'reconnect' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>({ kind: 'room' }), weight: 4 },
  { arbitrary: fc.constant<Op>({ kind: 'direct' }), weight: 2 },
  { arbitrary: fc.nat(4).map<Op>((n) => ({ kind: 'deliver', n })), weight: 3 },
  { arbitrary: fc.nat(4).map<Op>((keep) => ({ kind: 'drop', keep })), weight: 1 },
  { arbitrary: fc.constant<Op>({ kind: 'reconnect' }), weight: 2 },
);

/**
 * One client over a lossy wire: messages the server wrote are delivered lazily (`deliver`), and a
 * drop loses all but the first `keep` of those not yet delivered. The client side is the real
 * ClientResumeState (positions, dedupe, offer).
 */
async function run(ops: Op[], historySize: number) {
  const d = domain(historySize);
  const state = new ClientResumeState();
  const got: string[] = [];
  const reasons: (string | undefined)[] = [];
  let conn: OfferConnection | null = null;
  let read = 0;
  let id = '';
  const processOne = (m: StelarMessage): void => {
    if (m.type === MessageType.Connect) {
      const info = state.started(m.clientId, m.session);
      if (id !== '') reasons.push(info.recovered ? 'ok' : info.reason);
      if (!info.recovered) got.length = 0; // a new session: the app reloads (nothing to compare)
      if (!info.recovered && id !== '' && m.clientId !== id) throw new Error('a failed resume keeps the id the middleware saw');
      id = m.clientId;
      // Room membership as the app would (re)establish it when not recovered.
      const rec = d.clients.get(id)!;
      if (!info.recovered) d.rooms.join(rec, 'r');
    } else if (m.type === MessageType.Event && (m.pos === undefined || state.seen(m.pos))) got.push(String(m.data));
  };
  const deliver = (n: number): void => {
    if (conn === null) return;
    const msgs = conn.messages();
    for (let i = 0; i < n && read < msgs.length; i++) processOne(msgs[read++]);
  };
  const connect = async (): Promise<void> => {
    conn = new OfferConnection({ [SESSION_HEADER]: state.offer() });
    read = 0;
    d.service.accept(conn);
    await settle(d.clock);
    deliver(1); // the Connect message
  };
  await connect();
  const sentRoom: string[] = [];
  let seq = 0;
  let sessionStart = 0; // index in `sent` where the current session started
  const sent: string[] = [];
  for (const o of ops) {
    if (o.kind === 'room') {
      const v = `r${++seq}`;
      d.delivery.toRoom('r', { type: MessageType.Event, event: 'm', data: v });
      sent.push(v);
      sentRoom.push(v);
    } else if (o.kind === 'direct') {
      const v = `d${++seq}`;
      d.sender.toId(id, { type: MessageType.Event, event: 'm', data: v });
      sent.push(v);
    } else if (o.kind === 'deliver') deliver(o.n);
    else if (o.kind === 'drop' && conn !== null) {
      deliver(o.keep);
      (conn as OfferConnection).finishClose(1006, '');
      conn = null;
    } else if (o.kind === 'reconnect' && conn === null) {
      const before = reasons.length;
      await connect();
      if (reasons[before] !== 'ok') sessionStart = sent.length;
    }
  }
  if (conn === null) {
    const before = reasons.length;
    await connect();
    if (reasons[before] !== 'ok') sessionStart = sent.length;
  }
  deliver(Number.MAX_SAFE_INTEGER);
  return { got, expected: sent.slice(sessionStart), reasons };
}

describe('session recovery under random sends, drops and reconnects (property)', () => {
  it('inside the window and the history: every message exactly once, in send order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const r = await run(ops, 1000);
        expect(r.reasons.every((x) => x === 'ok')).toBe(true);
        expect(r.got).toEqual(r.expected);
      }),
      { numRuns: 60 },
    );
  });

  it("a short history: each resume either delivers everything exactly once or says 'history' (never a partial replay)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const r = await run(ops, 3);
        for (const x of r.reasons) expect(['ok', 'history']).toContain(x);
        expect(r.got).toEqual(r.expected);
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Client → server: the client's sends (events and requests) over a wire that is lossy in both
// directions at a drop. The client side is the real ClientSendLog and ClientResumeState, doing
// what the StelarClient does: number each send, keep it until a Confirm covers it, and after a
// resume re-send what is kept, then its offline sends.

type UpOp =
  | { kind: 'emit' }
  | { kind: 'request' }
  | { kind: 'up'; n: number }
  | { kind: 'down'; n: number }
  | { kind: 'tick' }
  | { kind: 'drop'; up: number; down: number }
  | { kind: 'reconnect' };

const upOp: fc.Arbitrary<UpOp> = fc.oneof(
  { arbitrary: fc.constant<UpOp>({ kind: 'emit' }), weight: 4 },
  { arbitrary: fc.constant<UpOp>({ kind: 'request' }), weight: 2 },
  { arbitrary: fc.nat(4).map<UpOp>((n) => ({ kind: 'up', n })), weight: 3 },
  { arbitrary: fc.nat(4).map<UpOp>((n) => ({ kind: 'down', n })), weight: 3 },
  { arbitrary: fc.constant<UpOp>({ kind: 'tick' }), weight: 2 },
  { arbitrary: fc.record({ up: fc.nat(3), down: fc.nat(3) }).map<UpOp>((o) => ({ kind: 'drop', ...o })), weight: 1 },
  { arbitrary: fc.constant<UpOp>({ kind: 'reconnect' }), weight: 2 },
);

async function runUp(ops: UpOp[]) {
  const d = domain(1000);
  const received: string[] = []; // what the server's handlers ran, in order
  const handled = new Map<string, number>(); // request value → handler runs
  d.dispatcher.on('m', (ctx) => void received.push(String(ctx.data)));
  d.dispatcher.onAck('q', (ctx) => {
    handled.set(String(ctx.data), (handled.get(String(ctx.data)) ?? 0) + 1);
    return `a:${String(ctx.data)}`;
  });
  const state = new ClientResumeState();
  const log = new ClientSendLog();
  const offline: StelarMessage[] = [];
  const pending = new Map<number, string>(); // request id → value
  const answers: string[] = [];
  const reasons: (string | undefined)[] = [];
  let conn: OfferConnection | null = null;
  let up: Uint8Array[] = []; // written by the client, not yet read by the server
  let read = 0;
  let seq = 0;
  let nextId = 1;
  let first = true;
  const write = (m: StelarMessage): void => {
    const numbered = { ...m, seq: log.nextSeq } as StelarMessage;
    const out = d.codec.encode(numbered);
    log.add('m', out);
    up.push(out.payload);
  };
  const processOne = (m: StelarMessage): void => {
    if (m.type === MessageType.Connect) {
      const info = state.started(m.clientId, m.session);
      if (!first) reasons.push(info.recovered ? 'ok' : info.reason);
      first = false;
      if (info.recovered) for (const e of log.unconfirmed()) up.push(e.out.payload);
      else log.reset();
      for (const o of offline.splice(0)) write(o);
    } else if (m.type === MessageType.Confirm && m.seq !== undefined) log.confirm(m.seq);
    else if (m.type === MessageType.AckResponse && m.id !== undefined) {
      if (m.pos !== undefined && !state.seen(m.pos)) return;
      const v = pending.get(m.id);
      if (v !== undefined) {
        pending.delete(m.id);
        answers.push(v);
      }
    }
  };
  const down = (n: number): void => {
    if (conn === null) return;
    const msgs = conn.messages();
    for (let i = 0; i < n && read < msgs.length; i++) processOne(msgs[read++]);
  };
  const upstream = (n: number): void => {
    if (conn === null) return;
    for (let i = 0; i < n && up.length > 0; i++) {
      const c = conn;
      c.handler!.onMessage(c, up.shift()!, false);
    }
  };
  const send = (m: StelarMessage): void => {
    if (conn !== null && read > 0) write(m);
    else offline.push(m);
  };
  const connect = async (): Promise<void> => {
    conn = new OfferConnection({ [SESSION_HEADER]: state.offer() });
    read = 0;
    up = [];
    d.service.accept(conn);
    await settle(d.clock);
    down(1); // the Connect message
  };
  await connect();
  const emitted: string[] = [];
  const requested: string[] = [];
  for (const o of ops) {
    if (o.kind === 'emit') {
      const v = `e${++seq}`;
      emitted.push(v);
      send({ type: MessageType.Event, event: 'm', data: v });
    } else if (o.kind === 'request') {
      const v = `q${++seq}`;
      const id = nextId++;
      requested.push(v);
      pending.set(id, v);
      send({ type: MessageType.AckRequest, event: 'q', ack: 'q', id, data: v });
    } else if (o.kind === 'up') upstream(o.n);
    else if (o.kind === 'down') down(o.n);
    else if (o.kind === 'tick') d.clock.advance(CONFIRM_DELAY_MS);
    else if (o.kind === 'drop' && conn !== null) {
      upstream(o.up);
      down(o.down);
      (conn as OfferConnection).finishClose(1006, '');
      conn = null;
      up = [];
    } else if (o.kind === 'reconnect' && conn === null) await connect();
  }
  if (conn === null) await connect();
  // Let everything through: sends, answers and confirmations.
  for (let i = 0; i < 4; i++) {
    upstream(Number.MAX_SAFE_INTEGER);
    d.clock.advance(CONFIRM_DELAY_MS);
    down(Number.MAX_SAFE_INTEGER);
  }
  return { received, handled, answers, emitted, requested, reasons, unconfirmed: log.size, duplicates: d.counters.recoveryDuplicates };
}

describe('client → server recovery under random sends, drops and reconnects (property)', () => {
  it('inside the window: every emit runs once, in send order; every request runs once and is answered once', async () => {
    let sawDuplicate = false;
    await fc.assert(
      fc.asyncProperty(fc.array(upOp, { minLength: 1, maxLength: 50 }), async (ops) => {
        const r = await runUp(ops);
        expect(r.reasons.every((x) => x === 'ok')).toBe(true);
        expect(r.received).toEqual(r.emitted);
        for (const v of r.requested) expect(r.handled.get(v)).toBe(1);
        expect([...r.answers].sort()).toEqual([...r.requested].sort());
        expect(r.unconfirmed).toBe(0);
        if (r.duplicates > 0) sawDuplicate = true;
      }),
      { numRuns: 80 },
    );
    // The interleavings did exercise re-sends of messages the server had already run.
    expect(sawDuplicate).toBe(true);
  });
});
