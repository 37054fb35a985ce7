import type { Clock } from '../../ports/clock.port';
import type { ClientTransportFactory } from '../../ports/client-transport.port';
import type { OutboundMessage, Protocol } from '../../ports/connection.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { StelarMessage } from '../../domain/message';

/** The platform pieces a StelarClient runs on; the Node and browser entries supply them. */
export interface StelarClientDeps {
  /** The client transports of this build, by protocol id (`mode` selects one). */
  readonly transports: Readonly<Partial<Record<Protocol, ClientTransportFactory>>>;
  /** The codec of each transport, by protocol id. */
  readonly codecs: Readonly<Partial<Record<Protocol, MessageCodec>>>;
  /**
   * Every `mode` this build accepts; default: the keys of `transports`. A mode listed here
   * without a transport is accepted and reports an error when dialing (TCP in browsers).
   */
  readonly modes?: readonly Protocol[];
  readonly clock: Clock;
  /** Source of jitter; Math.random by default (tests pass a fixed one). */
  readonly random?: () => number;
  /** Presents received bytes to listeners (Node wraps them in a Buffer view). */
  readonly wrapBinary?: (bytes: Uint8Array) => Uint8Array;
}

/** The modes a client built on `deps` accepts. */
export function clientModes(deps: StelarClientDeps): readonly Protocol[] {
  return deps.modes ?? Object.keys(deps.transports);
}

/** One message waiting in the offline queue, already encoded (encode once). */
export interface QueuedMessage {
  readonly event: string;
  readonly out: OutboundMessage;
  /** Correlation id of a request, emit-with-ack or room request (registered in the AckRouter). */
  readonly id?: number;
  /** Room of a join request (added to the rejoin set once it is on the wire). */
  readonly joinRoom?: string;
  /**
   * Events, binary messages and requests: the message itself, re-encoded with its sequence
   * number when it is written in a session whose server confirms (session recovery).
   */
  readonly message?: StelarMessage;
}

/**
 * What a `connect` listener receives. `recovered`: this connection resumed the previous session
 * (same id and rooms, every missed message delivered before this event's later messages).
 * `reason`: why a resume offered on reconnect was not possible — `'expired'`, `'history'`,
 * `'epoch'`, `'unknown'` or `'disabled'` (the server has recovery off); absent on a first connect.
 */
export interface ConnectInfo {
  readonly recovered: boolean;
  readonly reason?: string;
}

/** What a `disconnect` listener receives. */
export interface DisconnectInfo {
  readonly code: number;
  readonly reason: string;
}
