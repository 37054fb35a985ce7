import type { Connection, ConnectionHandler } from '../../../src/ports/connection.port';
import type { AttemptEnded, ConnectionAcceptor, HandshakeInfo, Refusal } from '../../../src/ports/transport.port';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { MessageType, type StelarMessage } from '../../../src/domain/message';
import { StelarError, type ProtocolError } from '../../../src/domain/errors';

const codec = new TcpBinaryCodec();

/**
 * A tiny stand-in for the domain: screens with a configurable verdict, answers the hello with a
 * Connect, answers Ping with Pong, echoes every other message re-encoded, and answers a message
 * that does not decode with an Error frame while keeping the connection open.
 */
export class EchoAcceptor implements ConnectionAcceptor, ConnectionHandler {
  verdict: Refusal | null | Promise<Refusal | null> = null;
  readonly screened: HandshakeInfo[] = [];
  readonly accepted: Connection[] = [];
  /** The screened info each accept() named (the attempt whose slot it takes). */
  readonly acceptedInfo: (HandshakeInfo | undefined)[] = [];
  readonly abandoned: HandshakeInfo[] = [];
  readonly ended: AttemptEnded[] = [];
  readonly received: StelarMessage[] = [];
  readonly protocolErrors: ProtocolError[] = [];
  readonly closes: { conn: Connection; code: number; reason: string }[] = [];
  pongs = 0;
  drains = 0;
  /** When false, messages are recorded but not echoed. */
  echo = true;
  private nextId = 1;

  screen(info: HandshakeInfo): Refusal | null | Promise<Refusal | null> {
    this.screened.push(info);
    return this.verdict;
  }

  accept(conn: Connection, info?: HandshakeInfo): void {
    this.accepted.push(conn);
    this.acceptedInfo.push(info);
    conn.setHandler(this);
  }

  abandon(info: HandshakeInfo): void {
    this.abandoned.push(info);
  }

  attemptEnded(event: AttemptEnded): void {
    this.ended.push(event);
  }

  onMessage(conn: Connection, payload: Uint8Array): void {
    let m: StelarMessage;
    try {
      m = codec.decode(payload, true);
    } catch (err) {
      const e = err as StelarError;
      conn.send(codec.encode({ type: MessageType.Error, code: e.code, message: e.message }));
      return;
    }
    // Binary bytes are a view into the socket chunk: copy before keeping them.
    this.received.push(m.type === MessageType.Binary ? { ...m, bytes: Uint8Array.from(m.bytes) } : m);
    if (!this.echo) return;
    if (m.type === MessageType.Connect) {
      conn.owner = `c${this.nextId++}`;
      conn.send(
        codec.encode({
          type: MessageType.Connect,
          clientId: conn.owner as string,
          maxPayloadSize: 1 << 20,
          heartbeatInterval: 1000,
        }),
      );
    } else if (m.type === MessageType.Ping) {
      conn.send(codec.encode({ type: MessageType.Pong }));
    } else if (m.type !== MessageType.Pong && m.type !== MessageType.Disconnect) {
      conn.send(codec.encode(m));
    }
  }

  onProtocolError(_conn: Connection, err: ProtocolError): void {
    this.protocolErrors.push(err);
  }

  onPong(): void {
    this.pongs++;
  }

  onDrain(): void {
    this.drains++;
  }

  onClose(conn: Connection, code: number, reason: string): void {
    this.closes.push({ conn, code, reason });
  }
}
