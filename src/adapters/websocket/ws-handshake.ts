import { hash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { UpgradeRequest } from '../http/upgrade-request.types';
import type { Duplex } from 'node:stream';
import { WS_GUID } from './ws-constants';

/** Why an upgrade request is refused before screening: the HTTP answer to send. */
export interface HandshakeFailure {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

// RFC 6455 §4.1: the key is 16 random bytes, base64 encoded: 22 characters plus "==".
const KEY_RE = /^[+/0-9A-Za-z]{22}==$/;

/** Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2 step 5.4). */
export function acceptKey(key: string): string {
  // One-shot crypto.hash: no Hash object per handshake.
  return hash('sha1', key + WS_GUID, 'base64');
}

/** True when a comma-separated header contains `token` (case-insensitive). */
export function hasToken(value: string | string[] | undefined, token: string): boolean {
  if (value === undefined) return false;
  // Browsers and libraries send exactly "websocket" / "Upgrade": no split for them.
  if (typeof value === 'string' && value.length === token.length && value.toLowerCase() === token) return true;
  const joined = Array.isArray(value) ? value.join(',') : value;
  for (const part of joined.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}

/**
 * Checks an upgrade request against RFC 6455 §4.2.1. Returns null when it is a valid version-13
 * opening handshake, otherwise the HTTP error to answer: 405 for a non-GET method, 400 for an
 * HTTP version below 1.1 or malformed headers, 426 (with `Sec-WebSocket-Version: 13`) for another protocol version.
 */
export function validateUpgradeRequest(req: UpgradeRequest): HandshakeFailure | null {
  if (req.method !== 'GET') return { status: 405, message: 'Method Not Allowed', headers: { Allow: 'GET' } };
  // §4.1: "the HTTP version MUST be at least 1.1" (an HTTP/1.0 upgrade is not a handshake).
  if (req.httpVersionMajor < 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor < 1)) {
    return { status: 400, message: 'WebSocket requires HTTP/1.1 or later' };
  }
  if (!hasToken(req.headers.upgrade, 'websocket')) return { status: 400, message: 'Invalid Upgrade header' };
  if (!hasToken(req.headers.connection, 'upgrade')) return { status: 400, message: 'Invalid Connection header' };
  const version = req.headers['sec-websocket-version'];
  if (version !== '13') {
    return { status: 426, message: 'Unsupported WebSocket version', headers: { 'Sec-WebSocket-Version': '13' } };
  }
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY_RE.test(key.trim())) {
    return { status: 400, message: 'Invalid Sec-WebSocket-Key header' };
  }
  return null;
}

/** The 101 response (RFC 6455 §4.2.2 step 5). */
export function switchingProtocolsResponse(key: string, extensions: string | null): string {
  const accept = acceptKey(key.trim());
  if (extensions === null) return RESPONSE_101 + accept + '\r\n\r\n';
  return RESPONSE_101 + accept + '\r\nSec-WebSocket-Extensions: ' + extensions + '\r\n\r\n';
}

const RESPONSE_101 =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ';

/**
 * Answers a refused upgrade with a complete HTTP response and closes the socket once it is
 * written (never a silent drop: clients and proxies see why).
 */
export function abortHandshake(
  socket: Duplex,
  status: number,
  message: string,
  headers?: Readonly<Record<string, string>>,
): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = message || STATUS_CODES[status] || '';
  let head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Connection: close\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  if (headers) for (const name of Object.keys(headers)) head += `${name}: ${headers[name]}\r\n`;
  socket.once('finish', destroySocket);
  socket.end(head + '\r\n' + body);
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

/** The peer address: IPv4-mapped IPv6 normalised, X-Forwarded-For's first hop with trustProxy. */
export function remoteAddressOf(req: UpgradeRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const value = Array.isArray(xff) ? xff[0] : xff;
    if (value) {
      const first = value.split(',')[0].trim();
      if (first) return stripMapped(first);
    }
  }
  return stripMapped(req.socket.remoteAddress ?? '');
}

/** `::ffff:1.2.3.4` (IPv4-mapped IPv6) → `1.2.3.4`. */
export function stripMapped(addr: string): string {
  return addr.startsWith('::ffff:') && addr.indexOf('.') !== -1 ? addr.slice(7) : addr;
}
