import type { Connection, OutboundMessage, Protocol } from '../ports/connection.port';
import type { StoredSession } from '../ports/session-store.port';
import type { ConnectMessage, StelarMessage } from './message';
import type { ResumeOffer } from './recovery/resume-offer';
import { TrafficCounters } from './metrics/server-counters';

/**
 * Describes a connected client (`ctx.clientInfo`, `server.getClients()`), exactly as the public
 * type reference defines it. The object held by a {@link ClientRecord} is kept live: counters,
 * `lastPing` and `rooms` change in place.
 */
export interface StelarClientInfo {
  id: string;
  rooms: Set<string>;
  lastPing: number;
  protocol: Protocol;
  connectedAt: number;
  metadata: Map<string, unknown>;
  messagesReceived: number;
  messagesSent: number;
  remoteAddress: string;
}

/**
 * The live {@link StelarClientInfo} of one client. Most clients never join a room nor get
 * metadata, so `rooms` and `metadata` are created on first access (an empty Set and Map cost
 * about 350 bytes per idle connection); once created they are the same live objects for the
 * client's lifetime. They are accessors on the prototype, so `Object.keys`/spread list the other
 * fields only; `JSON.stringify` still shows every field (see {@link ClientInfo.toJSON}).
 */
export class ClientInfo implements StelarClientInfo {
  lastPing: number;
  connectedAt: number;
  messagesReceived = 0;
  messagesSent = 0;
  #rooms: Set<string> | null = null;
  #metadata: Map<string, unknown> | null = null;

  constructor(
    public id: string,
    public protocol: Protocol,
    public remoteAddress: string,
    now: number,
  ) {
    this.lastPing = now;
    this.connectedAt = now;
  }

  /** The rooms this client is in (live; created on first access). */
  get rooms(): Set<string> {
    return (this.#rooms ??= new Set());
  }

  set rooms(rooms: Set<string>) {
    this.#rooms = rooms;
  }

  /** The application's metadata (`ctx.setMetadata`; live; created on first access). */
  get metadata(): Map<string, unknown> {
    return (this.#metadata ??= new Map());
  }

  set metadata(metadata: Map<string, unknown>) {
    this.#metadata = metadata;
  }

  /** Number of rooms, without creating the Set. */
  get roomCount(): number {
    return this.#rooms === null ? 0 : this.#rooms.size;
  }

  /** True when the client is in `room`, without creating the Set. */
  inRoom(room: string): boolean {
    return this.#rooms !== null && this.#rooms.has(room);
  }

  /** The room Set if the client ever had one, else null (cleanup without allocating). */
  roomsIfAny(): Set<string> | null {
    return this.#rooms;
  }

  /** The metadata Map if one was ever created, else null. */
  metadataIfAny(): Map<string, unknown> | null {
    return this.#metadata;
  }

  /**
   * A plain StelarClientInfo snapshot, so JSON.stringify gives what it gave for a plain object
   * (the Set and Map serialise as `{}`); creates neither lazily held collection.
   */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      rooms: this.#rooms ?? new Set<string>(),
      lastPing: this.lastPing,
      protocol: this.protocol,
      connectedAt: this.connectedAt,
      metadata: this.#metadata ?? new Map<string, unknown>(),
      messagesReceived: this.messagesReceived,
      messagesSent: this.messagesSent,
      remoteAddress: this.remoteAddress,
    };
  }
}

/** Where a record is in its life. Numeric constants keep the hot-path comparisons cheap. */
export const ClientState = {
  /** Accepted by the transport, middleware running; not registered, messages dropped. */
  Admitting: 0,
  /** Registered and talking. */
  Open: 1,
  /** Refused or being closed: waiting for the transport's onClose. Messages dropped. */
  Closing: 2,
  /** onClose handled; every index entry is gone. */
  Closed: 3,
} as const;
export type ClientState = (typeof ClientState)[keyof typeof ClientState];

/**
 * Traffic counters for records built without the server's (tests, tools): one per protocol as
 * well, since the fan-out uses the object as its per-transport encoding key.
 */
const DEFAULT_TRAFFIC = new Map<Protocol, TrafficCounters>();
function defaultTraffic(protocol: Protocol): TrafficCounters {
  let t = DEFAULT_TRAFFIC.get(protocol);
  if (t === undefined) DEFAULT_TRAFFIC.set(protocol, (t = new TrafficCounters(protocol)));
  return t;
}

/** Bits of {@link ClientRecord}'s `flags` (four booleans in one field). */
const HOLDS_ADMISSION_SLOT = 1;
const COUNTED_BY_TRACKER = 2;
const END_SESSION = 4;
const CONFIRM_QUEUED = 8;
/** Bits 4-5 hold the record's {@link ClientState} (`state`: one field fewer per connection). */
const STATE_SHIFT = 4;
const STATE_MASK = 3 << STATE_SHIFT;
/** The bits above the four booleans and the state count the requests in flight (`requestsInFlight`). */
const FLAG_BITS = 6;
const FLAG_MASK = (1 << FLAG_BITS) - 1;
/** The largest count the packed field holds (`maxRequestsInFlight` is validated below it). */
export const MAX_REQUESTS_IN_FLIGHT = 2 ** 20;

/**
 * The state of a record that most connections never have, created on the first write of a
 * non-empty value: an async rate limiter's inbox, session recovery (the session, its fan-out
 * key, the offer while admitting) and the reason a server-side close gave. An idle connection
 * without recovery pays one null field for all of it.
 */
class RareRecordState {
  inbox: StelarMessage[] | null = null;
  session: StoredSession | null = null;
  positionedKey = '';
  resuming: { readonly session: StoredSession; readonly offer: ResumeOffer } | null = null;
  sessionOffer: { readonly reason?: string } | null = null;
  closeReason: string | null = null;
  sinceConfirm = 0;
  held: OutboundMessage[] | null = null;
}

/**
 * The domain's per-connection record. `conn.owner` points back to it, so a connection's record
 * is found in O(1) without a Map. Idle memory per connection counts (docs/PERFORMANCE.md): the
 * booleans share one field and the state few connections use lives in a lazily created
 * {@link RareRecordState}, behind accessors with the same names.
 */
export class ClientRecord {
  /** The public, live view of this client. */
  readonly info: ClientInfo;
  /**
   * HOLDS_ADMISSION_SLOT | COUNTED_BY_TRACKER | END_SESSION | CONFIRM_QUEUED, the state (bits
   * 4-5; 0 is Admitting) and above them the requests in flight (a small integer either way, so
   * idle records keep their field count).
   */
  private flags = 0;
  /** The context built for middleware and onConnection (owned by the application layer). */
  connectionContext: unknown = undefined;
  /**
   * The TCP client's Connect hello (its `headers` are what middleware sees as handshake
   * headers); null for WebSocket, whose HTTP upgrade request is the hello.
   */
  hello: ConnectMessage | null = null;
  /** The traffic counters of this client's transport (shared by every client of it). */
  readonly traffic: TrafficCounters;
  private rare: RareRecordState | null = null;

  constructor(
    id: string,
    readonly conn: Connection,
    now: number,
    traffic?: TrafficCounters,
  ) {
    this.info = new ClientInfo(id, conn.protocol, conn.remoteAddress, now);
    this.traffic = traffic ?? defaultTraffic(conn.protocol);
  }

  /** Where the record is in its life (packed into `flags`). */
  get state(): ClientState {
    return ((this.flags & STATE_MASK) >>> STATE_SHIFT) as ClientState;
  }
  set state(v: ClientState) {
    this.flags = (this.flags & ~STATE_MASK) | (v << STATE_SHIFT);
  }

  /** True while this record holds an admission slot (middleware running). */
  get holdsAdmissionSlot(): boolean {
    return (this.flags & HOLDS_ADMISSION_SLOT) !== 0;
  }
  set holdsAdmissionSlot(v: boolean) {
    this.flags = v ? this.flags | HOLDS_ADMISSION_SLOT : this.flags & ~HOLDS_ADMISSION_SLOT;
  }

  /** True while this client (or its attempt, since arrival) counts in the per-IP tracker. */
  get countedByTracker(): boolean {
    return (this.flags & COUNTED_BY_TRACKER) !== 0;
  }
  set countedByTracker(v: boolean) {
    this.flags = v ? this.flags | COUNTED_BY_TRACKER : this.flags & ~COUNTED_BY_TRACKER;
  }

  /** Set when the server ends the connection on purpose: its session is not kept for a resume. */
  get endSession(): boolean {
    return (this.flags & END_SESSION) !== 0;
  }
  set endSession(v: boolean) {
    this.flags = v ? this.flags | END_SESSION : this.flags & ~END_SESSION;
  }

  /**
   * Inbound messages waiting for an async rate-limit answer, head first; null when none is
   * pending (always null with a synchronous limiter), so order is kept without per-message
   * closures on the sync path.
   */
  get inbox(): StelarMessage[] | null {
    return this.rare === null ? null : this.rare.inbox;
  }
  set inbox(v: StelarMessage[] | null) {
    if (v !== null || this.rare !== null) this.rareState().inbox = v;
  }

  /**
   * Session recovery: the session this connection holds, or null (recovery off, or a client
   * that did not offer it). Such records receive messages with their stream position.
   */
  get session(): StoredSession | null {
    return this.rare === null ? null : this.rare.session;
  }
  set session(v: StoredSession | null) {
    if (v !== null || this.rare !== null) this.rareState().session = v;
  }

  /** Fan-out encoding key of positioned messages for this record (`protocol` + NUL + 'p'). */
  get positionedKey(): string {
    return this.rare === null ? '' : this.rare.positionedKey;
  }
  set positionedKey(v: string) {
    if (v !== '' || this.rare !== null) this.rareState().positionedKey = v;
  }

  /** While admitting: the session it is resuming and the offer (positions), else null. */
  get resuming(): { readonly session: StoredSession; readonly offer: ResumeOffer } | null {
    return this.rare === null ? null : this.rare.resuming;
  }
  set resuming(v: { readonly session: StoredSession; readonly offer: ResumeOffer } | null) {
    if (v !== null || this.rare !== null) this.rareState().resuming = v;
  }

  /** While admitting: the offer was a new client's, or a resume that failed (`reason`). */
  get sessionOffer(): { readonly reason?: string } | null {
    return this.rare === null ? null : this.rare.sessionOffer;
  }
  set sessionOffer(v: { readonly reason?: string } | null) {
    if (v !== null || this.rare !== null) this.rareState().sessionOffer = v;
  }

  /** The reason the server gave when it closed this client (logged on close), else null. */
  get closeReason(): string | null {
    return this.rare === null ? null : this.rare.closeReason;
  }
  set closeReason(v: string | null) {
    if (v !== null || this.rare !== null) this.rareState().closeReason = v;
  }

  /**
   * While a resume over a networked store reads the history (the record is registered and in
   * its rooms): what is sent to it meanwhile, written after the missed messages; else null.
   */
  get held(): OutboundMessage[] | null {
    return this.rare === null ? null : this.rare.held;
  }
  set held(v: OutboundMessage[] | null) {
    if (v !== null || this.rare !== null) this.rareState().held = v;
  }

  /** Requests of this connection whose handlers are not done yet (`RequestBound`). */
  get requestsInFlight(): number {
    return this.flags >>> FLAG_BITS;
  }
  set requestsInFlight(n: number) {
    this.flags = (this.flags & FLAG_MASK) | (n << FLAG_BITS);
  }

  /** Client → server recovery: a confirmation for this record waits for the batch flush. */
  get confirmQueued(): boolean {
    return (this.flags & CONFIRM_QUEUED) !== 0;
  }
  set confirmQueued(v: boolean) {
    this.flags = v ? this.flags | CONFIRM_QUEUED : this.flags & ~CONFIRM_QUEUED;
  }

  /** Sequenced messages processed since the last confirmation sent to this record. */
  get sinceConfirm(): number {
    return this.rare === null ? 0 : this.rare.sinceConfirm;
  }
  set sinceConfirm(v: number) {
    if (v !== 0 || this.rare !== null) this.rareState().sinceConfirm = v;
  }

  private rareState(): RareRecordState {
    return (this.rare ??= new RareRecordState());
  }

  get id(): string {
    return this.info.id;
  }

  get protocol(): Protocol {
    return this.info.protocol;
  }

  get isOpen(): boolean {
    return this.state === ClientState.Open;
  }
}
