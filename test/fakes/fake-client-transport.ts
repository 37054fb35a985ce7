import type {
  ClientDialOptions,
  ClientTransport,
  ClientTransportFactory,
  ClientTransportHandler,
} from '../../src/ports/client-transport.port';
import type { OutboundMessage } from '../../src/ports/connection.port';
import type { MessageCodec } from '../../src/ports/message-codec.port';
import { StelarError, StelarErrorCode } from '../../src/domain/errors';
import { MessageType, type StelarMessage } from '../../src/domain/message';

/**
 * A codec for client tests: JSON of the message model itself (binary bytes as a number array),
 * so tests read and write plain StelarMessage objects without depending on the real codecs.
 */
export class FakeClientCodec implements MessageCodec {
  readonly protocol = 'ws' as const;
  encodes = 0;

  encode(message: StelarMessage): OutboundMessage {
    this.encodes++;
    const plain = message.type === MessageType.Binary ? { ...message, bytes: Array.from(message.bytes) } : message;
    return { payload: new TextEncoder().encode(JSON.stringify(plain)), binary: message.type === MessageType.Binary, frameCache: undefined };
  }

  decode(payload: Uint8Array): StelarMessage {
    let v: any;
    try {
      v = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      throw new StelarError(StelarErrorCode.InvalidJson, 'fake codec: bad JSON');
    }
    if (typeof v?.type !== 'number') throw new StelarError(StelarErrorCode.InvalidMessage, 'fake codec: no type');
    if (v.type === MessageType.Binary) v.bytes = Uint8Array.from(v.bytes);
    return v as StelarMessage;
  }
}

/** One fake connection: records what the client sent and lets the test play the server. */
export class FakeClientTransport implements ClientTransport {
  readonly sent: StelarMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  bufferedAmount = 0;

  constructor(
    readonly options: ClientDialOptions,
    readonly handler: ClientTransportHandler,
    private readonly codec: FakeClientCodec,
  ) {}

  send(message: OutboundMessage): void {
    if (this.closed) throw new Error('send on closed fake transport');
    this.sent.push(this.codec.decode(message.payload));
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }

  /** Sent messages other than heartbeats. */
  get userSent(): StelarMessage[] {
    return this.sent.filter((m) => m.type !== MessageType.Ping && m.type !== MessageType.Pong);
  }

  // ---- the test plays the server ----
  open(): this {
    this.handler.onOpen();
    return this;
  }

  /** Opens and sends the server's Connect message. */
  accept(clientId = 'c1', maxPayloadSize = 1 << 20): this {
    this.open();
    return this.push({ type: MessageType.Connect, clientId, maxPayloadSize, heartbeatInterval: 30000 });
  }

  push(message: StelarMessage): this {
    const out = this.codec.encode(message);
    this.handler.onMessage(out.payload, out.binary);
    return this;
  }

  pushRaw(payload: Uint8Array, binary = false): this {
    this.handler.onMessage(payload, binary);
    return this;
  }

  /** The server (or network) closes the connection. */
  drop(code = 1006, reason = ''): this {
    this.handler.onClose(code, reason);
    return this;
  }
}

/** Dials fake transports; every attempt is recorded in `dials`. Set `failNext` to throw. */
export class FakeClientTransportFactory implements ClientTransportFactory {
  readonly dials: FakeClientTransport[] = [];
  throwOnConnect: Error | null = null;
  /** When set, the next attempt reports onClose(code) synchronously inside connect(). */
  closeSynchronously: number | null = null;

  /** Targets as the real factory of `protocol` writes them. */
  readonly schemes: readonly [string, string];
  readonly schemeAliases?: Readonly<Record<string, string>>;
  readonly keepsPath: boolean;
  /** As the real transports: TCP answers Ping frames itself, WebSocket leaves Ping messages to the client. */
  readonly answersPing: boolean;

  constructor(
    readonly protocol: 'ws' | 'tcp' = 'ws',
    readonly codec = new FakeClientCodec(),
  ) {
    const ws = protocol === 'ws';
    this.schemes = ws ? ['ws', 'wss'] : ['tcp', 'tls'];
    if (ws) this.schemeAliases = { http: 'ws', https: 'wss' };
    this.keepsPath = ws;
    this.answersPing = !ws;
  }

  connect(options: ClientDialOptions, handler: ClientTransportHandler): ClientTransport {
    if (this.throwOnConnect) throw this.throwOnConnect;
    const t = new FakeClientTransport(options, handler, this.codec);
    this.dials.push(t);
    if (this.closeSynchronously !== null) {
      const code = this.closeSynchronously;
      this.closeSynchronously = null;
      handler.onClose(code, 'failed synchronously');
    }
    return t;
  }

  /** The latest attempt. */
  get last(): FakeClientTransport {
    const t = this.dials[this.dials.length - 1];
    if (!t) throw new Error('no dial yet');
    return t;
  }
}
