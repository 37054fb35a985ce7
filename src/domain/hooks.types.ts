import type { Protocol } from '../ports/connection.port';
/** Payload of `onRateLimitExceeded`. */
export interface RateLimitExceededInfo {
  clientId: string;
  event?: string;
  protocol: Protocol;
}
/** Payload of `onMaxConnectionsReached`. */
export interface MaxConnectionsReachedInfo {
  activeConnections: number;
  max: number;
  ip: string;
}
/** Payload of `onMaxRoomsReached`. */
export interface MaxRoomsReachedInfo {
  clientId: string;
  room: string;
  totalRooms: number;
  max: number;
}
/** Payload of `onMaxRoomsPerClientReached`. */
export interface MaxRoomsPerClientReachedInfo {
  clientId: string;
  room: string;
  currentRooms: number;
  max: number;
}
/** Payload of `onPayloadTooLarge`. */
export interface PayloadTooLargeInfo {
  clientId: string;
  event?: string;
  size: number;
  max: number;
}
/** Payload of `onInvalidMessage`. */
export interface InvalidMessageInfo {
  clientId: string;
  reason: string;
  protocol: Protocol;
}
/** Payload of `onClientJoinRoom`. */
export interface ClientJoinRoomInfo {
  clientId: string;
  room: string;
  metadata: Map<string, unknown>;
}
/** Payload of `onClientLeaveRoom`. */
export interface ClientLeaveRoomInfo {
  clientId: string;
  room: string;
}
/** Payload of `onBeforeBroadcast`. */
export interface BeforeBroadcastInfo {
  event: string;
  /** Replace it to send other data (bytes: a binary message). */
  data: unknown;
  excludeId?: string;
  /** Broadcast-builder sends (`server.to(…)…emit`): the target rooms (empty: everyone). */
  rooms?: readonly string[];
  /** Broadcast-builder sends: the names skipped (`except`: client ids or rooms). */
  except?: readonly string[];
}
/** Payload of `onClientConnect`. */
export interface ClientConnectInfo {
  clientId: string;
  ip: string;
  protocol: Protocol;
  metadata: Map<string, unknown>;
  /** True when the connection resumed its previous session (session recovery). */
  recovered: boolean;
}
/** Payload of `onClientResume` (session recovery: a dropped client resumed its session). */
export interface ClientResumeInfo {
  clientId: string;
  ip: string;
  protocol: Protocol;
  /** Messages replayed to it (missed while it was away). */
  missed: number;
}
/** Payload of `onClientDisconnect`. */
export interface ClientDisconnectInfo {
  clientId: string;
  ip: string;
  protocol: Protocol;
  rooms: Set<string>;
}

/**
 * Server hooks, exactly as the public type reference defines them. Hooks typed
 * `boolean | void` cancel the default action by returning `false`; the others are
 * fire-and-forget.
 */
export interface StelarHooks {
  onRateLimitExceeded?: (i: {
    clientId: string;
    event?: string;
    protocol: Protocol;
  }) => boolean | void;

  onMaxConnectionsReached?: (i: {
    activeConnections: number;
    max: number;
    ip: string;
  }) => void;

  onMaxRoomsReached?: (i: {
    clientId: string;
    room: string;
    totalRooms: number;
    max: number;
  }) => boolean | void;

  onMaxRoomsPerClientReached?: (i: {
    clientId: string;
    room: string;
    currentRooms: number;
    max: number;
  }) => boolean | void;

  onPayloadTooLarge?: (i: {
    clientId: string;
    event?: string;
    size: number;
    max: number;
  }) => void;

  onInvalidMessage?: (i: {
    clientId: string;
    reason: string;
    protocol: Protocol;
  }) => void;

  onClientJoinRoom?: (i: {
    clientId: string;
    room: string;
    metadata: Map<string, unknown>;
  }) => boolean | void;

  onClientLeaveRoom?: (i: {
    clientId: string;
    room: string;
  }) => boolean | void;

  onBeforeBroadcast?: (i: {
    event: string;
    /** Replace it to send other data (bytes: a binary message). */
    data: unknown;
    excludeId?: string;
    /** Broadcast-builder sends (`server.to(…)…emit`): the target rooms (empty: everyone). */
    rooms?: readonly string[];
    /** Broadcast-builder sends: the names skipped (`except`: client ids or rooms). */
    except?: readonly string[];
  }) => boolean | void;

  onClientConnect?: (i: {
    clientId: string;
    ip: string;
    protocol: Protocol;
    metadata: Map<string, unknown>;
    /** True when the connection resumed its previous session (session recovery). */
    recovered: boolean;
  }) => void;

  /**
   * Session recovery: a dropped client resumed its session (same id, rooms and metadata; its
   * missed messages were replayed). Fires instead of the `onConnection` handlers.
   */
  onClientResume?: (i: {
    clientId: string;
    ip: string;
    protocol: Protocol;
    missed: number;
  }) => void;

  onClientDisconnect?: (i: {
    clientId: string;
    ip: string;
    protocol: Protocol;
    rooms: Set<string>;
  }) => void;
}

/** The name of one hook. */
export type StelarHookName = keyof StelarHooks;

/** The payload a hook receives. */
export type StelarHookPayload<K extends StelarHookName> = Parameters<NonNullable<StelarHooks[K]>>[0];

/** Every hook name: the eleven of the type reference, in its order, then `onClientResume` (session recovery). */
export const STELAR_HOOK_NAMES: readonly StelarHookName[] = [
  'onRateLimitExceeded',
  'onMaxConnectionsReached',
  'onMaxRoomsReached',
  'onMaxRoomsPerClientReached',
  'onPayloadTooLarge',
  'onInvalidMessage',
  'onClientJoinRoom',
  'onClientLeaveRoom',
  'onBeforeBroadcast',
  'onClientConnect',
  'onClientDisconnect',
  'onClientResume',
];
