import type { Clock, TimerHandle } from '../../ports/clock.port';
import { ClientRecord, ClientState } from '../client-record';
import type { ClientRegistry } from '../client-registry.service';
import { CloseCode } from '../errors';
import type { SessionGrant, StelarMessage } from '../message';
import type { RoomObserver, RoomRegistry } from '../room-registry.service';
import type { RecoveryService } from './recovery.service';
import { NEW_SESSION_OFFER, SESSION_HEADER, parseResumeOffer, type ResumeOffer } from './resume-offer';
import { forgetAnswersThrough } from './answer-cache';
import { DIRECT_STREAM } from './stream-names';
import { isPromise, type MaybePromise } from '../../ports/maybe-promise';
import type { ClaimResult, ReplayResult } from './recovery.service';

/** What {@link SessionAdmission.finish} decided for an admitted connection. */
export interface SessionOutcome {
  readonly grant: SessionGrant;
  /** The missed messages to send right after the Connect message (empty unless recovered). */
  readonly missed: readonly StelarMessage[];
}

/**
 * A resume over a networked store: the connection is registered and its rooms restored while
 * its history is read; what reaches it meanwhile is held (`record.held`) and sent after the
 * missed messages. `ready` settles (never rejects) with the outcome.
 */
export interface PendingOutcome {
  readonly ready: Promise<SessionOutcome>;
}

const RESUMED_REASON = 'session resumed by another connection';

/** Most messages held for one resuming connection; beyond it the connection is dropped (it resumes again). */
export const MAX_HELD_MESSAGES = 10000;

/**
 * Session recovery at the edges of a connection's life (docs/API.md, "Session recovery"):
 * reads the client's offer before the middleware runs (a resume takes the session's id at once,
 * so middleware sees it), decides after admission whether the session is resumed (rooms and
 * metadata restored, missed messages returned for replay) or a new one opened, and on close
 * either suspends the session for `windowMs` or ends it.
 */
export class SessionAdmission implements RoomObserver {
  /** Admitting connections whose offer comes as their first message, with its deadline (bounded by the admission slots). */
  private readonly helloWait = new Map<ClientRecord, TimerHandle>();
  private onHelloTimeout: (record: ClientRecord) => void = () => {};

  constructor(
    private readonly recovery: RecoveryService,
    private readonly clients: ClientRegistry,
    private readonly rooms: RoomRegistry,
    private readonly clock: Clock,
    /** Runs the close cleanup of a connection replaced by a resume (ConnectionService.onClose). */
    private readonly closeReplaced: (record: ClientRecord, code: number, reason: string) => void,
  ) {
    rooms.observe(this);
  }

  /**
   * A connection whose handshake said its offer follows as its first message (a browser:
   * docs/PROTOCOL.md, "Session recovery"): true, and admission waits for that hello
   * ({@link helloArrived}) or `timeoutMs` (`onTimeout`). False for every other connection.
   */
  awaitHello(record: ClientRecord, timeoutMs: number, onTimeout: (record: ClientRecord) => void): boolean {
    if (!this.recovery.enabled || record.conn.sessionSignal !== 'hello') return false;
    this.helloWait.set(record, this.clock.setTimeoutWith(this.helloLate, timeoutMs, record));
    this.onHelloTimeout = onTimeout;
    return true;
  }

  /** Connections waiting for their hello (0 nearly always: the caller's cheap check). */
  get awaitingHello(): number {
    return this.helloWait.size;
  }

  /** After a message from `record`: true when it was the awaited hello (admission may start). */
  helloArrived(record: ClientRecord): boolean {
    if (!(record instanceof ClientRecord) || record.hello === null) return false;
    return this.stopWaiting(record);
  }

  private stopWaiting(record: ClientRecord): boolean {
    const timer = this.helloWait.get(record);
    if (timer === undefined) return false;
    this.clock.clearTimeout(timer);
    this.helloWait.delete(record);
    return true;
  }

  private readonly helloLate = (record: ClientRecord): void => {
    if (this.helloWait.delete(record)) this.onHelloTimeout(record);
  };

  /**
   * Before the middleware: reads the offer; a valid claim gives the record the session's id.
   * Over a networked store the claim is a Promise (then run the middleware once it settles).
   */
  begin(record: ClientRecord): MaybePromise<void> {
    const offer = parseResumeOffer(this.offerText(record));
    if (offer === null || !this.recovery.enabled) return;
    if (offer.id === '') {
      record.sessionOffer = {};
      return;
    }
    const claim = this.recovery.claim(offer, this.clock.now());
    if (isPromise(claim)) return claim.then((c) => this.claimed(record, offer, c));
    this.claimed(record, offer, claim);
  }

  private claimed(record: ClientRecord, offer: ResumeOffer, claim: ClaimResult): void {
    if (!claim.ok) {
      record.sessionOffer = { reason: claim.reason };
      return;
    }
    if (record.state >= ClientState.Closing) {
      // Closed while the store answered: the rotated token was never sent, so nobody can resume it.
      this.recovery.end(claim.session);
      return;
    }
    record.resuming = { session: claim.session, offer };
    record.info.id = claim.session.id;
  }

  /**
   * The offer's text: the hello's `sessionOffer` (then dropped from the kept hello: the token
   * does not stay on the record), else the `x-stelar-session` handshake header (the hello's
   * `headers` for TCP, the upgrade request's for WebSocket), else `{"v":1}` for a handshake
   * that asked for a new session without headers.
   */
  private offerText(record: ClientRecord): unknown {
    const hello = record.hello;
    if (hello !== null && hello.sessionOffer !== undefined) {
      dropHelloOffer(record);
      return hello.sessionOffer;
    }
    const headers = hello?.headers ?? record.conn.handshakeHeaders ?? undefined;
    const text = headers === undefined ? undefined : (headers as Record<string, unknown>)[SESSION_HEADER];
    if (text === undefined && record.conn.sessionSignal === 'new') return NEW_SESSION_OFFER;
    return text;
  }

  /** True when the middleware may be skipped (a resume with `skipMiddleware`). */
  skipsMiddleware(record: ClientRecord): boolean {
    return record.resuming !== null && this.recovery.config.skipMiddleware;
  }

  /** The admission was refused, or the connection closed during it: a resume in progress ends the session. */
  refused(record: ClientRecord): void {
    if (this.helloWait.size !== 0) this.stopWaiting(record);
    const r = record.resuming;
    record.resuming = null;
    if (r !== null) this.recovery.end(r.session);
  }

  /**
   * The connection is admitted and about to be registered. Replaces a still-registered old
   * connection of the resumed session (closed with {@link CloseCode.SessionResumed}), then
   * resumes (rooms, metadata, missed messages) or opens a session. Null when the client made no
   * offer (or recovery is off). Must run synchronously right before registration. Over a
   * networked store a resume is a {@link PendingOutcome}: rooms are restored and `record.held`
   * collects what arrives until the history is read.
   */
  finish(record: ClientRecord): SessionOutcome | PendingOutcome | null {
    const resuming = record.resuming;
    const offered = record.sessionOffer;
    record.resuming = null;
    record.sessionOffer = null;
    if (resuming === null && offered === null) return null;
    const now = this.clock.now();
    record.positionedKey = positionedKeyOf(record.protocol);
    if (resuming !== null) {
      const old = this.clients.get(record.id);
      if (old !== undefined && old !== record) {
        // The old connection still looks alive: it hands the session over and goes.
        this.closeReplaced(old, CloseCode.SessionResumed, RESUMED_REASON);
        old.conn.close(CloseCode.SessionResumed, RESUMED_REASON);
      }
      if (!this.recovery.holds(resuming.session)) return this.open(record, now, 'unknown');
      if (this.recovery.distributed) return this.resumeLater(record, resuming.session, resuming.offer);
      const replay = this.recovery.replay(resuming.session, resuming.offer, now);
      if (isPromise(replay)) return this.resumeLater(record, resuming.session, resuming.offer);
      if (replay.ok) return this.resume(record, resuming.session, replay.missed, resuming.offer.positions.get(DIRECT_STREAM)?.offset);
      // Keeps the id the middleware saw; the client is told it starts over.
      return this.open(record, now, replay.reason);
    }
    return this.open(record, now, offered!.reason);
  }

  /**
   * The networked resume: the rooms are restored at once (so live deliveries, held, reach the
   * record from now on), then, once each room's cluster subscription is up, the history read
   * decides. A failure leaves the restored rooms again and opens a new session.
   */
  private resumeLater(record: ClientRecord, session: ResumeSession, offer: ResumeOffer): PendingOutcome {
    record.held = [];
    // This node holds the session from now on (the record's holder): what is sent to it after
    // this write comes here, what came before is in the history read below.
    if (this.recovery.networkedStore) this.recovery.takeOver(session);
    const restored: string[] = [];
    const waits: PromiseLike<void>[] = [];
    for (const wire of session.streams.keys()) {
      if (wire.charCodeAt(0) !== 0x23 /* # */) continue;
      const room = wire.slice(1);
      if (record.info.inRoom(room)) continue;
      restored.push(room);
      this.rooms.restore(record, room);
      const w = this.rooms.ready(room);
      if (w !== undefined) waits.push(w);
    }
    // Read once the subscriptions are up: what was published before is in the history, what
    // comes after arrives live (held); an overlap carries positions the client drops as seen.
    const subscribed: Promise<unknown> = waits.length === 0 ? Promise.resolve() : Promise.all(waits);
    const ready = subscribed
      .then(() => this.recovery.replay(session, offer, this.clock.now()))
      .then(
        (r) => this.settleResume(record, session, restored, r, offer),
        () => this.settleResume(record, session, restored, { ok: false, reason: 'unavailable' }, offer),
      );
    return { ready };
  }

  private settleResume(
    record: ClientRecord,
    session: ResumeSession,
    restored: readonly string[],
    r: ReplayResult,
    offer: ResumeOffer,
  ): SessionOutcome {
    this.recovery.resumeSettled(session);
    if (record.state >= ClientState.Closing) {
      this.recovery.end(session);
      return { grant: { token: '', recovered: false, reason: 'unavailable', missed: 0, confirms: true }, missed: NONE };
    }
    if (r.ok) {
      this.recovery.attach(session);
      record.session = session;
      if (session.metadata !== null) record.info.metadata = session.metadata;
      const seenDirect = offer.positions.get(DIRECT_STREAM)?.offset;
      if (seenDirect !== undefined) forgetAnswersThrough(session, seenDirect);
      return { grant: { token: session.token, recovered: true, missed: r.missed.length, confirms: true }, missed: r.missed };
    }
    if (restored.length > 0) this.rooms.leaveAll(record); // the client rejoins them itself
    record.held = null; // what arrived meanwhile belongs to the session that failed
    return this.open(record, this.clock.now(), r.reason);
  }

  /** Close cleanup (before rooms are left): suspends the session, or ends it. */
  closed(record: ClientRecord, code: number): void {
    const s = record.session;
    if (s === null) return;
    record.session = null;
    if (record.endSession || code === CloseCode.Normal) this.recovery.end(s);
    else this.recovery.suspend(s, record.info.roomsIfAny(), record.info.metadataIfAny(), this.clock.now());
  }

  /**
   * The session `id` was resumed on another node (cluster mode: that node told this one, the
   * session's previous holder). A connection still registered here for it looks alive but is
   * stale (half-open): it hands the session over and goes with 4001, as in {@link finish}.
   */
  takenElsewhere(id: string): boolean {
    const old = this.clients.get(id);
    if (old === undefined || old.session === null) return false;
    this.closeReplaced(old, CloseCode.SessionResumed, RESUMED_REASON);
    old.conn.close(CloseCode.SessionResumed, RESUMED_REASON);
    return true;
  }

  /** The 30 s maintenance. */
  sweep(): void {
    this.recovery.sweep(this.clock.now());
  }

  joined(record: ClientRecord, room: string): void {
    const s = record.session;
    if (s === null) return;
    // Over a networked store the session is written on each change: with the metadata as it is now.
    s.metadata = record.info.metadataIfAny();
    this.recovery.joined(s, room, this.clock.now());
  }

  left(record: ClientRecord, room: string): void {
    if (record.session !== null) this.recovery.left(record.session, room);
  }

  private resume(record: ClientRecord, session: ResumeSession, missed: readonly StelarMessage[], seenDirect: number | undefined): SessionOutcome {
    this.recovery.attach(session);
    record.session = session;
    if (session.metadata !== null) record.info.metadata = session.metadata;
    for (const wire of session.streams.keys()) {
      if (wire.charCodeAt(0) === 0x23 /* # */) this.rooms.restore(record, wire.slice(1));
    }
    // What the client reports it received of its direct stream needs no cached answer any more.
    if (seenDirect !== undefined) forgetAnswersThrough(session, seenDirect);
    // The client re-sends what it has no confirmation for; duplicates are dropped here (ClientSequencer).
    return { grant: { token: session.token, recovered: true, missed: missed.length, confirms: true }, missed };
  }

  private open(record: ClientRecord, now: number, reason: string | undefined): SessionOutcome {
    const session = this.recovery.open(record.id, now, record.info.metadataIfAny());
    record.session = session;
    return { grant: { token: session.token, recovered: false, reason, missed: 0, confirms: true }, missed: NONE };
  }
}

type ResumeSession = NonNullable<ClientRecord['session']>;

/** One key string per protocol (interned), so the fan-out compares keys by identity, not by content. */
const POSITIONED_KEYS = new Map<string, string>();
function positionedKeyOf(protocol: string): string {
  let key = POSITIONED_KEYS.get(protocol);
  if (key === undefined) POSITIONED_KEYS.set(protocol, (key = protocol + '\0p'));
  return key;
}

/**
 * Removes the resume offer (the token) from the hello a record keeps for its lifetime: read
 * once at admission, or never (a server without recovery, a hello that came unasked).
 */
export function dropHelloOffer(record: ClientRecord): void {
  const hello = record.hello;
  if (hello === null || hello.sessionOffer === undefined) return;
  const { sessionOffer: _token, ...rest } = hello;
  record.hello = rest.headers === undefined ? null : rest;
}
const NONE: readonly StelarMessage[] = [];

export type { ResumeOffer };
