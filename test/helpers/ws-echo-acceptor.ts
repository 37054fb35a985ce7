import type { Connection, ConnectionHandler, OutboundMessage } from '../../src/ports/connection.port';
import type { ConnectionAcceptor, HandshakeInfo, Refusal } from '../../src/ports/transport.port';
import type { ProtocolError } from '../../src/domain/errors';

/** A closed connection as the test saw it. */
export interface ClosedRecord {
  readonly conn: Connection;
  readonly code: number;
  readonly reason: string;
}

/**
 * A tiny acceptor for transport tests: admits everyone (or refuses via `refuse`), echoes every
 * message with the same type, and records what happened.
 */
export class EchoAcceptor implements ConnectionAcceptor, ConnectionHandler {
  readonly connections: Connection[] = [];
  readonly infos: HandshakeInfo[] = [];
  readonly errors: ProtocolError[] = [];
  readonly closed: ClosedRecord[] = [];
  readonly messages: Array<{ payload: Buffer; binary: boolean }> = [];
  pongs = 0;
  refuse: ((info: HandshakeInfo) => Refusal | null | Promise<Refusal | null>) | null = null;
  echo = true;
  private waiters: Array<() => void> = [];

  screen(info: HandshakeInfo): Refusal | null | Promise<Refusal | null> {
    this.infos.push(info);
    return this.refuse === null ? null : this.refuse(info);
  }

  accept(conn: Connection): void {
    conn.setHandler(this);
    this.connections.push(conn);
    this.notify();
  }

  onMessage(conn: Connection, payload: Uint8Array, binary: boolean): void {
    this.messages.push({ payload: Buffer.from(payload), binary });
    if (this.echo) conn.send(outbound(payload, binary));
    this.notify();
  }

  onProtocolError(_conn: Connection, err: ProtocolError): void {
    this.errors.push(err);
    this.notify();
  }

  onPong(): void {
    this.pongs++;
    this.notify();
  }

  onClose(conn: Connection, code: number, reason: string): void {
    this.closed.push({ conn, code, reason });
    this.notify();
  }

  /** Resolves when `predicate` holds (checked on every event), bounded by `ms`. */
  until(predicate: () => boolean, ms = 5000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('EchoAcceptor.until timed out')), ms);
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Builds an OutboundMessage from bytes. */
export function outbound(payload: Uint8Array, binary: boolean): OutboundMessage {
  return { payload, binary, frameCache: undefined };
}
