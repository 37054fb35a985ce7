import type { Protocol } from '../../ports/connection.port';
import { BucketHistogram, ACK_DURATION_BUCKETS_MS } from './bucket-histogram';

/**
 * Traffic of one transport. A record holds its transport's instance (`record.traffic`), so the
 * hot paths bump plain integer fields of one monomorphic object: no lookup, no branch on the
 * protocol, no call into a metrics library per message (docs/OPERATIONS.md, "Cost").
 */
export class TrafficCounters {
  messagesIn = 0;
  messagesOut = 0;
  /** Message bodies received (WebSocket message payload / TCP frame), before decoding. */
  bytesIn = 0;
  /** Encoded message bodies handed to the transport (one per recipient), before framing. */
  bytesOut = 0;
  connectionsOpened = 0;
  connectionsClosed = 0;

  constructor(readonly protocol: Protocol) {}
}

/** Outcomes of client requests (AckRequest → AckResponse). */
export class AckCounters {
  requests = 0;
  answered = 0;
  /** Answered with an error: the handler threw or rejected, or no handler exists. */
  errors = 0;
  /** The answer could not be written: the client was gone (or closing) when it came. */
  undelivered = 0;
  /** Handler durations in ms, observed only while `ServerCounters.timing` is on. */
  readonly duration = new BucketHistogram(ACK_DURATION_BUCKETS_MS);

  /**
   * Requests received and not answered yet. The server sets no deadline on a handler (the
   * client's `ackTimeout` is the deadline, and the server does not know it): a handler that
   * never answers stays counted here for good.
   */
  get pending(): number {
    return this.requests - this.answered - this.errors - this.undelivered;
  }
}

/**
 * Every number the operations surface (Prometheus metrics, dashboard) reads, counted by the
 * domain as plain integers. Rare events (refusals, invalid messages) are keyed by reason/code in
 * small Maps; per-message events are fields. Exporters read them at collect time.
 */
export class ServerCounters {
  private readonly byProtocol = new Map<Protocol, TrafficCounters>();
  /** Refused connection attempts by refusal code (`STELAR_ERR_SERVER_FULL`…). */
  readonly refused = new Map<string, number>();
  /** Invalid inbound messages by error code. */
  readonly invalid = new Map<string, number>();
  /**
   * Session recovery outcomes of admitted clients that offered a session: `recovered`, `new` (a
   * first connection) or the reason it could not resume (`expired`, `history`, `epoch`…).
   */
  readonly recovery = new Map<string, number>();
  /** Client → server recovery: re-sent client messages dropped as duplicates (already processed). */
  recoveryDuplicates = 0;
  /** Of those, re-sent requests answered from the session's answer cache (handler not run again). */
  answersFromCache = 0;
  readonly acks = new AckCounters();
  /** Fan-out sends (broadcast, room, cluster delivery) and the messages they wrote. */
  broadcasts = 0;
  deliveries = 0;
  rateLimited = 0;
  slowConsumersDropped = 0;
  /** Clients closed by the admin API (`server.disconnect`, `ctx.disconnect`, the dashboard). */
  adminDisconnects = 0;
  /**
   * When true, the domain also measures durations (ack handlers). Off unless an exporter is
   * running, so a server without metrics does not read the clock for them.
   */
  timing = false;

  /** The counters of one transport (created on first use, then held by each record). */
  traffic(protocol: Protocol): TrafficCounters {
    let t = this.byProtocol.get(protocol);
    if (t === undefined) {
      t = new TrafficCounters(protocol);
      this.byProtocol.set(protocol, t);
    }
    return t;
  }

  /** Every transport seen so far. */
  protocols(): IterableIterator<TrafficCounters> {
    return this.byProtocol.values();
  }

  countRefusal(code: string): void {
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
  }

  countRecovery(outcome: string): void {
    this.recovery.set(outcome, (this.recovery.get(outcome) ?? 0) + 1);
  }

  countInvalid(code: string): void {
    this.invalid.set(code, (this.invalid.get(code) ?? 0) + 1);
  }

  /** Sum of one traffic field over the transports. */
  total(field: Exclude<keyof TrafficCounters, 'protocol'>): number {
    let n = 0;
    for (const t of this.byProtocol.values()) n += t[field];
    return n;
  }
}
