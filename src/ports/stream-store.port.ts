import type { StelarMessage } from '../domain/message';
import type { MaybePromise } from './maybe-promise';
import type { ClusterDelivery } from './cluster-bus.port';

/**
 * A place in one stream: `offset` counts the stream's messages from 1 (0 = before the first),
 * `epoch` names the stream's incarnation. A stream whose history was lost (store restart,
 * flush, idle stream swept and recreated) gets a new random epoch, so an offset is only ever
 * compared with offsets of the same epoch.
 */
export interface StreamPosition {
  readonly offset: number;
  readonly epoch: string;
}

/** One stored message of a stream (the message as it was sent, without its position). */
export interface StreamEntry {
  readonly offset: number;
  /** Store-wide append order: lets a replay merge several streams in send order. */
  readonly seq: number;
  /** Append time (the server clock, ms). */
  readonly at: number;
  readonly message: StelarMessage;
  /** Session ids that did not receive it live (`excludeId`, `alsoExclude`): not replayed to them. */
  readonly exclude: string | undefined;
  readonly exclude2: string | undefined;
}

/**
 * What {@link StreamStore.read} found after a position: every retained entry with a larger
 * offset (oldest first), or why the position cannot be continued from: `'epoch'` (another
 * incarnation of the stream) or `'history'` (entries after it were already dropped).
 */
export type StreamRead =
  | { readonly ok: true; readonly epoch: string; readonly top: number; readonly entries: readonly StreamEntry[] }
  | { readonly ok: false; readonly reason: 'epoch' | 'history' | 'unavailable' };

/**
 * What became of a direct message to a session not held on the sending node
 * ({@link StreamStore.sendAway}): `'forwarded'` to the node holding its connection,
 * `'recorded'` in its direct stream (the client is away: replayed on resume), `'none'` no such
 * session (deliver as without recovery), `'failed'` the store did not answer.
 */
export type AwayResult = 'forwarded' | 'recorded' | 'none' | 'failed';

/**
 * Bounded per-stream history (session recovery, docs/API.md "Session recovery"). Streams are
 * named by the domain (`#room`, `@sessionId`, `*` for broadcasts to everyone); a store keeps at
 * most `historySize` entries per stream and none older than `windowMs`.
 *
 * The memory adapter answers everything synchronously. A networked store (Redis, cluster mode)
 * returns Promises from {@link position} and {@link read}, keeps {@link append} synchronous for
 * the streams one process writes alone (a session's direct stream, written by the node holding
 * the connection), and sets {@link distributes}: shared streams (rooms, broadcasts) are then
 * appended by whoever publishes them, once for the whole cluster, and every node (the
 * publisher too) receives the message back with its position (docs/CLUSTER.md, "Session
 * recovery in a cluster"); the domain never appends a shared stream itself then.
 */
export interface StreamStore {
  /** Appends one message (creating the stream with a fresh epoch) and returns its entry. */
  append(stream: string, message: StelarMessage, exclude: string | undefined, exclude2: string | undefined, now: number): StreamEntry;
  /** The stream's epoch and last offset, creating the stream (offset 0) when missing. */
  position(stream: string, now: number): MaybePromise<StreamPosition>;
  /** The epoch of the stream's entry (after {@link append}); undefined for a missing stream. */
  epochOf(stream: string): string | undefined;
  /** Entries after `after`, or why that position cannot be continued (see {@link StreamRead}). */
  read(stream: string, after: StreamPosition, now: number): MaybePromise<StreamRead>;
  /** Forgets a stream (a session's own stream when the session ends). */
  delete(stream: string): void;
  /**
   * Drops entries older than the window and streams that are empty, idle for the window and
   * not kept by `keep` (a room that still exists or a suspended session still in it).
   */
  sweep(now: number, keep: (stream: string) => boolean): void;
  /** Streams held (stats, tests). */
  readonly streamCount: number;
  /** Entries held over all streams (stats, tests). */
  readonly entryCount: number;
  /** True when shared streams (`#room`, `*`) are appended and carried by the store itself (see above). */
  readonly distributes?: boolean;
  /**
   * With {@link distributes}: appends a room delivery or a broadcast to its stream and hands it
   * to every node (this one too) with the position it got, in one step, so every node sees one
   * order. Resolves false when it was certainly not appended (store unreachable): the caller
   * then delivers it as without recovery. Never rejects.
   */
  distribute?(delivery: ClusterDelivery, now: number): Promise<boolean>;
  /**
   * With {@link distributes}: a direct message to a session whose connection is not on this
   * node. One atomic step decides: forward it to the node holding the session, or append it to
   * the session's direct stream while nobody holds it (docs/CLUSTER.md, "Direct messages to an
   * away session"). `notHere`: this node was the holder but no longer has the connection.
   */
  sendAway?(sessionId: string, message: StelarMessage, now: number, notHere?: boolean): Promise<AwayResult>;
}

export const StreamStore = Symbol.for('stelar.StreamStore');
