import type { ClientTransportHandler } from '../../ports/client-transport.port';
import type { Logger } from '../../ports/logger.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { ConnectionAcceptor, HandshakeInfo, Refusal, Transport } from '../../ports/transport.port';
import { CloseCode, StelarErrorCode } from '../../domain/errors';
import { MessageType } from '../../domain/message';
import { InProcessCodec } from './in-process.codec';
import { IN_PROCESS_NETWORK, type InProcessListener, type InProcessNetwork } from './in-process.network';
import { InProcessConnection, type InProcessClientEnd } from './in-process.pipe';
import { MEMORY_PROTOCOL } from './in-process.protocol';

/** Options of the in-process listener. */
export interface InProcessServerTransportOptions {
  /** The address clients dial as `memory://<name>`. Default 'default'. */
  readonly name?: string;
  /** Where the name is registered. Default: the process-wide {@link IN_PROCESS_NETWORK}. */
  readonly network?: InProcessNetwork;
  /** Encodes the Error message of a refusal (injected: the plug-in's codec). */
  readonly codec?: MessageCodec;
  /** Where throwing handlers are reported (injected: `TOKENS.Logger`). */
  readonly logger?: Logger;
}

/** The refusal of an attempt the acceptor could not screen (it threw or rejected). */
const INTERNAL_REFUSAL: Refusal = Object.freeze({
  status: 500,
  closeCode: CloseCode.InternalError,
  code: StelarErrorCode.Internal,
  reason: 'The server could not screen the connection',
});

/**
 * A transport without sockets: clients of the same process dial it by name and get a real
 * {@link InProcessConnection}, screened and accepted by the domain exactly like a WebSocket or
 * TCP connection (origins are not checked: there is no browser). A refusal reaches the client
 * as an Error message then a close with the refusal's close code, as over TCP. Messages cross
 * on the next event-loop turn, so an app behaves as it would over the network.
 */
export class InProcessServerTransport implements Transport, InProcessListener {
  readonly protocol = MEMORY_PROTOCOL;
  readonly name: string;
  private readonly network: InProcessNetwork;
  private readonly codec: MessageCodec;
  private acceptor: ConnectionAcceptor | null = null;
  private listening = false;
  /** Dialed links not yet screened and accepted. */
  private readonly pending = new Set<InProcessConnection>();

  constructor(private readonly options: InProcessServerTransportOptions = {}) {
    this.name = options.name ?? 'default';
    this.network = options.network ?? IN_PROCESS_NETWORK;
    this.codec = options.codec ?? new InProcessCodec();
  }

  setAcceptor(acceptor: ConnectionAcceptor): void {
    this.acceptor = acceptor;
  }

  /** Takes the name (rejects when another server holds it); resolves with 0 (there is no port). */
  listen(): Promise<number> {
    try {
      this.network.listen(this.name, this);
    } catch (err) {
      return Promise.reject(err);
    }
    this.listening = true;
    return Promise.resolve(0);
  }

  /** Always null: an in-process server has a name, not a port. */
  port(): number | null {
    return null;
  }

  /** Frees the name and ends the links not yet accepted (1001); accepted ones belong to the domain. */
  close(): Promise<void> {
    this.listening = false;
    this.network.unlisten(this.name, this);
    for (const conn of this.pending) conn.close(CloseCode.GoingAway, 'Server shutting down');
    this.pending.clear();
    return Promise.resolve();
  }

  /** True between listen() and close(). */
  get isListening(): boolean {
    return this.listening;
  }

  /** @internal A client of this process dials: the link is screened on the next turn. */
  dial(headers: Readonly<Record<string, string>>, remoteAddress: string, handler: ClientTransportHandler): InProcessClientEnd {
    const conn = new InProcessConnection(remoteAddress, headers, handler, this.options.logger);
    this.pending.add(conn);
    setImmediate(screenLink, this, conn);
    return conn.client;
  }

  /** @internal */
  screen(conn: InProcessConnection): void {
    if (!this.pending.has(conn)) return;
    const info: HandshakeInfo = {
      protocol: MEMORY_PROTOCOL,
      remoteAddress: conn.remoteAddress,
      originApplies: false,
      headers: conn.handshakeHeaders,
    };
    let verdict: Refusal | null | Promise<Refusal | null>;
    try {
      verdict = this.acceptor === null ? INTERNAL_REFUSAL : this.acceptor.screen(info);
    } catch {
      verdict = INTERNAL_REFUSAL;
    }
    if (verdict !== null && typeof (verdict as Promise<unknown>).then === 'function') {
      (verdict as Promise<Refusal | null>).then(
        (r) => this.decide(conn, info, r),
        () => this.decide(conn, info, INTERNAL_REFUSAL),
      );
    } else {
      this.decide(conn, info, verdict as Refusal | null);
    }
  }

  private decide(conn: InProcessConnection, info: HandshakeInfo, refusal: Refusal | null): void {
    // Gone meanwhile: the client closed, or this transport did (an admitted attempt gives its
    // slot back: see ConnectionAcceptor).
    if (!this.pending.delete(conn) || !conn.isOpen) {
      if (refusal === null) this.acceptor?.abandon?.(info);
      return;
    }
    if (refusal !== null) {
      conn.send(this.codec.encode({ type: MessageType.Error, code: refusal.code, message: refusal.reason }));
      conn.close(refusal.closeCode, refusal.reason);
      return;
    }
    conn.client.handler.onOpen();
    this.acceptor!.accept(conn, info);
  }
}

function screenLink(transport: InProcessServerTransport, conn: InProcessConnection): void {
  transport.screen(conn);
}
