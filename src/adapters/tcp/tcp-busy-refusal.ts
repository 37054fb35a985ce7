import type { MessageCodec } from '../../ports/message-codec.port';
import { CloseCode, StelarErrorCode } from '../../domain/errors';
import { MessageType } from '../../domain/message';

/** The reason of the shed's Disconnect (close code 1013, Try Again Later). */
export const BUSY_REASON = 'Server busy, retry later';

/**
 * The pre-encoded answer to a TCP socket shed under load (encoded once per listener, written as
 * is before any hello is read): Error `STELAR_ERR_SERVER_BUSY` whose JSON carries the retry hint
 * `retryAfter` (ms), then Disconnect 1013 (docs/PROTOCOL.md, "TCP connection lifecycle").
 */
export function busyRefusal(codec: MessageCodec, retryAfterMs: number): Buffer {
  const error = codec.encode({ type: MessageType.Error, code: StelarErrorCode.ServerBusy, message: BUSY_REASON, retryAfter: retryAfterMs });
  const disconnect = codec.encode({ type: MessageType.Disconnect, code: CloseCode.TryAgainLater, reason: BUSY_REASON });
  return Buffer.concat([error.payload, disconnect.payload]);
}
