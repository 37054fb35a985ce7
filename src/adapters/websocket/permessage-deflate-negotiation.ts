/**
 * RFC 7692 §7.1 parameter negotiation for permessage-deflate (server and client sides).
 */
import type { ExtensionOffer } from './ws-extensions';

/** User-facing permessage-deflate settings (`compression: true` uses the defaults). */
export interface PerMessageDeflateOptions {
  /** Reset our compressor after every message (asks nothing of the peer). Default false. */
  readonly serverNoContextTakeover?: boolean;
  /** Ask the client to reset its compressor after every message. Default false. */
  readonly clientNoContextTakeover?: boolean;
  /** Our LZ77 window, 8..15. Default 15. */
  readonly serverMaxWindowBits?: number;
  /** Limit the client's window when it offers client_max_window_bits, 8..15. Default 15. */
  readonly clientMaxWindowBits?: number;
  /** Messages smaller than this many bytes are sent uncompressed. Default 1024. */
  readonly threshold?: number;
  /** zlib compression level. Default zlib's default (6). */
  readonly level?: number;
}

/** Parameters both sides agreed on (RFC 7692 §7.1). */
export interface DeflateParams {
  readonly serverNoContextTakeover: boolean;
  readonly clientNoContextTakeover: boolean;
  readonly serverMaxWindowBits: number;
  readonly clientMaxWindowBits: number;
}

/** Extension name (RFC 7692 §7). */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

function windowBits(v: string | true | undefined): number | null {
  if (typeof v !== 'string' || !/^\d{1,2}$/.test(v)) return null;
  const n = Number(v);
  return n >= 8 && n <= 15 ? n : null;
}

function checkBits(name: string, v: number | undefined): number {
  if (v === undefined) return 15;
  if (!Number.isInteger(v) || v < 8 || v > 15) throw new RangeError(`${name} must be an integer in 8..15`);
  return v;
}

/**
 * Server side of RFC 7692 §7.1: accepts the first acceptable permessage-deflate offer. Offers
 * with unknown, duplicated or invalid parameters are declined (§5); null means no compression.
 * Returns the agreed parameters and the response header value.
 */
export function negotiateServer(
  offers: readonly ExtensionOffer[],
  options: PerMessageDeflateOptions,
): { params: DeflateParams; header: string } | null {
  const ourServerBits = checkBits('serverMaxWindowBits', options.serverMaxWindowBits);
  const ourClientBits = checkBits('clientMaxWindowBits', options.clientMaxWindowBits);
  next: for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE || offer.duplicate) continue;
    let serverNct = options.serverNoContextTakeover === true;
    let clientNct = options.clientNoContextTakeover === true;
    let serverBits = ourServerBits;
    let clientBits = 15;
    let clientBitsOffered = false;
    for (const [key, value] of offer.params) {
      switch (key) {
        case 'server_no_context_takeover':
          if (value !== true) continue next;
          serverNct = true;
          break;
        case 'client_no_context_takeover':
          if (value !== true) continue next;
          clientNct = true;
          break;
        case 'server_max_window_bits': {
          const bits = windowBits(value);
          if (bits === null) continue next;
          serverBits = Math.min(bits, ourServerBits);
          break;
        }
        case 'client_max_window_bits': {
          clientBitsOffered = true;
          if (value !== true) {
            const bits = windowBits(value);
            if (bits === null) continue next;
            clientBits = bits;
          }
          break;
        }
        default:
          continue next;
      }
    }
    // §7.1.2.2: we may only limit the client's window when it said it supports that.
    if (clientBitsOffered) clientBits = Math.min(clientBits, ourClientBits);
    let header = PERMESSAGE_DEFLATE;
    if (serverNct) header += '; server_no_context_takeover';
    if (clientNct) header += '; client_no_context_takeover';
    if (serverBits < 15) header += `; server_max_window_bits=${serverBits}`;
    if (clientBitsOffered && clientBits < 15) header += `; client_max_window_bits=${clientBits}`;
    return {
      params: {
        serverNoContextTakeover: serverNct,
        clientNoContextTakeover: clientNct,
        serverMaxWindowBits: serverBits,
        clientMaxWindowBits: clientBits,
      },
      header,
    };
  }
  return null;
}

/** Client side: the offer header value we send. */
export function clientOffer(options: PerMessageDeflateOptions): string {
  let header = `${PERMESSAGE_DEFLATE}; client_max_window_bits`;
  if (options.clientNoContextTakeover) header += '; client_no_context_takeover';
  if (options.serverNoContextTakeover) header += '; server_no_context_takeover';
  if (options.serverMaxWindowBits !== undefined && options.serverMaxWindowBits < 15) {
    header += `; server_max_window_bits=${checkBits('serverMaxWindowBits', options.serverMaxWindowBits)}`;
  }
  return header;
}

/**
 * Client side: validates the server's response (RFC 7692 §7.1). Throws Error when the server
 * answered something we did not offer or cannot honour (the client fails the handshake).
 */
export function acceptClientResponse(response: readonly ExtensionOffer[], options: PerMessageDeflateOptions): DeflateParams {
  if (response.length !== 1 || response[0].name !== PERMESSAGE_DEFLATE || response[0].duplicate) {
    throw new Error('Server accepted an extension that was not offered');
  }
  let serverNct = false;
  let clientNct = options.clientNoContextTakeover === true;
  let serverBits = 15;
  let clientBits = 15;
  for (const [key, value] of response[0].params) {
    if (key === 'server_no_context_takeover' && value === true) serverNct = true;
    else if (key === 'client_no_context_takeover' && value === true) clientNct = true;
    else if (key === 'server_max_window_bits') {
      const bits = windowBits(value);
      if (bits === null) throw new Error('Invalid server_max_window_bits in the response');
      if (options.serverMaxWindowBits !== undefined && bits > options.serverMaxWindowBits) {
        throw new Error('server_max_window_bits above the offered limit');
      }
      serverBits = bits;
    } else if (key === 'client_max_window_bits') {
      const bits = windowBits(value);
      if (bits === null) throw new Error('Invalid client_max_window_bits in the response');
      clientBits = bits;
    } else throw new Error(`Unexpected permessage-deflate parameter "${key}"`);
  }
  if (options.serverNoContextTakeover && !serverNct) {
    throw new Error('Server ignored server_no_context_takeover');
  }
  return {
    serverNoContextTakeover: serverNct,
    clientNoContextTakeover: clientNct,
    serverMaxWindowBits: serverBits,
    clientMaxWindowBits: clientBits,
  };
}
