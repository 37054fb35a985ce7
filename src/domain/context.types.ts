import type { StoredSession } from '../ports/session-store.port';
import type { ClientRecord } from './client-record';
import type { BinaryMeta } from './message';

/**
 * One inbound AckRequest awaiting its single answer. The context of the handler carries it;
 * `answered` flips on the first reply so a request is answered at most once.
 */
export class PendingRequest {
  answered = false;
  /** Clock time the request arrived, when durations are measured (metrics on); else 0. */
  startedAt = 0;
  /**
   * Session recovery: the requester's session (its answer is recorded in the session's direct
   * stream and sent to whichever connection holds the session when it is ready), else null.
   */
  session: StoredSession | null = null;
  /** The request's client sequence number (its answer is cached under it), 0 when none. */
  seq = 0;
  /** True while the request holds a slot of its connection's `maxRequestsInFlight`. */
  holdsSlot = false;

  constructor(
    /** Correlation id of the request (echoed in the AckResponse). */
    readonly id: number,
    /** The ack name the client labelled the request with. */
    readonly ack: string,
  ) {}
}

/** What a handler context is built from for one inbound event, binary event or request. */
export interface InboundEvent {
  readonly event: string;
  /** JSON data (events and requests). */
  readonly data?: unknown;
  /** Raw bytes (binary events). */
  readonly bytes?: Uint8Array;
  readonly meta?: BinaryMeta;
  readonly binary: boolean;
  /** Set for AckRequests: answer through `ConnectionService.reply(record, request, …)`. */
  readonly request?: PendingRequest;
}

/**
 * The least the domain needs from a handler context. The application's `StelarContext` extends
 * it (socket, req, emit, broadcast, ack…); the domain only creates contexts through a
 * {@link ContextFactory} and passes them to user handlers.
 */
export interface HandlerContext {
  readonly id: string;
  data?: unknown;
  event?: string;
  /** The request's correlation id as a string, when the context answers an AckRequest. */
  _correlationId?: string;
}

/**
 * Builds handler contexts (implemented by the application layer). Called once per connection
 * without `inbound` (middleware, onConnection, onDisconnect share it), and once per inbound
 * event with it. An implementation must set `_correlationId = String(inbound.request.id)` when
 * `inbound.request` is present.
 */
export interface ContextFactory<C extends HandlerContext = HandlerContext> {
  create(record: ClientRecord, inbound?: InboundEvent): C;
}

/** `server.on(event, h)`, `onConnection`, `onDisconnect`. May return a Promise (rejections are logged). */
export type EventHandler<C extends HandlerContext = HandlerContext> = (ctx: C) => unknown;

/** `server.onAll(h)`: receives the event name and the context. */
export type WildcardHandler<C extends HandlerContext = HandlerContext> = (payload: {
  event: string;
  data: C;
}) => unknown;

/** `server.onAck(name, h)`: its return value (or resolved Promise) is the answer. */
export type AckHandler<C extends HandlerContext = HandlerContext> = (ctx: C) => unknown;

/** `server.use(mw)`: call `next()` to admit; sync or async. */
export type Middleware<C extends HandlerContext = HandlerContext> = (ctx: C, next: () => void) => unknown;
