import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { AckRouter } from '../../domain/ack-router';
import { ClientSendLog } from '../../domain/client/send-log';
import { CloseCode, StelarError, StelarErrorCode } from '../../domain/errors';
import type { SessionGrant, StelarMessage } from '../../domain/message';

// Client → server session recovery, the client's pieces that do not need the connection
// (docs/API.md, "Session recovery"): numbering a message, choosing the send log at a Connect,
// and confirming received answers back to the server.

/** Answers received are confirmed back (the server's answer-cache eviction) at most this often. */
export const CLIENT_CONFIRM_DELAY_MS = 50;

/**
 * Gives a message its client sequence number, in place: the message objects a client sends are
 * its own (built by emit/request for this send only), so no copy is made.
 */
export function withSeq(message: StelarMessage, seq: number): StelarMessage {
  (message as { seq?: number }).seq = seq;
  return message;
}

/**
 * The send log after a Connect: a resumed session keeps its log (re-sent next; the server drops
 * what it had already processed); a new session starts numbering again and the requests that
 * were on the wire when the old one dropped reject (STELAR_ERR_SESSION_LOST). Null when the
 * server does not confirm (`grant.confirms` absent: recovery off, or a phase-1 server).
 */
export function sendLogAfterConnect(
  log: ClientSendLog | null,
  recovered: boolean,
  grant: SessionGrant | undefined,
  acks: AckRouter,
  warn: (message: string) => void,
): ClientSendLog | null {
  if (recovered && log !== null) return log;
  if (log !== null) {
    const requests = [...log.requests];
    const lost = log.reset();
    const err = new StelarError(StelarErrorCode.SessionLost, 'session not resumed', CloseCode.Abnormal);
    for (const id of requests) acks.reject(id, err);
    if (lost > 0) warn(`[stelar-client] session not resumed: ${lost} unconfirmed message(s) may be lost`);
  }
  return grant !== undefined && grant.confirms === true ? (log ?? new ClientSendLog()) : null;
}

/**
 * Confirms the client's direct-stream offset to the server after answers arrived, batched: one
 * Confirm per {@link CLIENT_CONFIRM_DELAY_MS} at most, through `send`.
 */
export class AnswerConfirmer {
  private offset = -1;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly send: (offset: number) => void,
  ) {}

  /** An answer arrived at `offset` of the direct stream. */
  seen(offset: number): void {
    this.offset = offset;
    if (this.timer !== null) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      const o = this.offset;
      this.offset = -1;
      if (o >= 0) this.send(o);
    }, CLIENT_CONFIRM_DELAY_MS);
  }

  /** The connection is gone: nothing to confirm on it. */
  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.offset = -1;
  }
}
