import type { StelarMessage } from '../domain/message';
import type { StreamPosition } from './stream-store.port';

/**
 * A session that outlives its connection (session recovery). Held by the {@link SessionStore};
 * the domain's RecoveryService owns the rules that change it.
 */
export interface StoredSession {
  readonly id: string;
  /** The server namespace (path) it belongs to: a token never resumes another namespace's session. */
  readonly namespace: string;
  /** The current resume token (≥ 128 random bits, base64url); replaced on every resume. */
  token: string;
  /**
   * The streams the session receives, by wire name (`'#' + room`, `'@'` its direct stream,
   * `'*'` broadcasts), each with the position it started at (join time): the replay baseline
   * for a stream the client reports no position for. The `#` keys are the session's rooms.
   */
  streams: Map<string, StreamPosition>;
  /** The application's metadata at the drop (`ctx.setMetadata`), or null if never used. */
  metadata: Map<string, unknown> | null;
  /** When the connection dropped, or null while a connection holds the session. */
  suspendedAt: number | null;
  /** Resume deadline (suspendedAt + windowMs); Infinity while connected. */
  expiresAt: number;
  /**
   * Client → server recovery: the highest client sequence number the server has processed in
   * this session (0: none). A re-sent message at or below it is a duplicate and is dropped, so
   * each client message runs at most once per session, across drops.
   */
  processed: number;
  /**
   * Answers to this session's requests, by request sequence number, each with its position in
   * the session's direct stream (oldest first); at most MAX_CACHED_ANSWERS, forgotten once the
   * client confirms that position. Null until the first answer.
   */
  answers: Map<number, StelarMessage> | null;
}

/** Where sessions live (memory in phase 1). Synchronous; a networked store will need MaybePromise. */
export interface SessionStore {
  get(id: string): StoredSession | undefined;
  set(session: StoredSession): void;
  delete(id: string): void;
  /** Deletes the sessions whose `expiresAt` is before `now`; returns them. */
  sweep(now: number): StoredSession[];
  readonly size: number;
}

export const SessionStore = Symbol.for('stelar.SessionStore');

/** Produces resume tokens: at least 128 random bits, never derived from the session id. */
export interface SessionTokenGenerator {
  next(): string;
}

export const SessionTokenGenerator = Symbol.for('stelar.SessionTokenGenerator');
