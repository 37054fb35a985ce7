import type { Clock } from '../../ports/clock.port';
import type { ClientTransportFactory } from '../../ports/client-transport.port';
import type { OutboundMessage } from '../../ports/connection.port';
import type { MessageCodec } from '../../ports/message-codec.port';

/** The platform pieces a StelarClient runs on; the Node and browser entries supply them. */
export interface StelarClientDeps {
  readonly transports: { readonly ws?: ClientTransportFactory; readonly tcp?: ClientTransportFactory };
  readonly codecs: { readonly ws?: MessageCodec; readonly tcp?: MessageCodec };
  readonly clock: Clock;
  /** Source of jitter; Math.random by default (tests pass a fixed one). */
  readonly random?: () => number;
  /** Presents received bytes to listeners (Node wraps them in a Buffer view). */
  readonly wrapBinary?: (bytes: Uint8Array) => Uint8Array;
}

/** One message waiting in the offline queue, already encoded (encode once). */
export interface QueuedMessage {
  readonly event: string;
  readonly out: OutboundMessage;
  /** Correlation id of a request, emit-with-ack or room request (registered in the AckRouter). */
  readonly id?: number;
  /** Room of a join request (added to the rejoin set once it is on the wire). */
  readonly joinRoom?: string;
}

/** What a `disconnect` listener receives. */
export interface DisconnectInfo {
  readonly code: number;
  readonly reason: string;
}
