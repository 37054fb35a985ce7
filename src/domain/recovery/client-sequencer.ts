import type { Clock, TimerHandle } from '../../ports/clock.port';
import { ClientState, type ClientRecord } from '../client-record';
import { MessageType, type ConfirmMessage, type StelarMessage } from '../message';
import type { ServerCounters } from '../metrics/server-counters';
import { cachedAnswer, forgetAnswersThrough } from './answer-cache';
import type { ProcessedMarkGate, RunMessage } from './processed-mark.gate';

/** A batch of confirmations goes out this long after the first message it confirms (unref'd timer). */
export const CONFIRM_DELAY_MS = 10;
/** A client that sent this many sequenced messages since its last confirmation gets one at once. */
export const CONFIRM_EVERY = 128;

/** Writes one message to one record (the MessageSender's sendTo). */
export type RecordSend = (record: ClientRecord, message: StelarMessage) => boolean;

/**
 * Client → server session recovery (docs/API.md, "Session recovery"): every message a session
 * client sends (event, binary, request) carries a per-session sequence number. This service
 * runs each one at most once per session — the session record keeps the highest number
 * processed, so a message re-sent after a resume is recognised as a duplicate, dropped and
 * counted; a re-sent request that was already answered gets its answer again from the
 * session's answer cache — and confirms them cumulatively, batched: one Confirm per client per
 * {@link CONFIRM_DELAY_MS} window (one shared unref'd timer for all clients), or at once every
 * {@link CONFIRM_EVERY} messages, never one round trip per message.
 */
export class ClientSequencer {
  private readonly due: ClientRecord[] = [];
  private timer: TimerHandle | null = null;
  private readonly flushFn = (): void => this.flush();

  constructor(
    private readonly clock: Clock,
    private readonly send: RecordSend,
    private readonly counters: ServerCounters,
    /** Over a networked session store: marks written through before a message runs (null: one node). */
    private readonly gate: ProcessedMarkGate | null = null,
  ) {}

  /**
   * After {@link admit}: true when the message waits for its processed mark to be written
   * through (cluster mode) and will run through `run`; false when it runs now.
   */
  defers(record: ClientRecord, msg: StelarMessage, run: RunMessage): boolean {
    return this.gate !== null && this.gate.defer(record, msg, run);
  }

  /**
   * True when `msg` is to be processed. False for a duplicate of a session's message (dropped,
   * counted in `recoveryDuplicates`; a duplicate request is answered from the cache when its
   * answer is there, counted in `answersFromCache`).
   */
  admit(record: ClientRecord, msg: StelarMessage): boolean {
    const session = record.session;
    if (session === null) return true;
    const seq = sequenceOf(msg);
    if (seq === undefined) return true;
    const fresh = seq > session.processed;
    if (fresh) session.processed = seq;
    this.queue(record); // a duplicate is confirmed too, so the client stops re-sending it
    if (fresh) return true;
    this.counters.recoveryDuplicates++;
    if (msg.type === MessageType.AckRequest) {
      const answer = cachedAnswer(session, seq);
      if (answer !== undefined) {
        this.counters.answersFromCache++;
        this.send(record, answer);
      }
    }
    return false;
  }

  /** The client confirmed its direct stream up to `offset`: cached answers up to it go. */
  clientConfirmed(record: ClientRecord, offset: number): void {
    if (record.session !== null) forgetAnswersThrough(record.session, offset);
  }

  /** Sends the confirmations due now (the timer's callback; also safe to call any time). */
  flush(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const due = this.due.splice(0);
    for (const r of due) {
      r.confirmQueued = false;
      this.confirm(r);
    }
  }

  /** Clears the timer and forgets what was due (server stop). */
  dispose(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const r of this.due.splice(0)) r.confirmQueued = false;
  }

  private queue(record: ClientRecord): void {
    if (++record.sinceConfirm >= CONFIRM_EVERY) {
      this.confirm(record);
      return;
    }
    if (record.confirmQueued) return;
    record.confirmQueued = true;
    this.due.push(record);
    if (this.timer === null) this.timer = this.clock.setTimeout(this.flushFn, CONFIRM_DELAY_MS);
  }

  private confirm(record: ClientRecord): void {
    record.sinceConfirm = 0;
    const session = record.session;
    if (session === null || record.state !== ClientState.Open) return;
    const seq = this.gate === null ? session.processed : this.gate.confirmable(record, session.processed);
    const confirm: ConfirmMessage = { type: MessageType.Confirm, seq };
    this.send(record, confirm);
  }
}

/** The client sequence number of a message, if it has one. */
function sequenceOf(msg: StelarMessage): number | undefined {
  switch (msg.type) {
    case MessageType.Event:
    case MessageType.Binary:
    case MessageType.AckRequest:
      return msg.seq;
    default:
      return undefined;
  }
}
