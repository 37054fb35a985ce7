import type { SessionStore, SessionTokenGenerator, StoredSession } from '../../ports/session-store.port';
import type { StreamEntry, StreamStore } from '../../ports/stream-store.port';
import type { StelarMessage } from '../message';
import type { RecoveryConfig } from './recovery-config';
import type { ResumeOffer } from './resume-offer';
import { rememberAnswer } from './answer-cache';
import { ALL_STREAM, DIRECT_STREAM, directStoreKey, isRecordable, roomStream, storeKey, withPosition } from './stream-names';

/**
 * Why a resume offer was not honoured (the client's `connect` info `reason`, stable codes):
 * `'expired'` the window passed, `'history'` missed messages were already dropped,
 * `'epoch'` a stream's history was lost (positions of another incarnation), `'unknown'` no such
 * session here (never existed, swept, ended, another namespace, or a wrong/forged/used token),
 * `'disabled'` the server has recovery off.
 */
export type ResumeFailure = 'expired' | 'history' | 'epoch' | 'unknown' | 'disabled';

export type ClaimResult = { readonly ok: true; readonly session: StoredSession } | { readonly ok: false; readonly reason: ResumeFailure };
export type ReplayResult =
  | { readonly ok: true; readonly missed: readonly StelarMessage[] }
  | { readonly ok: false; readonly reason: 'history' | 'epoch' };

interface Missed {
  readonly entry: StreamEntry;
  readonly stream: string;
  readonly epoch: string;
}

const BY_SEQ = (a: Missed, b: Missed): number => a.entry.seq - b.entry.seq;

/**
 * The session-recovery rules (docs/API.md, "Session recovery"), over a session store and a
 * stream store:
 * - every recordable message a client can receive is appended to a stream (its room's, the
 *   recipient session's direct stream, or the broadcast stream) and carries its position;
 * - a session outlives its connection for `windowMs`; its resume token is single use (replaced
 *   on every claim) and never resumes a session of another namespace;
 * - a resume replays, from each stream, every retained message after the client's position (or
 *   the position the session joined at), skipping what the session was excluded from, merged in
 *   send order; it is all or nothing: any stream that cannot be continued fails the resume.
 */
export class RecoveryService {
  /** `'#room'` → suspended sessions in that room (keeps the room's stream from being swept). */
  private readonly suspendedRooms = new Map<string, number>();

  constructor(
    readonly config: RecoveryConfig,
    private readonly sessions: SessionStore,
    private readonly streams: StreamStore,
    private readonly tokens: SessionTokenGenerator,
    private readonly namespace: string,
    private readonly roomExists: (room: string) => boolean,
  ) {}

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** Sessions held (connected and suspended). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Messages held in histories. */
  get historyEntries(): number {
    return this.streams.entryCount;
  }

  // ------------------------------------------------------------------ session life

  /** A new session held by a connection (fresh client, or after a failed resume). */
  open(id: string, now: number): StoredSession {
    const old = this.sessions.get(id);
    if (old !== undefined) this.end(old);
    const session: StoredSession = {
      id,
      namespace: this.namespace,
      token: this.tokens.next(),
      streams: new Map([
        [DIRECT_STREAM, this.streams.position(directStoreKey(id), now)],
        [ALL_STREAM, this.streams.position(ALL_STREAM, now)],
      ]),
      metadata: null,
      suspendedAt: null,
      expiresAt: Infinity,
      processed: 0,
      answers: null,
    };
    this.sessions.set(session);
    return session;
  }

  /**
   * Checks an offer's id and token and consumes the token (single use: a second connection
   * presenting it gets `'unknown'`). Does not look at positions (see {@link replay}).
   */
  claim(offer: ResumeOffer, now: number): ClaimResult {
    if (!this.enabled) return { ok: false, reason: 'disabled' };
    const s = this.sessions.get(offer.id);
    if (s === undefined || s.namespace !== this.namespace || !sameToken(s.token, offer.token)) {
      return { ok: false, reason: 'unknown' };
    }
    if (s.suspendedAt !== null && s.expiresAt < now) {
      this.end(s);
      return { ok: false, reason: 'expired' };
    }
    s.token = this.tokens.next();
    // The resuming connection's middleware may take up to connectTimeout: not swept meanwhile.
    if (s.suspendedAt !== null) s.expiresAt = Math.max(s.expiresAt, now + this.config.windowMs);
    return { ok: true, session: s };
  }

  /** True while the store still holds this session (not ended, not swept). */
  holds(s: StoredSession): boolean {
    return this.sessions.get(s.id) === s;
  }

  /**
   * The messages the session missed, in send order, each with its position; or why they
   * cannot all be given. Reads up to the current top of every stream, so call it right before
   * the connection goes live (nothing may be sent in between).
   */
  replay(s: StoredSession, offer: ResumeOffer, now: number): ReplayResult {
    const missed: Missed[] = [];
    for (const [wire, base] of s.streams) {
      const reported = offer.positions.get(wire);
      // Never before the join position: a client that left and rejoined a room must not get
      // what was sent while it was out.
      const after = reported === undefined || (reported.epoch === base.epoch && reported.offset < base.offset) ? base : reported;
      const r = this.streams.read(storeKey(wire, s.id), after, now);
      if (!r.ok) return r;
      for (const entry of r.entries) {
        if (entry.exclude !== s.id && entry.exclude2 !== s.id) missed.push({ entry, stream: wire, epoch: r.epoch });
      }
    }
    missed.sort(BY_SEQ);
    return {
      ok: true,
      missed: missed.map((m) => withPosition(m.entry.message, { stream: m.stream, offset: m.entry.offset, epoch: m.epoch })),
    };
  }

  /** A connection holds the session again (after a successful resume). */
  attach(s: StoredSession): void {
    if (s.suspendedAt !== null) this.unrefRooms(s);
    s.suspendedAt = null;
    s.expiresAt = Infinity;
  }

  /**
   * The connection dropped: the session waits `windowMs` for a resume, keeping `rooms` (its
   * rooms at the drop) and `metadata`.
   */
  suspend(s: StoredSession, rooms: ReadonlySet<string> | null, metadata: Map<string, unknown> | null, now: number): void {
    if (s.suspendedAt !== null) return;
    for (const wire of [...s.streams.keys()]) {
      if (wire.charCodeAt(0) === 0x23 /* # */ && (rooms === null || !rooms.has(wire.slice(1)))) s.streams.delete(wire);
    }
    if (rooms !== null) for (const room of rooms) this.joined(s, room, now);
    s.metadata = metadata;
    s.suspendedAt = now;
    s.expiresAt = now + this.config.windowMs;
    for (const wire of s.streams.keys()) {
      if (wire.charCodeAt(0) === 0x23) this.suspendedRooms.set(wire, (this.suspendedRooms.get(wire) ?? 0) + 1);
    }
  }

  /** Ends a session for good (client disconnect, kick, refused resume, expiry). */
  end(s: StoredSession): void {
    if (this.sessions.get(s.id) === s) this.sessions.delete(s.id);
    this.streams.delete(directStoreKey(s.id));
    if (s.suspendedAt !== null) this.unrefRooms(s);
    s.suspendedAt = null;
    s.expiresAt = -Infinity;
  }

  /** Ends the session with this id, if any (a kick of a client that is away). */
  endById(id: string): void {
    const s = this.sessions.get(id);
    if (s !== undefined) this.end(s);
  }

  /** The session's client joined `room`: the replay baseline is the room's current position. */
  joined(s: StoredSession, room: string, now: number): void {
    const wire = roomStream(room);
    if (!s.streams.has(wire)) s.streams.set(wire, this.streams.position(wire, now));
  }

  left(s: StoredSession, room: string): void {
    s.streams.delete(roomStream(room));
  }

  // ------------------------------------------------------------------ recording

  /** Appends a room message; returns it with its position, or null when it is not recorded. */
  recordRoom(room: string, message: StelarMessage, exclude: string | undefined, exclude2: string | undefined, now: number): StelarMessage | null {
    return this.record(roomStream(room), roomStream(room), message, exclude, exclude2, now);
  }

  /** Appends a broadcast to everyone. */
  recordAll(message: StelarMessage, exclude: string | undefined, exclude2: string | undefined, now: number): StelarMessage | null {
    return this.record(ALL_STREAM, ALL_STREAM, message, exclude, exclude2, now);
  }

  /** Appends a direct message to a session's stream (connected or suspended); null without a session. */
  recordDirect(sessionId: string, message: StelarMessage, now: number): StelarMessage | null {
    const s = this.sessions.get(sessionId);
    if (s === undefined || s.expiresAt < now) return null;
    return this.record(directStoreKey(sessionId), DIRECT_STREAM, message, undefined, undefined, now);
  }

  /**
   * Appends the answer to one of the session's requests to its direct stream (so an answer lost
   * with the connection is replayed on resume) and caches it under the request's sequence
   * number (`seq` > 0) for a re-sent duplicate. Null when the session is gone.
   */
  recordAnswer(s: StoredSession, seq: number, message: StelarMessage, now: number): StelarMessage | null {
    if (!this.holds(s) || s.expiresAt < now) return null;
    const positioned = this.record(directStoreKey(s.id), DIRECT_STREAM, message, undefined, undefined, now);
    if (positioned !== null && seq > 0) rememberAnswer(s, seq, positioned);
    return positioned;
  }

  /** The 30 s maintenance: expired sessions go, then aged entries and idle streams. */
  sweep(now: number): void {
    for (const s of this.sessions.sweep(now)) {
      this.streams.delete(directStoreKey(s.id));
      if (s.suspendedAt !== null) this.unrefRooms(s);
      s.suspendedAt = null;
    }
    this.streams.sweep(now, (name) => this.keep(name));
  }

  private record(
    key: string,
    wire: string,
    message: StelarMessage,
    exclude: string | undefined,
    exclude2: string | undefined,
    now: number,
  ): StelarMessage | null {
    if (!isRecordable(message)) return null;
    const entry = this.streams.append(key, message, exclude, exclude2, now);
    return withPosition(message, { stream: wire, offset: entry.offset, epoch: this.streams.epochOf(key) as string });
  }

  private keep(name: string): boolean {
    const c = name.charCodeAt(0);
    if (c === 0x23 /* # */) return this.suspendedRooms.has(name) || this.roomExists(name.slice(1));
    if (c === 0x40 /* @ */) return this.sessions.get(name.slice(1)) !== undefined;
    return name === ALL_STREAM;
  }

  private unrefRooms(s: StoredSession): void {
    for (const wire of s.streams.keys()) {
      const n = this.suspendedRooms.get(wire);
      if (n === undefined) continue;
      if (n <= 1) this.suspendedRooms.delete(wire);
      else this.suspendedRooms.set(wire, n - 1);
    }
  }
}

/** Compares two tokens in time independent of where they differ. */
function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

