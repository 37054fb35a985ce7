import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { HandshakeInfo } from '../../ports/transport.port';
import type { TcpConnection } from './tcp-connection';

/**
 * One connection attempt, from the socket's arrival to accept() (or its end). Its deadline
 * (TLS handshake and hello together) is kept by the transport's DeadlineSweep.
 */
export interface Attempt {
  /** What was screened; the same object goes to accept() / abandon(). */
  readonly info: HandshakeInfo;
  /** The accepted socket (for TLS, the raw one under the handshake). */
  readonly raw: net.Socket;
  /** The connection, once there is a (TLS) stream to read the hello from. */
  conn: TcpConnection | null;
  /** The acceptor's verdict is not in yet. */
  screening: boolean;
  /** The acceptor admitted it and holds a slot for it (released exactly once). */
  reserved: boolean;
}


/** `address:port` of the peer: the same on a TLS socket and on the raw socket under it. */
export function peerKey(socket: net.Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

/** The 'close' listener of a TLS attempt's raw socket: tells `transport` which socket closed. */
export function rawCloseListener(transport: { rawClosed(socket: net.Socket): void }): (this: net.Socket) => void {
  return function onRawClose(this: net.Socket): void {
    transport.rawClosed(this);
  };
}

export function destroyTlsSocket(_err: Error, socket: tls.TLSSocket): void {
  socket.destroy();
}
