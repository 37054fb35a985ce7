import type { Clock } from '../ports/clock.port';
import type { Connection } from '../ports/connection.port';
import type { Logger } from '../ports/logger.port';
import { AttemptLog } from './attempt-log';
import type { MaybePromise } from '../ports/maybe-promise';
import { ClientRecord, ClientState } from './client-record';
import { CloseCode, StelarErrorCode, type ProtocolError } from './errors';
import type { HookRunner } from './hook-runner.service';
import { errorMessage } from './hook-runner.service';
import { MessageType, type ConnectMessage, type StelarMessage } from './message';
import type { MessageSender } from './message-sender.service';
import { isReservedEvent, nameProblem } from './name-validation';
import { isPromise, type RateLimitPolicy } from './rate-limit-policy.service';
import type { CodecRegistry } from './codec-registry';
import type { ServerLimits } from './server-limits';
import { ServerCounters } from './metrics/server-counters';

/** Where admitted, validated, rate-checked messages go (the MessageRouter). */
export interface InboundRouter {
  route(record: ClientRecord, msg: StelarMessage): void;
  /** Session recovery: the client confirmed its direct stream up to `offset`. */
  confirmed?(record: ClientRecord, offset: number): void;
}

/** Most inbound messages a client may have queued behind a pending async rate-limit check. */
export const MAX_PENDING_CHECKS = 1024;

const PONG: StelarMessage = Object.freeze({ type: MessageType.Pong });

/** The usual hello `{"v":1}`: no headers, so every connection can share one object. */
const PLAIN_HELLO: ConnectMessage = Object.freeze({
  type: MessageType.Connect,
  clientId: '',
  maxPayloadSize: 0,
  heartbeatInterval: 0,
  version: 1,
});

/**
 * The hello a record keeps for its lifetime (`ctx.headers` reads its headers): the shared
 * {@link PLAIN_HELLO} when it is the usual one, so an idle TCP connection does not hold its own.
 */
function keptHello(msg: ConnectMessage): ConnectMessage {
  return msg.headers === undefined && msg.sessionOffer === undefined && msg.version === 1 && msg.clientId === '' ? PLAIN_HELLO : msg;
}

/**
 * Inbound path of every connection: count → size check → decode → admission check →
 * validation → rate limit → route. Rate-limit answers that arrive asynchronously never reorder
 * a client's messages: while one is pending, later messages wait in the record's FIFO
 * `inbox`. With a synchronous limiter the inbox stays null and nothing is allocated.
 */
export class InboundPipeline {
  private received = 0;
  /** Size refusals are logged throttled (an attack must not become a log flood). */
  private readonly limitLog: AttemptLog;

  constructor(
    private readonly codecs: CodecRegistry,
    private readonly clock: Clock,
    private readonly hooks: HookRunner,
    private readonly rateLimits: RateLimitPolicy,
    private readonly limits: ServerLimits,
    private readonly router: InboundRouter,
    private readonly sender: MessageSender,
    private readonly logger: Logger,
    private readonly counters: ServerCounters = new ServerCounters(),
  ) {
    this.limitLog = new AttemptLog(logger, clock);
  }

  /** Inbound messages since start (StelarStats.totalMessagesReceived). */
  get totalReceived(): number {
    return this.received;
  }

  onMessage(conn: Connection, payload: Uint8Array, binary: boolean): void {
    const record = conn.owner as ClientRecord | null;
    if (!(record instanceof ClientRecord) || record.state >= ClientState.Closing) return;
    record.traffic.bytesIn += payload.byteLength;
    const max = this.limits.maxPayloadSize;
    if (payload.byteLength > max) {
      this.count(record);
      this.counters.countInvalid(StelarErrorCode.PayloadTooLarge);
      this.hooks.call('onPayloadTooLarge', { clientId: record.id, size: payload.byteLength, max });
      this.limitLog.report({
        protocol: record.protocol,
        remoteAddress: record.info.remoteAddress,
        code: StelarErrorCode.PayloadTooLarge,
        reason: `message of ${payload.byteLength} bytes exceeds maxPayloadSize ${max}`,
      });
      return this.sender.closeWithError(record, StelarErrorCode.PayloadTooLarge, 'Message too big', CloseCode.MessageTooBig);
    }
    let msg: StelarMessage;
    try {
      msg = this.codecs.get(record.protocol).decode(payload, binary);
    } catch (err) {
      this.count(record);
      return this.invalid(record, errorMessage(err), errorCode(err));
    }
    // Handshake, heartbeat and confirmation messages are transport chatter, not application messages.
    if (msg.type !== MessageType.Connect && msg.type !== MessageType.Ping && msg.type !== MessageType.Pong && msg.type !== MessageType.Confirm) {
      this.count(record);
    }
    if (record.state !== ClientState.Open) {
      // docs/PROTOCOL.md: frames before the Connect answer are dropped as invalid. The TCP
      // transport forwards the client's hello right after accept(): keep it for middleware.
      if (msg.type !== MessageType.Connect) {
        this.invalid(record, 'message before the connection was admitted', StelarErrorCode.InvalidMessage);
      }
      else if (record.hello === null) record.hello = keptHello(msg);
      return;
    }
    this.inbound(record, msg);
  }

  private count(record: ClientRecord): void {
    record.info.messagesReceived++;
    record.traffic.messagesIn++;
    this.received++;
  }

  onProtocolError(conn: Connection, err: ProtocolError): void {
    const record = conn.owner as ClientRecord | null;
    if (!(record instanceof ClientRecord)) return;
    if (err.code === StelarErrorCode.SlowConsumer) {
      // The transport dropped a peer over an output bound it enforces itself (pongs).
      this.counters.slowConsumersDropped++;
      this.logger.warn(
        { clientId: record.id, ip: record.info.remoteAddress, protocol: record.protocol, reason: err.message },
        `slow consumer: dropping ${record.id} (${err.message})`,
      );
    } else if (err.code === StelarErrorCode.PayloadTooLarge || err.code === StelarErrorCode.FrameTooLarge) {
      this.counters.countInvalid(err.code);
      // The transport rejected the frame from its header; it may attach the declared `size`.
      this.limitLog.report({ protocol: record.protocol, remoteAddress: record.info.remoteAddress, code: err.code, reason: err.message });
      this.hooks.call('onPayloadTooLarge', {
        clientId: record.id,
        size: err.size ?? -1,
        max: this.limits.maxPayloadSize,
      });
    } else {
      this.invalid(record, err.message, err.code);
    }
  }

  onPong(conn: Connection): void {
    const record = conn.owner as ClientRecord | null;
    if (record instanceof ClientRecord) record.info.lastPing = this.clock.now();
  }

  private inbound(record: ClientRecord, msg: StelarMessage): void {
    let event: string | undefined;
    switch (msg.type) {
      case MessageType.Ping:
        record.info.lastPing = this.clock.now();
        this.sender.sendTo(record, PONG);
        return;
      case MessageType.Pong:
        record.info.lastPing = this.clock.now();
        return;
      case MessageType.Event:
      case MessageType.Binary:
      case MessageType.AckRequest: {
        event = msg.event;
        const problem = nameProblem(event);
        if (problem !== null) return this.invalid(record, `invalid event name: ${problem}`, StelarErrorCode.InvalidEventName);
        if (isReservedEvent(event)) {
          return this.invalid(record, `reserved event name "${event}"`, StelarErrorCode.ReservedEventName);
        }
        break;
      }
      case MessageType.JoinRoom:
      case MessageType.LeaveRoom:
        break; // the room registry validates the name and the answer says why
      case MessageType.Connect:
        return; // a repeated hello: harmless
      case MessageType.Confirm:
        // Session recovery bookkeeping, not an application message (no rate limit).
        if (msg.offset !== undefined && record.session !== null) this.router.confirmed?.(record, msg.offset);
        return;
      case MessageType.Disconnect:
        return this.sender.close(record, CloseCode.Normal, '');
      default:
        return this.invalid(record, `unexpected message type ${msg.type} from a client`, StelarErrorCode.InvalidMessage);
    }
    if (record.inbox !== null) {
      // An async check is pending for an earlier message: queue behind it to keep order.
      if (record.inbox.length >= MAX_PENDING_CHECKS) return this.rateLimited(record, event);
      record.inbox.push(msg);
      return;
    }
    this.checkAndRoute(record, msg, event);
  }

  /** Rate-checks then routes; false when it must wait for an async limiter. */
  private checkAndRoute(record: ClientRecord, msg: StelarMessage, event: string | undefined): boolean {
    let allowed: MaybePromise<boolean>;
    try {
      allowed = this.rateLimits.check(record.id, event);
    } catch (err) {
      // Fail open: a broken limiter must not take the whole server down.
      this.logger.warn(`rate limiter check failed: ${errorMessage(err)}`);
      allowed = true;
    }
    if (isPromise<boolean>(allowed)) {
      if (record.inbox === null) record.inbox = [msg];
      allowed.then(
        (ok) => this.afterAsyncCheck(record, ok !== false),
        (err: unknown) => {
          this.logger.warn(`rate limiter check failed: ${errorMessage(err)}`);
          this.afterAsyncCheck(record, true);
        },
      );
      return false;
    }
    if (allowed !== false) this.router.route(record, msg);
    else this.rateLimited(record, event);
    return true;
  }

  private afterAsyncCheck(record: ClientRecord, ok: boolean): void {
    // Runs in a promise callback: anything escaping would be an unhandled rejection.
    try {
      this.drain(record, ok);
    } catch (err) {
      this.logger.error(`inbound processing for ${record.id} failed: ${errorMessage(err)}`, err);
    }
  }

  private drain(record: ClientRecord, ok: boolean): void {
    const inbox = record.inbox;
    if (inbox === null || record.state !== ClientState.Open) {
      record.inbox = null;
      return;
    }
    const head = inbox.shift() as StelarMessage;
    if (ok) this.router.route(record, head);
    else this.rateLimited(record, eventOf(head));
    // Drain in order; stop at the next message that needs an async answer (it stays at the
    // head, and its answer re-enters here).
    while (record.inbox === inbox && inbox.length > 0 && record.state === ClientState.Open) {
      const next = inbox[0];
      if (!this.checkAndRoute(record, next, eventOf(next))) return;
      inbox.shift();
    }
    if (record.inbox === inbox) record.inbox = null;
  }

  private rateLimited(record: ClientRecord, event: string | undefined): void {
    this.counters.rateLimited++;
    if (this.hooks.call('onRateLimitExceeded', { clientId: record.id, event, protocol: record.protocol })) {
      this.sender.closeWithError(record, StelarErrorCode.RateLimited, 'Rate limit exceeded', CloseCode.PolicyViolation);
    }
    // The hook returned false: this message is dropped and the client stays connected.
  }

  private invalid(record: ClientRecord, reason: string, code: string): void {
    this.counters.countInvalid(code);
    this.logger.debug(`invalid message from ${record.id}: ${reason}`);
    this.hooks.call('onInvalidMessage', { clientId: record.id, reason, protocol: record.protocol });
  }
}

/** The rate-limit key event of a message (undefined for room requests: global bucket). */
function eventOf(msg: StelarMessage): string | undefined {
  switch (msg.type) {
    case MessageType.Event:
    case MessageType.Binary:
    case MessageType.AckRequest:
      return msg.event;
    default:
      return undefined;
  }
}

/** The stable code of a decoding error (codecs throw ProtocolErrors), else INVALID_MESSAGE. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('STELAR_ERR_') ? code : StelarErrorCode.InvalidMessage;
}
