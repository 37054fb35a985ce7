import type { MaybePromise } from './maybe-promise';
import type { BinaryMeta } from '../domain/message';

/** Who a delivery is for. */
export type DeliveryTarget =
  | { readonly kind: 'all' }
  | { readonly kind: 'room'; readonly room: string }
  | { readonly kind: 'client'; readonly clientId: string };

/** A message for clients that may live on other nodes (JSON event or binary event). */
export interface ClusterDelivery {
  readonly target: DeliveryTarget;
  readonly event: string;
  /** JSON data, when `bytes` is absent. */
  readonly data?: unknown;
  /** Binary payload (travels without base64). */
  readonly bytes?: Uint8Array;
  /** Metadata of a binary payload (file name, MIME type…), carried with `bytes`. */
  readonly meta?: BinaryMeta;
  readonly excludeId?: string;
  /**
   * Session recovery in a cluster: the position the stream store assigned (the room's stream,
   * or the broadcast stream), present on deliveries appended to a shared stream; every node,
   * the publisher's too, delivers them with it.
   */
  readonly pos?: { readonly offset: number; readonly epoch: string };
  /** A second client id the delivery skips (with `pos`: `ctx.broadcast`'s sender). */
  readonly exclude2?: string;
}

/** Receives deliveries published by other nodes. */
export interface ClusterDeliveryHandler {
  (delivery: ClusterDelivery): void;
}

/** Answers cluster-wide queries from this node's local state. */
export interface ClusterStateProvider {
  localRooms(): string[];
  localRoomMembers(room: string): string[];
  localClients(room?: string): { id: string; rooms: string[] }[];
  localStats(): Record<string, number>;
  /** O(1) "is this client connected here?" for `hasRemoteClient`; else `localClients()` is scanned. */
  hasLocalClient?(clientId: string): boolean;
  /** Closes `clientId` if it is connected here (a `disconnect` from another node); true if it was. */
  disconnectLocal?(clientId: string, code: number, reason: string): boolean;
  /**
   * Session recovery in a cluster: the session `clientId` was resumed on another node; a
   * connection this node still holds for it (half-open) is closed with 4001. True when one was.
   */
  sessionTaken?(clientId: string): boolean;
}

/** Live counters of a networked bus (read by the metrics exporter at collect time). */
export interface ClusterBusCounters {
  /** Deliveries handed to the broker. */
  readonly published: number;
  /** Deliveries dropped while the broker was unavailable. */
  readonly dropped: number;
  /** Deliveries received from other nodes. */
  readonly received: number;
  /** Malformed messages ignored. */
  readonly invalid: number;
  /** Cluster queries some live node did not answer in time. */
  readonly queryTimeouts: number;
  /** Broker connections that came back after an outage. */
  readonly reconnects: number;
  /** Deliveries other nodes sent that never reached this node (sequence gaps). */
  readonly missed?: number;
  /** Direct sends to a client no live node holds. */
  readonly undeliverable?: number;
  /** Deliveries held in the bounded outbound queue now. */
  readonly queued?: number;
  /** Room channels this node is subscribed to now (interest routing). */
  readonly roomsSubscribed?: number;
}

/** A cluster-wide query result; `partial` is true when some node did not answer in time. */
export interface ClusterQueryResult<T> {
  readonly value: T;
  readonly partial: boolean;
  readonly nodes: number;
  /** Ids of the nodes that answered, in the order of their entries (this node first). */
  readonly nodeIds?: readonly string[];
}

/**
 * Interest routing: the domain tells the bus, as it happens, which rooms and clients this node
 * holds, so the bus subscribes only to what has local recipients (docs/CLUSTER.md). Transitions
 * only: `roomOpened` on a room's first local member, `roomClosed` on its last one leaving.
 */
export interface ClusterInterest {
  roomOpened(room: string): void;
  roomClosed(room: string): void;
  /**
   * Undefined when deliveries published to `room` from now on already reach this node; else a
   * promise that settles (never rejects) once they do, or once waiting is pointless (Redis away).
   * The join confirmation a client receives waits on it: the join-vs-subscription rule.
   */
  roomReady(room: string): PromiseLike<void> | undefined;
  /** A client was admitted here / left (the cluster-wide client → node directory). */
  clientAdded(clientId: string): void;
  clientRemoved(clientId: string): void;
}

/**
 * Carries deliveries between server nodes. The in-memory adapter is a single node: publish is a
 * no-op and queries return local state.
 */
export interface ClusterBus {
  readonly nodeId: string;
  readonly clustered: boolean;
  start(onDelivery: ClusterDeliveryHandler, state: ClusterStateProvider): Promise<void>;
  stop(): Promise<void>;
  /** Send to the other nodes (never echoed to this node). */
  publish(delivery: ClusterDelivery): void;
  /** Present when the bus routes by interest; the domain reports rooms and clients to it. */
  readonly interest?: ClusterInterest;
  /** Counters for monitoring (networked buses). */
  readonly counters?: ClusterBusCounters;
  /** Asks every other node to close `clientId` (server.disconnect of a client not on this node). */
  disconnect?(clientId: string, code: number, reason: string): void;
  /** True when `clientId` is connected to some other node (for toId). */
  hasRemoteClient?(clientId: string): MaybePromise<boolean>;
  rooms(): Promise<ClusterQueryResult<string[]>>;
  roomMembers(room: string): Promise<ClusterQueryResult<string[]>>;
  clients(room?: string): Promise<ClusterQueryResult<{ id: string; rooms: string[] }[]>>;
  stats(): Promise<ClusterQueryResult<Record<string, number>[]>>;
}

export const ClusterBus = Symbol.for('stelar.ClusterBus');
