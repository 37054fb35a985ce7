import { EventWaiter } from './event-waiter';
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
export class EchoAcceptor extends EventWaiter implements ConnectionAcceptor, ConnectionHandler {
  constructor() {
    super('EchoAcceptor');
  }

  readonly connections: Connection[] = [];
  readonly infos: HandshakeInfo[] = [];
  readonly errors: ProtocolError[] = [];
  readonly closed: ClosedRecord[] = [];
  readonly messages: Array<{ payload: Buffer; binary: boolean }> = [];
  pongs = 0;
  drains = 0;
  refuse: ((info: HandshakeInfo) => Refusal | null | Promise<Refusal | null>) | null = null;
  echo = true;

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

  onDrain(): void {
    this.drains++;
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

}

/** Builds an OutboundMessage from bytes. */
export function outbound(payload: Uint8Array, binary: boolean): OutboundMessage {
  return { payload, binary, frameCache: undefined };
}
