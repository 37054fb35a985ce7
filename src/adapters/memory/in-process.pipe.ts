import type { ClientTransport, ClientTransportHandler } from '../../ports/client-transport.port';
import type { Connection, ConnectionHandler, OutboundMessage } from '../../ports/connection.port';
import type { Logger } from '../../ports/logger.port';
import { CloseCode } from '../../domain/errors';
import { MEMORY_PROTOCOL } from './in-process.protocol';

/** One message on its way, copied at send time as a socket would (the sender may reuse its buffer). */
interface Parcel {
  readonly payload: Uint8Array;
  readonly binary: boolean;
}

/** A close travelling behind the messages queued before it. */
interface CloseMark {
  readonly code: number;
  readonly reason: string;
}

// Link states.
const OPEN = 0;
/** close() was called: no more sends; the close is delivered after the queued messages. */
const CLOSING = 1;
const CLOSED = 2;

/**
 * One in-process link between a client and a server: the server end is this object (a
 * {@link Connection} the domain owns), the client end is {@link InProcessClientEnd}. Each
 * direction is a queue delivered once per event-loop turn (`setImmediate`), so a peer sees a
 * message on a later turn, as over a socket, and neither side can re-enter the other from
 * inside send(). Bytes are copied once at send time. An idle link holds no timer and no queue.
 */
export class InProcessConnection implements Connection {
  readonly protocol = MEMORY_PROTOCOL;
  readonly socket = null;
  readonly request = null;
  owner: unknown = null;
  /** The client end (what the dialer got). */
  readonly client: InProcessClientEnd;
  private handler: ConnectionHandler | null = null;
  private state = OPEN;
  /** Server → client, and client → server. */
  private toClient: (Parcel | CloseMark)[] | null = null;
  private toServer: (Parcel | CloseMark)[] | null = null;
  private toClientBytes = 0;
  private toServerBytes = 0;
  private pongDue = false;
  private scheduled = false;

  constructor(
    readonly remoteAddress: string,
    readonly handshakeHeaders: Readonly<Record<string, string>>,
    clientHandler: ClientTransportHandler,
    private readonly logger: Logger | undefined,
  ) {
    this.client = new InProcessClientEnd(this, clientHandler);
  }

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** Bytes sent by the server and not yet delivered to the client. */
  get bufferedAmount(): number {
    return this.toClientBytes;
  }

  /** @internal Bytes sent by the client and not yet delivered to the server. */
  get clientBufferedAmount(): number {
    return this.toServerBytes;
  }

  setHandler(handler: ConnectionHandler): void {
    this.handler = handler;
  }

  send(message: OutboundMessage): boolean {
    if (this.state !== OPEN) return false;
    (this.toClient ??= []).push({ payload: message.payload.slice(), binary: message.binary });
    this.toClientBytes += message.payload.byteLength;
    this.schedule();
    return true;
  }

  /** The client end answers like a WebSocket client answers a ping frame: onPong next turn. */
  ping(): void {
    if (this.state !== OPEN) return;
    this.pongDue = true;
    this.schedule();
  }

  /** Server-side close: queued messages reach the client first, then both ends close with `code`. */
  close(code: number, reason: string): void {
    if (this.state !== OPEN) return;
    this.state = CLOSING;
    (this.toClient ??= []).push({ code, reason });
    this.schedule();
  }

  /** Drops the link now: nothing queued is delivered; both ends report 1006 next turn. */
  terminate(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSING;
    this.toClient = [{ code: CloseCode.Abnormal, reason: '' }];
    this.toServer = null;
    this.toClientBytes = 0;
    this.toServerBytes = 0;
    this.schedule();
  }

  /** @internal The client end sends. */
  clientSend(message: OutboundMessage): void {
    if (this.state !== OPEN) return;
    (this.toServer ??= []).push({ payload: message.payload.slice(), binary: message.binary });
    this.toServerBytes += message.payload.byteLength;
    this.schedule();
  }

  /** @internal The client end closes: its queued messages reach the server first. */
  clientClose(code: number, reason: string): void {
    if (this.state !== OPEN) return;
    this.state = CLOSING;
    (this.toServer ??= []).push({ code, reason });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(deliver, this);
  }

  /** @internal One turn's delivery, both directions, in order; the first close ends the link. */
  flush(): void {
    this.scheduled = false;
    if (this.pongDue) {
      this.pongDue = false;
      if (this.state === OPEN) {
        try {
          this.handler?.onPong?.(this);
        } catch (err) {
          this.failed(err);
        }
      }
    }
    const toServer = this.toServer;
    this.toServer = null;
    if (toServer !== null && !this.drain(toServer, true)) return;
    const toClient = this.toClient;
    this.toClient = null;
    if (toClient !== null) this.drain(toClient, false);
  }

  /** Delivers one direction's queue; false once the link has closed. */
  private drain(queue: readonly (Parcel | CloseMark)[], toServer: boolean): boolean {
    for (const item of queue) {
      if (this.state === CLOSED) return false;
      if ('code' in item) {
        this.finish(item.code, item.reason);
        return false;
      }
      try {
        if (toServer) {
          this.toServerBytes -= item.payload.byteLength;
          this.handler?.onMessage(this, item.payload, item.binary);
        } else {
          this.toClientBytes -= item.payload.byteLength;
          this.client.handler.onMessage(item.payload, item.binary);
        }
      } catch (err) {
        // A throwing handler must not stop the other deliveries of this turn.
        this.failed(err);
      }
    }
    return true;
  }

  /** Both ends hear the close exactly once; nothing is delivered afterwards. */
  private finish(code: number, reason: string): void {
    this.state = CLOSED;
    this.toClient = null;
    this.toServer = null;
    this.toClientBytes = 0;
    this.toServerBytes = 0;
    const handler = this.handler;
    this.handler = null;
    try {
      this.client.handler.onClose(code, reason);
    } catch (err) {
      this.failed(err);
    }
    try {
      handler?.onClose(this, code, reason);
    } catch (err) {
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    this.logger?.error(`in-process delivery failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function deliver(conn: InProcessConnection): void {
  conn.flush();
}

/** The client end of an {@link InProcessConnection}: what the client transport factory returns. */
export class InProcessClientEnd implements ClientTransport {
  constructor(
    private readonly link: InProcessConnection,
    readonly handler: ClientTransportHandler,
  ) {}

  get bufferedAmount(): number {
    return this.link.clientBufferedAmount;
  }

  send(message: OutboundMessage): void {
    this.link.clientSend(message);
  }

  close(code: number, reason: string): void {
    this.link.clientClose(code, reason);
  }
}
