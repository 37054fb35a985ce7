import type { Logger } from '../ports/logger.port';
import type { ClientRecord } from './client-record';
import { PendingRequest, type ContextFactory, type HandlerContext } from './context.types';
import type { Dispatcher } from './dispatcher.service';
import { CloseCode, StelarErrorCode } from './errors';
import { errorMessage } from './hook-runner.service';
import {
  MessageType,
  type AckRequestMessage,
  type RoomMessage,
  type StelarMessage,
} from './message';
import type { MessageSender } from './message-sender.service';
import { isPromise } from './rate-limit-policy.service';
import { RequestReplier } from './request-replier.service';
import type { RoomRegistry } from './room-registry.service';
import type { ClientSequencer } from './recovery/client-sequencer';

/** The error text of an AckRequest nobody handles. */
export function noHandlerMessage(event: string): string {
  return `No handler for "${event}"`;
}

/**
 * Routes one admitted, validated, rate-checked inbound message to the user's handlers or the
 * room registry, and answers requests (each at most once).
 */
export class MessageRouter<C extends HandlerContext = HandlerContext> {
  /** Room answers waiting on a room subscription (cluster mode only; entries go when sent). */
  private readonly pendingAnswers = new WeakMap<ClientRecord, Promise<void>>();

  constructor(
    private readonly dispatcher: Dispatcher<C>,
    private readonly contexts: ContextFactory<C>,
    private readonly rooms: RoomRegistry,
    private readonly sender: MessageSender,
    private readonly logger: Logger,
    private readonly replier: RequestReplier = new RequestReplier(sender, logger),
    /** Session recovery: at-most-once and batched confirmations (null: recovery off). */
    private readonly sequencer: ClientSequencer | null = null,
  ) {}

  route(record: ClientRecord, msg: StelarMessage): void {
    if (this.sequencer !== null && record.session !== null) {
      // A session's re-sent message that already ran is dropped here (at most once per session).
      if (!this.sequencer.admit(record, msg)) return;
      // Cluster mode: it runs once its processed mark is written through (at most once across nodes).
      if (this.sequencer.defers(record, msg, this.run)) return;
    }
    this.run(record, msg);
  }

  private readonly run = (record: ClientRecord, msg: StelarMessage): void => {
    switch (msg.type) {
      case MessageType.Event:
        this.dispatcher.dispatch(msg.event, this.contexts.create(record, { event: msg.event, data: msg.data, binary: false }));
        return;
      case MessageType.Binary:
        this.dispatcher.dispatch(
          msg.event,
          this.contexts.create(record, { event: msg.event, bytes: msg.bytes, meta: msg.meta, binary: true }),
        );
        return;
      case MessageType.AckRequest:
        this.request(record, msg);
        return;
      case MessageType.JoinRoom:
      case MessageType.LeaveRoom:
        this.room(record, msg);
        return;
      default:
        return;
    }
  };

  /** Answers a request with `data` at most once (see {@link RequestReplier.reply}). */
  reply(record: ClientRecord, request: PendingRequest, data: unknown, ackName: string = request.ack): boolean {
    return this.replier.reply(record, request, data, ackName);
  }

  /** Answers a request with an error message (never a stack). */
  replyError(record: ClientRecord, request: PendingRequest, message: string): boolean {
    return this.replier.replyError(record, request, message);
  }

  /** A client's Confirm (its direct-stream offset): cached answers it has are forgotten. */
  confirmed(record: ClientRecord, offset: number): void {
    if (this.sequencer !== null) this.sequencer.clientConfirmed(record, offset);
  }

  private request(record: ClientRecord, msg: AckRequestMessage): void {
    const request = new PendingRequest(msg.id, msg.ack);
    // A session's answer goes to the session (recorded, cached, sent to its connection of the day).
    if (record.session !== null) {
      request.session = record.session;
      request.seq = msg.seq ?? 0;
    }
    this.replier.received(request);
    // The bound on requests in flight per connection: over it, answered with its code at once.
    if (!this.replier.admit(record, request)) return;
    const handler = this.dispatcher.getAck(msg.event);
    if (handler === undefined && !this.dispatcher.hasHandlers(msg.event)) {
      this.logger.debug(`${StelarErrorCode.NoHandler}: request "${msg.event}" from ${record.id}`);
      this.replyError(record, request, noHandlerMessage(msg.event));
      return;
    }
    const ctx = this.contexts.create(record, { event: msg.event, data: msg.data, binary: false, request });
    if (handler === undefined) {
      // Plain `on` handlers answer through ctx.ack / ctx.send (ctx._correlationId is set); the
      // request's slot is free once they answered or are done without answering.
      this.dispatcher.dispatchRequest(msg.event, ctx, () => this.replier.release(record, request));
      return;
    }
    let value: unknown;
    try {
      value = handler(ctx);
    } catch (err) {
      this.ackFailed(record, request, msg.event, err, 'threw');
      return;
    }
    if (isPromise(value)) {
      value.then(
        (v) => this.reply(record, request, v),
        (err: unknown) => this.ackFailed(record, request, msg.event, err, 'rejected'),
      );
    } else {
      this.reply(record, request, value);
    }
  }

  /**
   * The requester gets the error's message (never its stack); the log gets the Error itself at
   * warn (a handler may throw on purpose to refuse a request).
   */
  private ackFailed(record: ClientRecord, request: PendingRequest, event: string, err: unknown, how: string): void {
    this.logger.warn({ err, event, clientId: record.id }, `ack handler for "${event}" ${how}`);
    this.replyError(record, request, errorMessage(err));
  }

  private room(record: ClientRecord, msg: RoomMessage): void {
    const join = msg.type === MessageType.JoinRoom;
    const r = join ? this.rooms.join(record, msg.room) : this.rooms.leave(record, msg.room);
    // Echo the id only when the request carried one (docs/PROTOCOL.md, types 8/9).
    const base = msg.id === undefined ? { type: msg.type, room: msg.room } : { type: msg.type, room: msg.room, id: msg.id };
    const answer: RoomMessage = r.ok ? { ...base, ok: true } : { ...base, ok: false, reason: r.reason };
    // The join-vs-subscription rule (docs/CLUSTER.md): a join is confirmed once deliveries to the
    // room from every node reach this one. Later answers to the same client queue behind a
    // pending one, so a client sees its room answers in request order.
    const ready = r.ok && join ? this.rooms.ready(msg.room) : undefined;
    const before = this.pendingAnswers.get(record);
    if (ready === undefined && before === undefined) {
      this.sender.sendTo(record, answer);
      return;
    }
    // A waiting answer holds a slot of maxRequestsInFlight; with none free it cannot be refused
    // in order (it would overtake those waiting), so the connection is closed (1008).
    const bound = this.replier.bound;
    if (bound !== null && !bound.holdWaiting(record)) {
      this.sender.closeWithError(record, StelarErrorCode.TooManyRequests, 'Too many requests in flight', CloseCode.PolicyViolation);
      return;
    }
    const chain: Promise<void> = Promise.all([before, ready]).then(() => {
      if (bound !== null) bound.releaseWaiting(record);
      if (this.pendingAnswers.get(record) === chain) this.pendingAnswers.delete(record);
      try {
        this.sender.sendTo(record, answer);
      } catch (err) {
        this.logger.warn(`room answer to ${record.id} failed: ${errorMessage(err)}`);
      }
    });
    this.pendingAnswers.set(record, chain);
  }
}
