import * as net from 'node:net';
import * as tls from 'node:tls';

/**
 * Dials `host:port`, plain or TLS, for the Node client transports (WebSocket and TCP).
 * `onConnect` runs once the socket can carry the protocol: after 'connect', or after
 * 'secureConnect' for TLS. SNI is sent for host names only (RFC 6066 §3 forbids IP literals).
 */
export function dialSocket(
  host: string,
  port: number,
  secure: boolean,
  rejectUnauthorized: boolean | undefined,
  onConnect: () => void,
): net.Socket {
  if (secure) {
    const socket = tls.connect({
      host,
      port,
      rejectUnauthorized,
      servername: net.isIP(host) === 0 ? host : undefined,
    });
    socket.once('secureConnect', onConnect);
    return socket;
  }
  const socket = net.connect({ host, port });
  socket.once('connect', onConnect);
  return socket;
}
