import type { Connection, ConnectionHandler } from '../ports/connection.port';
import type { MaybePromise } from '../ports/maybe-promise';
import type { AttemptEnded, HandshakeInfo, Refusal } from '../ports/transport.port';
import { AttemptLog, RefusalLog } from './attempt-log';
import { ClientRecord, ClientState } from './client-record';
import type { HandlerContext } from './context.types';
import { MIDDLEWARE_ERROR, MIDDLEWARE_TIMEOUT, type MiddlewareResult } from './dispatcher.service';
import { CloseCode, StelarErrorCode } from './errors';
import { MessageType } from './message';
import { isPromise } from './rate-limit-policy.service';
import type { ConnectionServiceDeps } from './connection-service.types';
import { dropHelloOffer, type SessionAdmission } from './recovery/session-admission';

/**
 * Admission of a connection, from screening to the Connect message: screen → accept (a record
 * and an admission slot) → one microtask later the context and the middleware chain → registered,
 * Connect sent, hooks and `onConnection`. Refusals are counted and logged here. Owned by the
 * ConnectionService, which is the transports' acceptor and hands `accept`/`screen` over.
 */
export class ConnectionAdmission<C extends HandlerContext = HandlerContext> {
  /** Records between accept() and the end of their middleware. */
  readonly admitting = new Set<ClientRecord>();
  private readonly attemptLog: AttemptLog;
  private readonly refusalLog: RefusalLog;

  constructor(
    private readonly d: ConnectionServiceDeps<C>,
    /** Session recovery (null when the `recovery` option is off). */
    private readonly sessions: SessionAdmission | null,
    /** What every accepted connection reports to (the ConnectionService). */
    private readonly handler: ConnectionHandler,
  ) {
    this.attemptLog = new AttemptLog(d.logger, d.clock);
    this.refusalLog = new RefusalLog(d.logger, d.clock);
  }

  /** ConnectionAcceptor: screening before the protocol handshake (a passed attempt holds a slot). */
  screen(info: HandshakeInfo): MaybePromise<Refusal | null> {
    const r = this.d.admission.screen(info);
    if (r === null) return null;
    if (!isPromise<Refusal | null>(r)) {
      this.refused(info.remoteAddress, info.protocol, r.code, r.reason);
      return r;
    }
    return r.then((refusal) => {
      if (refusal !== null) this.refused(info.remoteAddress, info.protocol, refusal.code, refusal.reason);
      return refusal;
    });
  }

  /** ConnectionAcceptor: a screened attempt died before its handshake completed. */
  abandon(info: HandshakeInfo): void {
    this.d.admission.abandon(info);
  }

  /** ConnectionAcceptor: a transport ended an attempt at one of its bounds (logged, throttled). */
  attemptEnded(event: AttemptEnded): void {
    this.d.counters.countRefusal(event.code);
    this.attemptLog.report(event);
  }

  /** Counts and logs (throttled per code) one refused attempt (screening, admission or middleware). */
  private refused(ip: string, protocol: string, code: string, reason: string): void {
    this.d.counters.countRefusal(code);
    this.refusalLog.report(ip, protocol, code, reason);
  }

  /** A refusal after the handshake: counted, logged, then the client is told and closed. */
  private refuse(record: ClientRecord, code: StelarErrorCode, reason: string, closeCode: number): void {
    this.refused(record.info.remoteAddress, record.protocol, code, reason);
    this.d.sender.closeWithError(record, code, reason, closeCode);
  }

  /**
   * Takes ownership of a handshaken connection. The context is created and the middleware chain
   * started one microtask later, so that a TCP hello the transport hands over right after
   * accept() (docs/PROTOCOL.md, TCP lifecycle) is on the record (`record.hello`, with the
   * middleware headers) before any middleware runs.
   */
  accept(conn: Connection, info?: HandshakeInfo): void {
    // The attempt's slot (screened with `info`) passes to the connection, whatever happens next.
    const claimed = this.d.admission.claim(info);
    conn.setHandler(this.handler);
    let record: ClientRecord;
    try {
      record = new ClientRecord(this.d.ids.next(), conn, this.d.clock.now(), this.d.counters.traffic(conn.protocol));
    } catch (err) {
      this.d.logger.error({ err, ip: conn.remoteAddress, protocol: conn.protocol }, 'cannot accept connection');
      if (claimed) this.d.admission.releaseClaim(conn.remoteAddress);
      conn.close(CloseCode.InternalError, 'Internal error');
      return;
    }
    conn.owner = record;
    if (claimed) {
      // Counted since its arrival: the slot and the tracker entry are this record's now.
      record.holdsAdmissionSlot = true;
      record.countedByTracker = true;
    }
    if (this.d.clients.has(record.id)) {
      this.d.logger.error({ clientId: record.id }, 'client id is already in use');
      return this.refuse(record, StelarErrorCode.Internal, 'Duplicate client id', CloseCode.InternalError);
    }
    if (!claimed) {
      // Not screened by this service (or its slot is gone): take a slot now, if one is free.
      if (this.d.admission.isFull(record.info.remoteAddress)) {
        return this.refuse(record, StelarErrorCode.ServerFull, 'Server is full', CloseCode.TryAgainLater);
      }
      this.d.admission.beginAdmission();
      record.holdsAdmissionSlot = true;
    }
    this.admitting.add(record);
    // A browser's resume offer comes as its first message: admission starts when it arrives.
    if (this.sessions !== null && this.sessions.awaitHello(record, this.d.limits.connectTimeout, this.helloTimedOut)) return;
    queueMicrotask(() => this.runAdmission(record));
  }

  /** After a message from a connection: if it was the hello its admission waits for, admission starts. */
  afterMessage(conn: Connection): void {
    const record = conn.owner as ClientRecord;
    if (this.sessions !== null && this.sessions.helloArrived(record)) this.runAdmission(record);
  }

  /** No hello within connectTimeout: refused as a middleware timeout would be. */
  private readonly helloTimedOut = (record: ClientRecord): void => {
    if (record.state !== ClientState.Admitting || !record.conn.isOpen) return;
    this.releaseAdmissionSlot(record);
    this.refuse(record, StelarErrorCode.ConnectTimeout, 'no Connect hello within connectTimeout', CloseCode.PolicyViolation);
  };

  private runAdmission(record: ClientRecord): void {
    // Closed before the microtask (onClose releases the slot, or is on its way).
    if (record.state !== ClientState.Admitting || !record.conn.isOpen) return;
    // A resume takes the session's id before the middleware runs (it sees the resumed id).
    if (this.sessions !== null) this.sessions.begin(record);
    let ctx: C;
    try {
      ctx = this.d.contexts.create(record);
    } catch (err) {
      this.d.logger.error({ err, clientId: record.id }, 'cannot create the connection context');
      this.releaseAdmissionSlot(record);
      return this.refuse(record, StelarErrorCode.Internal, 'Internal error', CloseCode.InternalError);
    }
    record.connectionContext = ctx;
    if (this.sessions !== null && this.sessions.skipsMiddleware(record)) return this.finishAdmission(record, { ok: true });
    this.d.dispatcher
      .runMiddleware(ctx, this.d.limits.connectTimeout)
      .then(
        (r) => this.finishAdmission(record, r),
        () => this.finishAdmission(record, { ok: false, reason: MIDDLEWARE_ERROR }),
      )
      // Never leave a rejection unhandled (Node 20 would exit): log whatever escaped.
      .then(undefined, (err: unknown) => this.d.logger.error({ err, clientId: record.id }, 'admission failed'));
  }

  private finishAdmission(record: ClientRecord, result: MiddlewareResult): void {
    this.releaseAdmissionSlot(record);
    // Closed while the middleware ran (or the peer left and onClose is on its way).
    if (record.state !== ClientState.Admitting || !record.conn.isOpen) return;
    if (!result.ok) {
      if (this.sessions !== null) this.sessions.refused(record);
      const code = result.reason === MIDDLEWARE_TIMEOUT ? StelarErrorCode.ConnectTimeout : StelarErrorCode.Unauthorized;
      return this.refuse(record, code, result.reason, CloseCode.PolicyViolation);
    }
    // A resume offer that came in a hello nobody read (recovery off) does not stay on the record.
    dropHelloOffer(record);
    // Session recovery: replaces a resumed session's old connection, restores rooms/metadata.
    const outcome = this.sessions === null ? null : this.sessions.finish(record);
    if (outcome !== null) this.d.counters.countRecovery(outcome.grant.recovered ? 'recovered' : (outcome.grant.reason ?? 'new'));
    if (this.d.clients.has(record.id)) {
      return this.refuse(record, StelarErrorCode.Internal, 'Duplicate client id', CloseCode.InternalError);
    }
    const { info, conn } = record;
    this.d.clients.add(record);
    record.state = ClientState.Open;
    record.traffic.connectionsOpened++;
    this.d.logger.info({ clientId: info.id, ip: info.remoteAddress, protocol: info.protocol }, 'client connected');
    info.lastPing = this.d.clock.now();
    if (!record.countedByTracker) {
      record.countedByTracker = true;
      this.d.admission.admitted(info.remoteAddress);
    }
    // The Connect message is the first thing an admitted client receives.
    this.d.sender.sendTo(record, {
      type: MessageType.Connect,
      clientId: info.id,
      maxPayloadSize: this.d.limits.maxPayloadSize,
      heartbeatInterval: this.d.limits.heartbeatInterval,
      session: outcome?.grant,
    });
    // A resumed session's missed messages, in order, before anything new.
    const recovered = outcome !== null && outcome.grant.recovered;
    if (recovered) for (const m of outcome.missed) this.d.sender.sendTo(record, m);
    // Payloads only for hooks that are set: `info.metadata` is created on first access.
    if (this.d.hooks.has('onClientConnect')) {
      this.d.hooks.call('onClientConnect', {
        clientId: info.id,
        ip: info.remoteAddress,
        protocol: info.protocol,
        metadata: info.metadata,
        recovered,
      });
    }
    if (recovered && this.d.hooks.has('onClientResume')) {
      this.d.hooks.call('onClientResume', {
        clientId: info.id,
        ip: info.remoteAddress,
        protocol: info.protocol,
        missed: outcome.missed.length,
      });
    }
    if (record.state === ClientState.Open && conn.isOpen) {
      if (recovered) this.d.dispatcher.dispatchResume(record.connectionContext as C);
      else this.d.dispatcher.dispatchConnection(record.connectionContext as C);
    }
  }

  /** Ends the record's admission (idempotent): out of `admitting`, its slot given back. */
  releaseAdmissionSlot(record: ClientRecord): void {
    this.admitting.delete(record);
    if (record.holdsAdmissionSlot) {
      record.holdsAdmissionSlot = false;
      this.d.admission.endAdmission();
    }
  }
}
