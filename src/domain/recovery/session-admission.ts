import type { Clock } from '../../ports/clock.port';
import type { ClientRecord } from '../client-record';
import type { ClientRegistry } from '../client-registry.service';
import { CloseCode } from '../errors';
import type { SessionGrant, StelarMessage } from '../message';
import type { RoomObserver, RoomRegistry } from '../room-registry.service';
import type { RecoveryService } from './recovery.service';
import { SESSION_HEADER, parseResumeOffer, type ResumeOffer } from './resume-offer';
import { forgetAnswersThrough } from './answer-cache';
import { DIRECT_STREAM } from './stream-names';

/** What {@link SessionAdmission.finish} decided for an admitted connection. */
export interface SessionOutcome {
  readonly grant: SessionGrant;
  /** The missed messages to send right after the Connect message (empty unless recovered). */
  readonly missed: readonly StelarMessage[];
}

/**
 * Session recovery at the edges of a connection's life (docs/API.md, "Session recovery"):
 * reads the client's offer before the middleware runs (a resume takes the session's id at once,
 * so middleware sees it), decides after admission whether the session is resumed (rooms and
 * metadata restored, missed messages returned for replay) or a new one opened, and on close
 * either suspends the session for `windowMs` or ends it.
 */
export class SessionAdmission implements RoomObserver {
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

  /** Before the middleware: reads the offer; a valid claim gives the record the session's id. */
  begin(record: ClientRecord): void {
    const headers = record.hello?.headers ?? record.conn.handshakeHeaders ?? undefined;
    const offer = headers === undefined ? null : parseResumeOffer((headers as Record<string, unknown>)[SESSION_HEADER]);
    if (offer === null || !this.recovery.enabled) return;
    if (offer.id === '') {
      record.sessionOffer = {};
      return;
    }
    const claim = this.recovery.claim(offer, this.clock.now());
    if (!claim.ok) {
      record.sessionOffer = { reason: claim.reason };
      return;
    }
    record.resuming = { session: claim.session, offer };
    record.info.id = claim.session.id;
  }

  /** True when the middleware may be skipped (a resume with `skipMiddleware`). */
  skipsMiddleware(record: ClientRecord): boolean {
    return record.resuming !== null && this.recovery.config.skipMiddleware;
  }

  /** The admission was refused, or the connection closed during it: a resume in progress ends the session. */
  refused(record: ClientRecord): void {
    const r = record.resuming;
    record.resuming = null;
    if (r !== null) this.recovery.end(r.session);
  }

  /**
   * The connection is admitted and about to be registered. Replaces a still-registered old
   * connection of the resumed session (closed with {@link CloseCode.SessionResumed}), then
   * resumes (rooms, metadata, missed messages) or opens a session. Null when the client made no
   * offer (or recovery is off). Must run synchronously right before registration.
   */
  finish(record: ClientRecord): SessionOutcome | null {
    const resuming = record.resuming;
    const offered = record.sessionOffer;
    record.resuming = null;
    record.sessionOffer = null;
    if (resuming === null && offered === null) return null;
    const now = this.clock.now();
    record.positionedKey = record.protocol + '\0p';
    if (resuming !== null) {
      const old = this.clients.get(record.id);
      if (old !== undefined && old !== record) {
        // The old connection still looks alive: it hands the session over and goes.
        this.closeReplaced(old, CloseCode.SessionResumed, 'session resumed by another connection');
        old.conn.close(CloseCode.SessionResumed, 'session resumed by another connection');
      }
      if (!this.recovery.holds(resuming.session)) return this.open(record, now, 'unknown');
      const replay = this.recovery.replay(resuming.session, resuming.offer, now);
      if (replay.ok) return this.resume(record, resuming.session, replay.missed, resuming.offer.positions.get(DIRECT_STREAM)?.offset);
      // Keeps the id the middleware saw; the client is told it starts over.
      return this.open(record, now, replay.reason);
    }
    return this.open(record, now, offered!.reason);
  }

  /** Close cleanup (before rooms are left): suspends the session, or ends it. */
  closed(record: ClientRecord, code: number): void {
    const s = record.session;
    if (s === null) return;
    record.session = null;
    if (record.endSession || code === CloseCode.Normal) this.recovery.end(s);
    else this.recovery.suspend(s, record.info.roomsIfAny(), record.info.metadataIfAny(), this.clock.now());
  }

  /** The 30 s maintenance. */
  sweep(): void {
    this.recovery.sweep(this.clock.now());
  }

  joined(record: ClientRecord, room: string): void {
    if (record.session !== null) this.recovery.joined(record.session, room, this.clock.now());
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
    const session = this.recovery.open(record.id, now);
    record.session = session;
    return { grant: { token: session.token, recovered: false, reason, missed: 0, confirms: true }, missed: NONE };
  }
}

type ResumeSession = NonNullable<ClientRecord['session']>;
const NONE: readonly StelarMessage[] = [];

export type { ResumeOffer };
