import type { Socket } from 'node:net';
import type { ConnectionAcceptor, HandshakeInfo, Refusal } from '../../ports/transport.port';
import { isPending, screenAttempt } from '../socket/screening';
import { stripMapped } from './ws-handshake';

/**
 * The TLS handshakes of a wss:// server the WebSocket transport owns: each socket starting its
 * handshake is screened and, admitted, counted toward the connection caps until the handshake
 * ends (then its upgrade request is screened as usual). A refused one is closed (no HTTP answer
 * is possible before the handshake). Behind a trusted proxy the socket's address is the proxy's,
 * so per-address counting would throttle the proxy: the transport does not call it then, and only
 * time bounds those handshakes. One per transport; the entries go when their handshake ends.
 */
export class WsTlsAttempts {
  private readonly attempts = new Map<Socket, TlsAttempt>();

  /** A socket starts its TLS handshake: screened by `acceptor`, which holds a slot if it admits it. */
  started(socket: Socket, acceptor: ConnectionAcceptor): void {
    const info: HandshakeInfo = {
      protocol: 'ws',
      remoteAddress: stripMapped(socket.remoteAddress ?? ''),
      originApplies: false,
      headers: NO_HEADERS,
    };
    const attempt: TlsAttempt = { acceptor, info, ended: false, reserved: false };
    this.attempts.set(socket, attempt);
    const verdict = screenAttempt(acceptor, info);
    if (isPending(verdict)) verdict.then((v) => screened(socket, attempt, v));
    else screened(socket, attempt, verdict);
  }

  /** The TLS handshake of `socket` finished, or the socket went: its slot is given back. */
  ended(socket: Socket): void {
    const attempt = this.attempts.get(socket);
    if (attempt === undefined) return;
    this.attempts.delete(socket);
    attempt.ended = true;
    if (attempt.reserved) {
      attempt.reserved = false;
      attempt.acceptor.abandon?.(attempt.info);
    }
  }

  /** The transport closes: every handshake still running ends and its socket is destroyed. */
  clear(): void {
    for (const socket of [...this.attempts.keys()]) {
      this.ended(socket);
      socket.destroy();
    }
  }
}

/** A TLS handshake counted toward the caps. */
interface TlsAttempt {
  /** The acceptor that screened it (and holds its slot). */
  readonly acceptor: ConnectionAcceptor;
  readonly info: HandshakeInfo;
  /** The handshake finished or the socket went (the verdict may still be on its way). */
  ended: boolean;
  /** Admitted: holds a slot until the handshake ends. */
  reserved: boolean;
}

function screened(socket: Socket, attempt: TlsAttempt, refusal: Refusal | null): void {
  if (refusal !== null) {
    // No HTTP answer is possible before the handshake: the socket just goes.
    socket.destroy();
    return;
  }
  if (attempt.ended) attempt.acceptor.abandon?.(attempt.info);
  else attempt.reserved = true;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
