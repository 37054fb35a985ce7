import type { OutboundMessage } from '../../ports/connection.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { StelarMessage } from '../../domain/message';
import { WsJsonCodec } from '../codec/ws-json.codec';
import { MEMORY_PROTOCOL } from './in-process.protocol';

/**
 * The in-process transport's codec: the WebSocket JSON encoding under the `memory` protocol id,
 * so an app tested in-process sees exactly what its WebSocket clients would (JSON round trip,
 * binary envelopes, the same validation and error codes).
 */
export class InProcessCodec implements MessageCodec {
  readonly protocol = MEMORY_PROTOCOL;
  private readonly json = new WsJsonCodec();

  encode(message: StelarMessage): OutboundMessage {
    return this.json.encode(message);
  }

  decode(payload: Uint8Array, binary: boolean): StelarMessage {
    return this.json.decode(payload, binary);
  }
}
