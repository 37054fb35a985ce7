import type { SessionStore } from '../../ports/session-store.port';
import { ClientState, type ClientRecord } from '../client-record';
import { MessageType, type StelarMessage } from '../message';

/** Runs one admitted message (the router's dispatch). */
export type RunMessage = (record: ClientRecord, msg: StelarMessage) => void;

interface Pending {
  /** Admitted messages waiting for their mark to be written, in arrival order. */
  readonly queue: StelarMessage[];
  /** True while a mark write is in flight. */
  writing: boolean;
  /** The highest mark the store acknowledged (what a Confirm may say). */
  durable: number;
}

/**
 * Client → server at most once **across nodes** (docs/CLUSTER.md, "Session recovery in a
 * cluster"): over a networked session store, a session's numbered message (event, binary,
 * request) runs only once the store has acknowledged the processed mark covering it, so a node
 * killed at any instant never leaves a message that ran with a mark that says it did not (a
 * resume elsewhere would re-run it). Messages arriving while a write is in flight wait behind
 * it, in order (unnumbered ones too, so the client's order holds), and the next write covers
 * them all: one store round trip per batch, not per message. A write refused because the
 * session now belongs to another connection (resumed elsewhere) drops what waited: the new
 * holder runs the client's re-sends. A write that fails (store unreachable) runs them anyway:
 * at most once then holds only as far as the store was written.
 */
export class ProcessedMarkGate {
  private readonly pending = new WeakMap<ClientRecord, Pending>();

  constructor(
    private readonly store: Required<Pick<SessionStore, 'markProcessed'>>,
    private readonly onFailure: (err: unknown) => void = () => {},
  ) {}

  /**
   * True when `msg` (admitted: not a duplicate) was taken to run later through `run`; false
   * when it may run now (an unnumbered message with nothing waiting).
   */
  defer(record: ClientRecord, msg: StelarMessage, run: RunMessage): boolean {
    let p = this.pending.get(record);
    if (p === undefined) {
      if (!numbered(msg)) return false;
      // Everything before this message ran behind an acknowledged mark (or came with the resumed record).
      p = { queue: [], writing: false, durable: (msg as { seq: number }).seq - 1 };
      this.pending.set(record, p);
    }
    if (!p.writing && p.queue.length === 0 && !numbered(msg)) return false;
    p.queue.push(msg);
    if (!p.writing) this.write(record, p, run);
    return true;
  }

  /** The mark a Confirm may carry now: never beyond what the store acknowledged. */
  confirmable(record: ClientRecord, processed: number): number {
    const p = this.pending.get(record);
    return p === undefined || (!p.writing && p.queue.length === 0) ? processed : Math.min(processed, p.durable);
  }

  private write(record: ClientRecord, p: Pending, run: RunMessage): void {
    const session = record.session;
    if (session === null) {
      p.queue.length = 0;
      return;
    }
    p.writing = true;
    const covered = p.queue.length;
    const mark = session.processed;
    const done = (ok: boolean): void => {
      p.writing = false;
      const batch = p.queue.splice(0, covered);
      if (!ok) {
        p.queue.length = 0; // the session is another connection's now
        return;
      }
      p.durable = Math.max(p.durable, mark);
      for (const m of batch) {
        if (record.state !== ClientState.Open) break;
        run(record, m);
      }
      if (p.queue.length === 0 || record.state !== ClientState.Open) {
        p.queue.length = 0;
        return;
      }
      if (p.queue.some(numbered)) this.write(record, p, run);
      else for (const m of p.queue.splice(0)) run(record, m);
    };
    this.store.markProcessed(session, mark).then(done, (err: unknown) => {
      this.onFailure(err);
      done(true);
    });
  }
}

/** Messages that carry a client sequence number (the ones at most once applies to). */
function numbered(msg: StelarMessage): boolean {
  switch (msg.type) {
    case MessageType.Event:
    case MessageType.Binary:
    case MessageType.AckRequest:
      return msg.seq !== undefined;
    default:
      return false;
  }
}
