import type { SessionStore, SessionTokenGenerator, StoredSession } from '../../ports/session-store.port';
import type { AwayResult, StreamPosition, StreamRead, StreamStore } from '../../ports/stream-store.port';
import type { StelarMessage } from '../message';
import type { RecoveryConfig } from './recovery-config';
import type { ResumeOffer } from './resume-offer';
import { rememberAnswer } from './answer-cache';
import { ALL_STREAM, DIRECT_STREAM, directStoreKey, isRecordable, roomStream, storeKey, withPosition } from './stream-names';
import { isPromise, type MaybePromise } from '../../ports/maybe-promise';
import { DISABLED, EXPIRED, UNAVAILABLE, UNKNOWN, type ClaimResult, type ResumeFailure } from './recovery-results';
import { merge, sameToken, type ReplayResult } from './replay-merge';

export type { ClaimResult, ReplayResult, ResumeFailure };

/** A join position a networked store has not answered yet (never compared: see replay). */
export const PENDING_POSITION: StreamPosition = Object.freeze({ offset: -1, epoch: '' });
const ignore = (): void => {};
const NONE_AWAY: Promise<AwayResult> = Promise.resolve('none');

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
  /** A networked session store (cluster mode): every change is written through. */
  private readonly networked: boolean;
  /** Sessions a networked resume holds (record's holder set) but whose direct stream is not read yet. */
  private readonly resuming = new Set<string>();

  constructor(
    readonly config: RecoveryConfig,
    private readonly sessions: SessionStore,
    private readonly streams: StreamStore,
    private readonly tokens: SessionTokenGenerator,
    private readonly namespace: string,
    private readonly roomExists: (room: string) => boolean,
  ) {
    this.networked = sessions.networked === true;
  }

  /** True over a networked session store (cluster mode). */
  get networkedStore(): boolean {
    return this.networked;
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** True when shared streams are appended and carried by the stream store (cluster mode). */
  get distributed(): boolean {
    return this.streams.distributes === true;
  }

  /** The stream store (the application hands shared-stream sends to it in cluster mode). */
  get streamStore(): StreamStore {
    return this.streams;
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
  open(id: string, now: number, metadata: Map<string, unknown> | null = null): StoredSession {
    const old = this.sessions.local(id);
    if (old !== undefined) this.end(old);
    const session: StoredSession = {
      id,
      namespace: this.namespace,
      token: this.tokens.next(),
      streams: new Map(),
      metadata,
      suspendedAt: null,
      expiresAt: Infinity,
      processed: 0,
      answers: null,
    };
    this.baseline(session, DIRECT_STREAM, directStoreKey(id), now);
    this.baseline(session, ALL_STREAM, ALL_STREAM, now);
    this.settle(this.sessions.set(session));
    return session;
  }

  /**
   * Checks an offer's id and token and consumes the token (single use: a second connection
   * presenting it gets `'unknown'`; over a networked store the rotation is a compare-and-set, so
   * two nodes never both win). Does not look at positions (see {@link replay}).
   */
  claim(offer: ResumeOffer, now: number): MaybePromise<ClaimResult> {
    if (!this.enabled) return DISABLED;
    const found = this.sessions.get(offer.id);
    if (isPromise(found)) return found.then((s) => this.claimFound(s, offer, now), () => UNAVAILABLE);
    return this.claimFound(found, offer, now);
  }

  private claimFound(s: StoredSession | undefined, offer: ResumeOffer, now: number): MaybePromise<ClaimResult> {
    if (s === undefined || s.namespace !== this.namespace || !sameToken(s.token, offer.token)) return UNKNOWN;
    if (s.suspendedAt !== null && s.expiresAt < now) {
      this.end(s);
      return EXPIRED;
    }
    const expected = s.token;
    s.token = this.tokens.next();
    // The resuming connection's middleware may take up to connectTimeout: not swept meanwhile.
    if (s.suspendedAt !== null) s.expiresAt = Math.max(s.expiresAt, now + this.config.windowMs);
    // A networked claim: no direct message is numbered here until the resume read the stream.
    if (this.networked) this.resuming.add(s.id);
    const written = this.sessions.set(s, expected);
    if (isPromise(written)) {
      return written.then(
        (ok): ClaimResult => (ok ? { ok: true, session: s } : this.unclaimed(s, UNKNOWN)),
        () => this.unclaimed(s, UNAVAILABLE),
      );
    }
    return written ? { ok: true, session: s } : UNKNOWN;
  }

  private unclaimed(s: StoredSession, r: ClaimResult): ClaimResult {
    this.resuming.delete(s.id);
    return r;
  }

  /** True while the store still holds this session (not ended, not swept). */
  holds(s: StoredSession): boolean {
    return this.networked || this.sessions.local(s.id) === s;
  }

  /**
   * The messages the session missed, in send order, each with its position; or why they
   * cannot all be given. Reads up to the current top of every stream: with a synchronous store
   * call it right before the connection goes live (nothing may be sent in between); with a
   * networked one the caller holds what arrives live meanwhile (duplicates carry positions the
   * client has then seen, and it drops them).
   */
  replay(s: StoredSession, offer: ResumeOffer, now: number): MaybePromise<ReplayResult> {
    const wires: string[] = [];
    const reads: MaybePromise<StreamRead>[] = [];
    let pending = false;
    for (const [wire, base] of s.streams) {
      const reported = offer.positions.get(wire);
      // The join position was never learnt (store unreachable then): nothing to compare with.
      if (base === PENDING_POSITION && reported === undefined) return UNAVAILABLE;
      // Never before the join position: a client that left and rejoined a room must not get
      // what was sent while it was out.
      const after = reported === undefined || (reported.epoch === base.epoch && reported.offset < base.offset) ? base : reported;
      const r = this.streams.read(storeKey(wire, s.id), after, now);
      if (isPromise(r)) pending = true;
      wires.push(wire);
      reads.push(r);
    }
    if (!pending) return merge(s.id, wires, reads as StreamRead[]);
    return Promise.all(reads).then((all) => merge(s.id, wires, all), () => UNAVAILABLE);
  }

  /**
   * A networked resume takes the session before reading its history: the record names this
   * node its holder from now on, so a direct message sent to it from now on is forwarded here
   * instead of appended (docs/CLUSTER.md, "Direct messages to an away session"). Until
   * {@link resumeSettled}, direct messages to it are sent without a position (the stream's top
   * is not known yet).
   */
  takeOver(s: StoredSession): void {
    this.resuming.add(s.id);
    this.attach(s);
  }

  /** The networked resume of `s` read its history (or failed). */
  resumeSettled(s: StoredSession): void {
    this.resuming.delete(s.id);
  }

  /**
   * A direct message to a session with no connection here (cluster mode): forwarded to the
   * node holding it, or recorded in its direct stream while it is away. `'none'` when there is
   * no such session or the store does not distribute (the caller delivers as without recovery).
   */
  sendAway(id: string, message: StelarMessage, now: number, notHere = false): Promise<AwayResult> {
    if (!this.enabled || this.streams.sendAway === undefined || !isRecordable(message)) return NONE_AWAY;
    return this.streams.sendAway(id, message, now, notHere);
  }

  /** True when a direct message to `id` is recorded here (its session is held by this node and not resuming). */
  recordsDirect(id: string): boolean {
    return this.sessions.local(id) !== undefined && !this.resuming.has(id);
  }

  /** A connection holds the session again (after a successful resume). */
  attach(s: StoredSession): void {
    if (s.suspendedAt !== null) this.unrefRooms(s);
    s.suspendedAt = null;
    s.expiresAt = Infinity;
    if (this.networked) this.write(s);
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
    if (this.networked) {
      // The session lives in the network now (any node may resume it): written, not counted here.
      this.write(s);
      return;
    }
    for (const wire of s.streams.keys()) {
      if (wire.charCodeAt(0) === 0x23) this.suspendedRooms.set(wire, (this.suspendedRooms.get(wire) ?? 0) + 1);
    }
  }

  /** Ends a session for good (client disconnect, kick, refused resume, expiry). */
  end(s: StoredSession): void {
    this.resuming.delete(s.id);
    if (this.networked) this.sessions.delete(s.id, s.token);
    else if (this.sessions.local(s.id) === s) this.sessions.delete(s.id);
    this.streams.delete(directStoreKey(s.id));
    if (s.suspendedAt !== null) this.unrefRooms(s);
    s.suspendedAt = null;
    s.expiresAt = -Infinity;
  }

  /** Ends the session with this id, if any (a kick of a client that is away, on any node). */
  endById(id: string): void {
    const s = this.sessions.local(id);
    if (s !== undefined) this.end(s);
    else if (this.networked) {
      this.sessions.delete(id);
      this.streams.delete(directStoreKey(id));
    }
  }

  /** The session's client joined `room`: the replay baseline is the room's current position. */
  joined(s: StoredSession, room: string, now: number): void {
    const wire = roomStream(room);
    if (s.streams.has(wire)) return;
    this.baseline(s, wire, wire, now);
    if (this.networked) this.write(s);
  }

  /**
   * The client's metadata changed (`ctx.setMetadata`): over a networked store the session is
   * written once per microtask turn with it, so a resume on another node finds it.
   */
  metadataChanged(s: StoredSession, metadata: Map<string, unknown> | null): void {
    s.metadata = metadata;
    if (!this.networked || this.dirty.has(s)) return;
    this.dirty.add(s);
    if (this.dirty.size === 1) queueMicrotask(this.flushDirty);
  }

  private readonly dirty = new Set<StoredSession>();
  private readonly flushDirty = (): void => {
    for (const s of this.dirty) if (s.expiresAt !== -Infinity) this.write(s);
    this.dirty.clear();
  };

  left(s: StoredSession, room: string): void {
    if (s.streams.delete(roomStream(room)) && this.networked) this.write(s);
  }

  // ------------------------------------------------------------------ recording

  /** Appends a room message; returns it with its position, or null when it is not recorded. */
  recordRoom(room: string, message: StelarMessage, exclude: string | undefined, exclude2: string | undefined, now: number): StelarMessage | null {
    if (this.streams.distributes === true) return null; // appended by whoever publishes it (cluster)
    return this.record(roomStream(room), roomStream(room), message, exclude, exclude2, now);
  }

  /** Appends a broadcast to everyone. */
  recordAll(message: StelarMessage, exclude: string | undefined, exclude2: string | undefined, now: number): StelarMessage | null {
    if (this.streams.distributes === true) return null;
    return this.record(ALL_STREAM, ALL_STREAM, message, exclude, exclude2, now);
  }

  /**
   * Appends a direct message to a session's stream (connected or suspended here); null without
   * such a session. Over a networked store only the node holding the connection records it.
   */
  recordDirect(sessionId: string, message: StelarMessage, now: number): StelarMessage | null {
    const s = this.sessions.local(sessionId);
    if (s === undefined || s.expiresAt < now || (this.resuming.size !== 0 && this.resuming.has(sessionId))) return null;
    return this.record(directStoreKey(sessionId), DIRECT_STREAM, message, undefined, undefined, now);
  }

  /** A message a distributing store appended (cluster delivery) with its position. */
  positioned(wire: string, message: StelarMessage, pos: { readonly offset: number; readonly epoch: string }): StelarMessage {
    return withPosition(message, { stream: wire, offset: pos.offset, epoch: pos.epoch });
  }

  /**
   * Appends the answer to one of the session's requests to its direct stream (so an answer lost
   * with the connection is replayed on resume) and caches it under the request's sequence
   * number (`seq` > 0) for a re-sent duplicate. Null when the session is gone.
   */
  recordAnswer(s: StoredSession, seq: number, message: StelarMessage, now: number): StelarMessage | null {
    if (!this.holds(s) || s.expiresAt < now || (this.resuming.size !== 0 && this.resuming.has(s.id))) return null;
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

  /** Sets the replay baseline of one stream; a networked answer fills it in (and is written) later. */
  private baseline(s: StoredSession, wire: string, key: string, now: number): void {
    const p = this.streams.position(key, now);
    if (!isPromise(p)) {
      s.streams.set(wire, p);
      return;
    }
    s.streams.set(wire, PENDING_POSITION);
    p.then((pos) => {
      if (s.streams.get(wire) !== PENDING_POSITION) return;
      s.streams.set(wire, pos);
      if (s.expiresAt !== -Infinity) this.write(s);
    }, ignore);
  }

  /** Writes a networked session through (compare-and-set on its token; failures are the store's to report). */
  private write(s: StoredSession): void {
    this.settle(this.sessions.set(s, s.token));
  }

  private settle(w: MaybePromise<boolean>): void {
    if (isPromise(w)) w.then(undefined, ignore);
  }

  private keep(name: string): boolean {
    const c = name.charCodeAt(0);
    if (c === 0x23 /* # */) return this.suspendedRooms.has(name) || this.roomExists(name.slice(1));
    if (c === 0x40 /* @ */) return this.sessions.local(name.slice(1)) !== undefined;
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
