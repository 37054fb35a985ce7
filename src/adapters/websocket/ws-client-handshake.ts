import { randomBytes } from 'node:crypto';
import { acceptKey, hasToken } from './ws-handshake';

/** A dial target parsed from a ws://, wss://, http:// or https:// URL. */
export interface WsTarget {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** Path and query of the request line. */
  readonly path: string;
  /** Host header value. */
  readonly hostHeader: string;
}

/** Parses a WebSocket URL; throws SyntaxError for anything else (caller mistake). */
export function parseWsUrl(url: string, forceTls: boolean): WsTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SyntaxError(`Invalid WebSocket URL: ${url}`);
  }
  const scheme = parsed.protocol;
  if (scheme !== 'ws:' && scheme !== 'wss:' && scheme !== 'http:' && scheme !== 'https:') {
    throw new SyntaxError(`Unsupported WebSocket URL scheme: ${scheme}`);
  }
  if (parsed.hash !== '') throw new SyntaxError('A WebSocket URL must not have a fragment');
  const secure = forceTls || scheme === 'wss:' || scheme === 'https:';
  const port = parsed.port !== '' ? Number(parsed.port) : secure ? 443 : 80;
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return {
    secure,
    host,
    port,
    path: (parsed.pathname || '/') + parsed.search,
    hostHeader: parsed.port !== '' ? `${parsed.hostname}:${parsed.port}` : parsed.hostname,
  };
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (RFC 6455 §4.1). */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

/** The opening handshake request (RFC 6455 §4.1). */
export function buildUpgradeRequest(
  target: WsTarget,
  key: string,
  headers: Readonly<Record<string, string>>,
  extensions: string | null,
): string {
  let req =
    `GET ${target.path} HTTP/1.1\r\n` +
    `Host: ${target.hostHeader}\r\n` +
    'Upgrade: websocket\r\n' +
    'Connection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${key}\r\n` +
    'Sec-WebSocket-Version: 13\r\n';
  if (extensions !== null) req += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    // Header injection guard: a CR/LF in a user header would split the request.
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`Invalid header "${name}"`);
    req += `${name}: ${value}\r\n`;
  }
  return req + '\r\n';
}

/** The parsed response head. */
export interface UpgradeResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
}

/** Parses an HTTP response head (without the final CRLFCRLF). */
export function parseResponseHead(head: string): UpgradeResponse {
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]);
  if (m === null) throw new Error('Invalid HTTP response from the WebSocket server');
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon <= 0) continue;
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { status: Number(m[1]), headers };
}

/** Checks a 101 response against our key (RFC 6455 §4.1 client requirements 1-4). */
export function verifyUpgradeResponse(res: UpgradeResponse, key: string): void {
  if (res.status !== 101) throw new Error(`Unexpected server response: ${res.status}`);
  if (!hasToken(res.headers.get('upgrade'), 'websocket')) throw new Error('Invalid Upgrade header in the response');
  if (!hasToken(res.headers.get('connection'), 'upgrade')) throw new Error('Invalid Connection header in the response');
  if (res.headers.get('sec-websocket-accept') !== acceptKey(key)) throw new Error('Invalid Sec-WebSocket-Accept header');
  if (res.headers.has('sec-websocket-protocol')) throw new Error('Server sent a subprotocol that was not requested');
}

/**
 * A `Retry-After` value (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) in ms from `now`;
 * undefined when absent or unparsable. A date in the past is 0.
 */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  // An HTTP-date names its weekday and zone (IMF-fixdate, or the obsolete forms): never just digits.
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
