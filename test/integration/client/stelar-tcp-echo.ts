import type { Connection, ConnectionHandler } from '../../../src/ports/connection.port';
import type { ConnectionAcceptor, HandshakeInfo, Refusal } from '../../../src/ports/transport.port';
import { TcpBinaryCodec } from '../../../src/adapters/codec/tcp-binary.codec';
import { TcpServerTransport } from '../../../src/adapters/tcp/tcp-server-transport';
import { MessageType, type StelarMessage } from '../../../src/domain/message';

const codec = new TcpBinaryCodec();

/**
 * A Stelar TCP server for client tests: our TcpServerTransport plus a tiny acceptor that answers
 * the hello with Connect, echoes events as `{ echo: data }`, answers requests (`fail` → error),
 * joins (`vip` refused) and echoes binary events with their metadata.
 */
export class StelarTcpEcho implements ConnectionAcceptor, ConnectionHandler {
  readonly transport: TcpServerTransport;
  readonly hellos: StelarMessage[] = [];
  readonly received: StelarMessage[] = [];
  readonly conns = new Set<Connection>();
  private nextId = 1;

  constructor(tls?: { key: string; cert: string }, port = 0) {
    this.transport = new TcpServerTransport({ port, host: '127.0.0.1', tls: tls ?? null });
    this.transport.setAcceptor(this);
  }

  start(): Promise<number> {
    return this.transport.listen();
  }

  async stop(): Promise<void> {
    await this.transport.close();
    for (const c of this.conns) c.terminate();
  }

  screen(_info: HandshakeInfo): Refusal | null {
    return null;
  }

  accept(conn: Connection): void {
    this.conns.add(conn);
    conn.setHandler(this);
  }

  onProtocolError(): void {}

  onClose(conn: Connection): void {
    this.conns.delete(conn);
  }

  onMessage(conn: Connection, payload: Uint8Array): void {
    const m = codec.decode(payload, true);
    const send = (msg: StelarMessage): void => void conn.send(codec.encode(msg));
    if (m.type !== MessageType.Connect && m.type !== MessageType.Ping && m.type !== MessageType.Pong) this.received.push(m);
    switch (m.type) {
      case MessageType.Connect:
        this.hellos.push(m);
        send({ type: MessageType.Connect, clientId: `t${this.nextId++}`, maxPayloadSize: 1 << 20, heartbeatInterval: 30000 });
        break;
      case MessageType.Ping:
        send({ type: MessageType.Pong });
        break;
      case MessageType.Event:
        send({ type: MessageType.Event, event: m.event, data: { echo: m.data } });
        break;
      case MessageType.Binary:
        send({ type: MessageType.Binary, event: m.event, bytes: Uint8Array.from(m.bytes), meta: m.meta });
        break;
      case MessageType.AckRequest:
        send(m.event === 'fail' ? { type: MessageType.AckResponse, ack: m.ack, id: m.id, error: 'handler failed' } : { type: MessageType.AckResponse, ack: m.ack, id: m.id, data: { echo: m.data } });
        break;
      case MessageType.JoinRoom:
      case MessageType.LeaveRoom:
        send(m.room === 'vip' ? { type: m.type, room: m.room, id: m.id, ok: false, reason: 'members only' } : { type: m.type, room: m.room, id: m.id, ok: true });
        break;
    }
  }
}
