import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ClientTlsSettings } from '../../ports/client-transport.port';
import { clientTlsOptions } from './client-tls-options';

/**
 * Dials `host:port`, plain or TLS, for the Node client transports (WebSocket and TCP).
 * `onConnect` runs once the socket can carry the protocol: after 'connect', or after
 * 'secureConnect' for TLS (options from {@link clientTlsOptions}: verification, the user's
 * ca/cert/key, SNI for host names).
 */
export function dialSocket(
  host: string,
  port: number,
  secure: boolean,
  rejectUnauthorized: boolean,
  tlsSettings: ClientTlsSettings | undefined,
  onConnect: () => void,
): net.Socket {
  if (secure) {
    const socket = tls.connect(clientTlsOptions(host, port, rejectUnauthorized, tlsSettings));
    socket.once('secureConnect', onConnect);
    return socket;
  }
  const socket = net.connect({ host, port });
  socket.once('connect', onConnect);
  return socket;
}

/**
 * The bound (ms) of a client attempt's connect + opening handshake: the dial's own
 * `connectTimeout` (the StelarClient's dial timeout, so a silent server holds the attempt no
 * longer than the client would wait for its session), capped by the factory's option when one
 * was set; the factory's option, else `fallback`, for a dial without one.
 */
export function connectBound(dialTimeout: number | undefined, factoryTimeout: number | undefined, fallback: number): number {
  if (dialTimeout === undefined) return factoryTimeout ?? fallback;
  return factoryTimeout === undefined ? dialTimeout : Math.min(dialTimeout, factoryTimeout);
}
