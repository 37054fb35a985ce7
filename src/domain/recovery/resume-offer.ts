import type { StreamPosition } from '../../ports/stream-store.port';

/**
 * The handshake header a recovery-capable client sends (docs/PROTOCOL.md, "Session
 * recovery"): on the WebSocket upgrade request, or in the TCP hello's `headers`. The browser
 * build, which cannot send headers, sends the same text as its first message's `session`.
 * Value: JSON `{"v":1}` (no session yet) or `{"v":1,"id":…,"token":…,"pos":{stream:[offset,epoch]}}`.
 */
export const SESSION_HEADER = 'x-stelar-session';

/** The offer of a client that has no session yet ("give me one"). */
export const NEW_SESSION_OFFER = '{"v":1}';

/** Longest header value accepted (a larger one is ignored as malformed). */
export const MAX_OFFER_BYTES = 16384;
/** Most positions an offer may carry. */
export const MAX_OFFER_POSITIONS = 1024;

/** A parsed offer: `id`/`token` empty for a client without a session yet. */
export interface ResumeOffer {
  readonly id: string;
  readonly token: string;
  readonly positions: ReadonlyMap<string, StreamPosition>;
}

const NONE: ReadonlyMap<string, StreamPosition> = new Map();

/**
 * Parses the header value; null when absent or malformed (a malformed offer is treated as a
 * client without recovery: it connects as a new client, never crashes anything).
 */
export function parseResumeOffer(value: unknown): ResumeOffer | null {
  if (Array.isArray(value)) value = value[0];
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_OFFER_BYTES) return null;
  let o: unknown;
  try {
    o = JSON.parse(value);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  if (r.v !== 1) return null;
  if (r.id === undefined && r.token === undefined) return { id: '', token: '', positions: NONE };
  if (typeof r.id !== 'string' || typeof r.token !== 'string' || r.id.length === 0 || r.id.length > 256 || r.token.length > 256) {
    return null;
  }
  const positions = new Map<string, StreamPosition>();
  if (r.pos !== undefined) {
    if (typeof r.pos !== 'object' || r.pos === null || Array.isArray(r.pos)) return null;
    for (const [stream, p] of Object.entries(r.pos as Record<string, unknown>)) {
      if (positions.size >= MAX_OFFER_POSITIONS) return null;
      if (!Array.isArray(p) || p.length !== 2) return null;
      const [offset, epoch] = p as unknown[];
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return null;
      if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64) return null;
      positions.set(stream, { offset, epoch });
    }
  }
  return { id: r.id, token: r.token, positions };
}

/** The header value for an offer (the client side). */
export function formatResumeOffer(offer: ResumeOffer | null): string {
  if (offer === null || offer.id === '') return NEW_SESSION_OFFER;
  const pos: Record<string, [number, string]> = {};
  for (const [stream, p] of offer.positions) pos[stream] = [p.offset, p.epoch];
  return JSON.stringify({ v: 1, id: offer.id, token: offer.token, pos });
}
