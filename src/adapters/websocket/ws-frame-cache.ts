import type { OutboundMessage } from '../../ports/connection.port';

/**
 * The broadcast frame cache stored in `OutboundMessage.frameCache`: the uncompressed frame, and
 * compressed frames per window size (only when our compressor resets between messages, which
 * makes its output identical for every connection).
 */
export class WsFrameCache {
  plain: Buffer[] | null = null;
  deflated: Map<number, Buffer[]> | null = null;
}

/** The message's WebSocket frame cache, created on first use (replacing any foreign value). */
export function cacheOf(message: OutboundMessage): WsFrameCache {
  let cache = message.frameCache;
  if (!(cache instanceof WsFrameCache)) {
    cache = new WsFrameCache();
    message.frameCache = cache;
  }
  return cache as WsFrameCache;
}
