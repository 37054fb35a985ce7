import type { Clock } from '../ports/clock.port';
import type { Logger } from '../ports/logger.port';
import { PerCodeThrottle } from './attempt-log';
import type { ClientRecord } from './client-record';
import type { PendingRequest } from './context.types';
import { StelarErrorCode } from './errors';
import type { ServerLimits } from './server-limits';
import { ServerCounters } from './metrics/server-counters';

/** The error answer of a request over the bound: its stable code first (see `answerError`). */
export function tooManyRequestsMessage(max: number): string {
  return `${StelarErrorCode.TooManyRequests}: more than ${max} requests in flight on this connection`;
}

/**
 * The bound on requests in flight per connection (`maxRequestsInFlight`, docs/SECURITY.md
 * "Limits"). A request holds a slot of its connection from its arrival until it is answered
 * (its `onAck` handler returned or settled, `ctx.ack`, an error answer) or, for a request
 * dispatched to `on`/`onAll` handlers, until those returned (or their promises settled) without
 * answering. A request arriving while every slot is held is refused: the caller answers it with
 * {@link tooManyRequestsMessage} and runs no handler; the connection stays open (HTTP/2's
 * REFUSED_STREAM for `SETTINGS_MAX_CONCURRENT_STREAMS`), since a flood of them is the rate
 * limiter's to end. A refusal is counted (`stelar_invalid_messages_total{code=…}`) and logged,
 * one warn line a second at most.
 *
 * The state is one integer per record and one flag per request: no Map, no timer, so nothing is
 * left to free when the connection goes (the record and its count go with it).
 */
export class RequestBound {
  private readonly throttle: PerCodeThrottle;

  constructor(
    private readonly limits: Pick<ServerLimits, 'maxRequestsInFlight'>,
    private readonly logger: Logger,
    clock: Clock,
    private readonly counters: ServerCounters = new ServerCounters(),
  ) {
    this.throttle = new PerCodeThrottle(clock);
  }

  /** The bound now (live: `updateConfig({ maxRequestsInFlight })`). */
  get max(): number {
    return this.limits.maxRequestsInFlight ?? Infinity;
  }

  /** Takes a slot for `request`; false (and the refusal counted and logged) when none is free. */
  admit(record: ClientRecord, request: PendingRequest): boolean {
    if (!this.take(record, 'request refused')) return false;
    request.holdsSlot = true;
    return true;
  }

  /**
   * Takes a slot for a room answer that has to wait (cluster mode: behind the room's
   * subscription, or behind an earlier waiting answer, to keep answers in request order); give it
   * back with {@link releaseWaiting} once it is sent. False (counted, logged): none is free, and
   * since the answer cannot overtake those waiting, the caller closes the connection.
   */
  holdWaiting(record: ClientRecord): boolean {
    return this.take(record, 'connection closed: room answers waiting');
  }

  releaseWaiting(record: ClientRecord): void {
    if (record.requestsInFlight > 0) record.requestsInFlight--;
  }

  private take(record: ClientRecord, what: string): boolean {
    const max = this.max;
    if (record.requestsInFlight < max) {
      record.requestsInFlight++;
      return true;
    }
    this.counters.countInvalid(StelarErrorCode.TooManyRequests);
    const suppressed = this.throttle.admit(StelarErrorCode.TooManyRequests);
    if (suppressed >= 0) {
      const more = suppressed > 0 ? ` (+${suppressed} more since the last line)` : '';
      this.logger.warn(
        { clientId: record.id, ip: record.info.remoteAddress, protocol: record.protocol, code: StelarErrorCode.TooManyRequests, max, suppressed },
        `${StelarErrorCode.TooManyRequests}: ${what}, ${record.id} has ${max} requests in flight (maxRequestsInFlight)${more}`,
      );
    }
    return false;
  }

  /** Gives back the slot of `request` (idempotent; nothing for a refused request). */
  release(record: ClientRecord, request: PendingRequest): void {
    if (!request.holdsSlot) return;
    request.holdsSlot = false;
    record.requestsInFlight--;
  }
}
