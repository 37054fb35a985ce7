import type { StelarMessage } from '../domain/message';
import type { OutboundMessage, Protocol } from './connection.port';

/** Encodes the Stelar message model for one transport, and decodes what that transport received. */
export interface MessageCodec {
  readonly protocol: Protocol;
  /** Encode once; the result may be sent on any number of connections of this transport. */
  encode(message: StelarMessage): OutboundMessage;
  /** Decode one inbound message body; throws a StelarError with a stable code on bad input. */
  decode(payload: Uint8Array, binary: boolean): StelarMessage;
}

/**
 * Multi-bound: each transport plug-in binds its codec here (usually `toService` of its own codec
 * token, so rebinding that token changes what both the transport and the domain use). The domain
 * looks codecs up by `protocol` (one codec per protocol id).
 */
export const MessageCodec = Symbol.for('stelar.MessageCodec');
