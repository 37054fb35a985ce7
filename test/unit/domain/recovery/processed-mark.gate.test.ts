// Client → server at most once across nodes, in the domain (ProcessedMarkGate): a numbered
// message runs only after its processed mark is written through, later ones wait behind it in
// order, one write covers a batch, a refused write drops what waited, a failed one runs it.
import { ClientState } from '../../../../src/domain/client-record';
import { MessageType, type StelarMessage } from '../../../../src/domain/message';
import { ProcessedMarkGate } from '../../../../src/domain/recovery/processed-mark.gate';
import type { StoredSession } from '../../../../src/ports/session-store.port';
import { record } from '../helpers';

/** A hand-written networked store: each markProcessed waits until the test settles it. */
class FakeMarkStore {
  readonly writes: { seq: number; settle: (ok: boolean | Error) => void }[] = [];
  markProcessed(_s: StoredSession, seq: number): Promise<boolean> {
    return new Promise((resolve, reject) => this.writes.push({ seq, settle: (ok) => (ok instanceof Error ? reject(ok) : resolve(ok)) }));
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function setup() {
  const store = new FakeMarkStore();
  const failures: unknown[] = [];
  const gate = new ProcessedMarkGate(store, (e) => failures.push(e));
  const r = record('c1');
  r.state = ClientState.Open;
  r.session = { id: 'c1', namespace: '/', token: 't', streams: new Map(), metadata: null, suspendedAt: null, expiresAt: Infinity, processed: 0, answers: null };
  const ran: unknown[] = [];
  const run = (_rec: unknown, m: StelarMessage) => ran.push((m as { data?: unknown }).data ?? m.type);
  /** What the sequencer does before the gate: the session's mark moves with each admitted message. */
  const send = (m: StelarMessage): boolean => {
    const seq = (m as { seq?: number }).seq;
    if (seq !== undefined) r.session!.processed = seq;
    return gate.defer(r, m, run);
  };
  return { store, gate, r, ran, run, send, failures };
}

const ev = (seq: number | undefined, data: unknown): StelarMessage => ({ type: MessageType.Event, event: 'e', data, seq }) as StelarMessage;

describe('ProcessedMarkGate (client → server at most once across nodes)', () => {
  it('runs a numbered message only once its mark is written; later ones wait in order and one write covers them', async () => {
    const { store, gate, r, ran, send } = setup();
    expect(send(ev(1, 'a'))).toBe(true);
    expect(send(ev(2, 'b'))).toBe(true);
    expect(send({ type: MessageType.JoinRoom, room: 'x' } as StelarMessage)).toBe(true); // unnumbered, but behind them
    expect(send(ev(3, 'c'))).toBe(true);
    expect(ran).toEqual([]);
    expect(store.writes.map((w) => w.seq)).toEqual([1]);
    expect(gate.confirmable(r, 3)).toBe(0); // nothing confirmed before it is durable (message 1 is the first)
    store.writes[0].settle(true);
    await flush();
    expect(ran).toEqual(['a']);
    // The second write covers everything that waited meanwhile.
    expect(store.writes.map((w) => w.seq)).toEqual([1, 3]);
    expect(gate.confirmable(r, 3)).toBe(1);
    store.writes[1].settle(true);
    await flush();
    expect(ran).toEqual(['a', 'b', MessageType.JoinRoom, 'c']);
    expect(gate.confirmable(r, 3)).toBe(3);
    // Nothing waiting: an unnumbered message runs at once.
    expect(send({ type: MessageType.LeaveRoom, room: 'x' } as StelarMessage)).toBe(false);
  });

  it('a write refused (the session was resumed elsewhere) drops what waited; a failed write runs it anyway', async () => {
    const a = setup();
    a.send(ev(1, 'a'));
    a.send(ev(2, 'b'));
    a.store.writes[0].settle(false);
    await flush();
    expect(a.ran).toEqual([]);
    expect(a.store.writes).toHaveLength(1);

    const b = setup();
    b.send(ev(1, 'a'));
    b.store.writes[0].settle(new Error('redis down'));
    await flush();
    expect(b.ran).toEqual(['a']);
    expect(b.failures).toHaveLength(1);
  });

  it('never runs a message on a connection that closed while its mark was written', async () => {
    const { store, r, ran, send } = setup();
    send(ev(1, 'a'));
    r.state = ClientState.Closing;
    store.writes[0].settle(true);
    await flush();
    expect(ran).toEqual([]);
  });
});
