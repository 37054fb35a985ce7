import { MemoryStreamStore } from '../../../../src/adapters/memory/memory-stream-store.adapter';
import { ClientRecord, ClientState } from '../../../../src/domain/client-record';
import { MessageType, type StelarMessage } from '../../../../src/domain/message';
import { ServerCounters } from '../../../../src/domain/metrics/server-counters';
import { MAX_CACHED_ANSWERS, cachedAnswer, forgetAnswersThrough } from '../../../../src/domain/recovery/answer-cache';
import { CONFIRM_DELAY_MS, CONFIRM_EVERY, ClientSequencer } from '../../../../src/domain/recovery/client-sequencer';
import { resolveRecovery } from '../../../../src/domain/recovery/recovery-config';
import { RecoveryService } from '../../../../src/domain/recovery/recovery.service';
import { FakeClock } from '../../../fakes/fake-clock';
import { FakeConnection } from '../../../fakes/fake-connection';
import { FakeSessionStore, FakeTokenGenerator, fakeEpochs } from '../../../fakes/fake-recovery-stores';

function setup() {
  const clock = new FakeClock();
  const config = resolveRecovery({ windowMs: 60000, historySize: 1000 });
  const recovery = new RecoveryService(config, new FakeSessionStore(), new MemoryStreamStore(config, fakeEpochs()), new FakeTokenGenerator(), '/', () => false);
  const counters = new ServerCounters();
  const sent: { record: ClientRecord; message: StelarMessage }[] = [];
  const seq = new ClientSequencer(clock, (record, message) => (sent.push({ record, message }), true), counters);
  const client = (id: string): ClientRecord => {
    const r = new ClientRecord(id, new FakeConnection(), clock.now());
    r.state = ClientState.Open;
    r.session = recovery.open(id, clock.now());
    return r;
  };
  const confirms = (r?: ClientRecord) => sent.filter((x) => x.message.type === MessageType.Confirm && (r === undefined || x.record === r)).map((x) => x.message);
  return { clock, recovery, counters, seq, sent, client, confirms };
}

const ev = (n: number): StelarMessage => ({ type: MessageType.Event, event: 'e', data: n, seq: n });
const req = (n: number): StelarMessage => ({ type: MessageType.AckRequest, event: 'q', ack: 'q', id: 100 + n, data: n, seq: n });

describe('ClientSequencer (client → server recovery, at most once, batched confirmations)', () => {
  it('confirms cumulatively, one Confirm per client per batch window, on one shared timer', () => {
    const { clock, seq, client, confirms } = setup();
    const a = client('a');
    const b = client('b');
    for (let i = 1; i <= 50; i++) expect(seq.admit(a, ev(i))).toBe(true);
    for (let i = 1; i <= 3; i++) expect(seq.admit(b, ev(i))).toBe(true);
    expect(confirms()).toEqual([]); // no per-message round trip
    expect(clock.pending).toBe(1);
    clock.advance(CONFIRM_DELAY_MS - 1);
    expect(confirms()).toEqual([]);
    clock.advance(1);
    expect(confirms(a)).toEqual([{ type: MessageType.Confirm, seq: 50 }]);
    expect(confirms(b)).toEqual([{ type: MessageType.Confirm, seq: 3 }]);
    expect(clock.pending).toBe(0); // nothing armed while nothing is due
  });

  it(`a client that sends ${CONFIRM_EVERY} messages in one turn gets a Confirm at once (its buffer stays small)`, () => {
    const { seq, client, confirms } = setup();
    const a = client('a');
    for (let i = 1; i <= CONFIRM_EVERY * 2 + 5; i++) seq.admit(a, ev(i));
    expect(confirms(a)).toEqual([
      { type: MessageType.Confirm, seq: CONFIRM_EVERY },
      { type: MessageType.Confirm, seq: CONFIRM_EVERY * 2 },
    ]);
  });

  it('runs each sequence number at most once per session: duplicates dropped, counted and confirmed; the mark lives in the session', () => {
    const { clock, seq, client, counters, confirms } = setup();
    const a = client('a');
    expect([1, 2, 3].map((n) => seq.admit(a, ev(n)))).toEqual([true, true, true]);
    expect(a.session!.processed).toBe(3);
    // The connection drops; a new one resumes the same session and re-sends 2..4.
    const again = new ClientRecord('a', new FakeConnection(), clock.now());
    again.state = ClientState.Open;
    again.session = a.session;
    expect([2, 3, 4].map((n) => seq.admit(again, ev(n)))).toEqual([false, false, true]);
    expect(counters.recoveryDuplicates).toBe(2);
    clock.advance(CONFIRM_DELAY_MS);
    expect(confirms(again)).toEqual([{ type: MessageType.Confirm, seq: 4 }]);
  });

  it('a re-sent request already answered gets the cached answer (handler not run); one not answered yet is dropped', () => {
    const { clock, recovery, seq, client, counters, sent } = setup();
    const a = client('a');
    expect(seq.admit(a, req(1))).toBe(true);
    expect(seq.admit(a, req(2))).toBe(true);
    const answer = recovery.recordAnswer(a.session!, 1, { type: MessageType.AckResponse, ack: 'q', id: 101, data: 'one' }, clock.now())!;
    sent.length = 0;
    expect(seq.admit(a, req(1))).toBe(false);
    expect(seq.admit(a, req(2))).toBe(false); // its handler still runs: its answer will come
    expect(sent.map((x) => x.message)).toEqual([answer]);
    expect(counters.answersFromCache).toBe(1);
    expect(counters.recoveryDuplicates).toBe(2);
  });

  it('messages without a sequence number, or records without a session, are not sequenced', () => {
    const { seq, client } = setup();
    const a = client('a');
    const plain = { type: MessageType.Event, event: 'e', data: 1 } as const;
    expect(seq.admit(a, plain)).toBe(true);
    expect(seq.admit(a, plain)).toBe(true);
    a.session = null;
    expect(seq.admit(a, ev(1))).toBe(true);
    expect(seq.admit(a, ev(1))).toBe(true);
  });

  it('a record that closed before the flush gets no Confirm; dispose() clears the timer', () => {
    const { clock, seq, client, confirms } = setup();
    const a = client('a');
    seq.admit(a, ev(1));
    a.state = ClientState.Closing;
    clock.advance(CONFIRM_DELAY_MS);
    expect(confirms()).toEqual([]);
    const b = client('b');
    seq.admit(b, ev(1));
    expect(clock.pending).toBe(1);
    seq.dispose();
    expect(clock.pending).toBe(0);
    expect(b.confirmQueued).toBe(false);
  });
});

describe('answer cache (per session, bounded)', () => {
  it(`keeps at most ${MAX_CACHED_ANSWERS} answers (oldest dropped) and forgets what the client confirmed`, () => {
    const { clock, recovery } = setup();
    const s = recovery.open('a', clock.now());
    for (let i = 1; i <= MAX_CACHED_ANSWERS + 10; i++) {
      recovery.recordAnswer(s, i, { type: MessageType.AckResponse, ack: 'q', id: i, data: i }, clock.now());
    }
    expect(s.answers!.size).toBe(MAX_CACHED_ANSWERS);
    expect(cachedAnswer(s, 10)).toBeUndefined();
    expect(cachedAnswer(s, 11)).toMatchObject({ id: 11, pos: { stream: '@', offset: 11 } });
    forgetAnswersThrough(s, 200); // the client has the direct stream up to offset 200
    expect(cachedAnswer(s, 200)).toBeUndefined();
    expect(cachedAnswer(s, 201)).toBeDefined();
    expect(s.answers!.size).toBe(MAX_CACHED_ANSWERS + 10 - 200);
    forgetAnswersThrough(s, 10_000);
    expect(s.answers).toBeNull();
  });

  it('an answer with no sequence number (seq 0) is recorded but not cached', () => {
    const { clock, recovery } = setup();
    const s = recovery.open('a', clock.now());
    expect(recovery.recordAnswer(s, 0, { type: MessageType.AckResponse, ack: 'q', id: 1 }, clock.now())).not.toBeNull();
    expect(s.answers).toBeNull();
  });
});
