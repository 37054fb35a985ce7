import type { MaybePromise } from './maybe-promise';
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

/**
 * Where sessions live: memory (one node, synchronous) or a networked store (Redis, cluster mode:
 * `get` and `set` return Promises). The domain takes the synchronous path whenever a result is
 * not a Promise, so the memory adapter costs no Promise.
 */
export interface SessionStore {
  /** The stored session (a networked store returns a fresh copy; memory the live object). */
  get(id: string): MaybePromise<StoredSession | undefined>;
  /**
   * A session held by this process, synchronously: memory holds every session; a networked
   * store only those opened or resumed here and not ended (the others live in the network).
   */
  local(id: string): StoredSession | undefined;
  /**
   * Writes the session. With `expectedToken`, only if the stored session still has that token
   * (compare-and-set: the single-use token across nodes, and a stale holder's late writes
   * never overwrite the session another node resumed); false when it did not write.
   */
  set(session: StoredSession, expectedToken?: string): MaybePromise<boolean>;
  /**
   * A networked store: writes the session's processed client sequence mark through (raised to
   * `seq` if lower), only while the stored session still has this session's token. Resolves
   * true when written (or already that high), false when the session belongs to another
   * connection now; rejects when the store did not answer.
   */
  markProcessed?(session: StoredSession, seq: number): Promise<boolean>;
  /** Forgets the session (with `expectedToken`: only if it still has that token). */
  delete(id: string, expectedToken?: string): void;
  /** Deletes the sessions whose `expiresAt` is before `now`; returns them (a TTL store: none). */
  sweep(now: number): StoredSession[];
  /** Sessions held (memory: all; networked: held by this process). */
  readonly size: number;
  /** True for a networked store (asynchronous results; sessions shared by every node). */
  readonly networked?: boolean;
}

export const SessionStore = Symbol.for('stelar.SessionStore');

/** Produces resume tokens: at least 128 random bits, never derived from the session id. */
export interface SessionTokenGenerator {
  next(): string;
}

export const SessionTokenGenerator = Symbol.for('stelar.SessionTokenGenerator');
