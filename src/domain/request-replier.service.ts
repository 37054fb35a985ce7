import type { Logger } from '../ports/logger.port';
import type { ClientRecord } from './client-record';
import type { PendingRequest } from './context.types';
import { errorMessage } from './hook-runner.service';
import { MessageType } from './message';
import type { MessageSender } from './message-sender.service';
import type { Clock } from '../ports/clock.port';
import { ServerCounters } from './metrics/server-counters';
import { tooManyRequestsMessage, type RequestBound } from './request-bound.policy';

/**
 * Answers client requests, each at most once: `onAck` return values, `ctx.ack`/`ctx.send`
 * inside a request handler, and error answers. Depends only on the sender, so the contexts (which
 * answer through it) and the router (which creates them) do not depend on each other in a loop.
 */
export class RequestReplier {
  constructor(
    private readonly sender: MessageSender,
    private readonly logger: Logger,
    private readonly counters: ServerCounters = new ServerCounters(),
    private readonly clock: Clock | null = null,
    /** The bound on requests in flight per connection (null: unbounded, for tools and tests). */
    readonly bound: RequestBound | null = null,
  ) {}

  /**
   * Takes a slot of the connection's `maxRequestsInFlight` for `request`. False: none was free,
   * and the request has been answered with STELAR_ERR_TOO_MANY_REQUESTS (run no handler).
   */
  admit(record: ClientRecord, request: PendingRequest): boolean {
    if (this.bound === null || this.bound.admit(record, request)) return true;
    this.replyError(record, request, tooManyRequestsMessage(this.bound.max));
    return false;
  }

  /** The request's handlers are done without answering: its slot is free again (idempotent). */
  release(record: ClientRecord, request: PendingRequest): void {
    if (this.bound !== null) this.bound.release(record, request);
  }

  /** Counts a request that arrived; stamps it when durations are measured (metrics on). */
  received(request: PendingRequest): void {
    this.counters.acks.requests++;
    if (this.counters.timing && this.clock !== null) request.startedAt = this.clock.now();
  }

  /**
   * Answers a request with `data` (ack name defaults to the request's). Returns false when the
   * request was already answered or the client is gone.
   */
  reply(record: ClientRecord, request: PendingRequest, data: unknown, ackName: string = request.ack): boolean {
    if (request.answered) return false;
    request.answered = true;
    this.release(record, request);
    try {
      return this.answered(request, this.sender.answer(record, request, { type: MessageType.AckResponse, ack: ackName, id: request.id, data }), false);
    } catch (err) {
      // The answer cannot be encoded (e.g. cyclic data): the requester still gets one answer.
      this.logger.error(`cannot encode the answer to "${request.ack}": ${errorMessage(err)}`);
      const sent = this.sender.answer(record, request, {
        type: MessageType.AckResponse,
        ack: ackName,
        id: request.id,
        error: 'The answer could not be encoded',
      });
      return this.answered(request, sent, true);
    }
  }

  /** Answers a request with an error message (never a stack). */
  replyError(record: ClientRecord, request: PendingRequest, message: string): boolean {
    if (request.answered) return false;
    request.answered = true;
    this.release(record, request);
    const sent = this.sender.answer(record, request, { type: MessageType.AckResponse, ack: request.ack, id: request.id, error: message });
    return this.answered(request, sent, true);
  }

  /** Counts one answer (and its handler's duration while timing is on); returns `sent`. */
  private answered(request: PendingRequest, sent: boolean, error: boolean): boolean {
    const acks = this.counters.acks;
    if (!sent) acks.undelivered++;
    else if (error) acks.errors++;
    else acks.answered++;
    if (request.startedAt !== 0 && this.clock !== null) acks.duration.observe(this.clock.now() - request.startedAt);
    return sent;
  }
}
