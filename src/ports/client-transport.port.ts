import type { OutboundMessage, Protocol } from './connection.port';
import type { MessageCodec } from './message-codec.port';

/** Events a client transport reports to the StelarClient core. */
export interface ClientTransportHandler {
  onOpen(): void;
  onMessage(payload: Uint8Array, binary: boolean): void;
  /**
   * The attempt or connection ended. `retryAfterMs`: the server shed the attempt with a retry
   * hint (a 503 with `Retry-After`); the client waits within it before dialing again.
   */
  onClose(code: number, reason: string, retryAfterMs?: number): void;
  onError(err: Error): void;
}

/** PEM text or bytes, or a list of them. */
export type PemInput = string | Uint8Array | readonly (string | Uint8Array)[];

/** TLS settings of a dial beyond on/off and verification (Node transports; browsers ignore them). */
export interface ClientTlsSettings {
  /** Trusted CA certificate(s) replacing the default public CAs. */
  readonly ca?: PemInput;
  /** Client certificate and its key (mutual TLS). */
  readonly cert?: PemInput;
  readonly key?: PemInput;
  /** SNI and certificate-check name; default: the target host when it is a name, not an IP. */
  readonly servername?: string;
}

/** Options a client transport needs to dial. */
export interface ClientDialOptions {
  readonly url: string;
  readonly tls: boolean;
  readonly rejectUnauthorized: boolean;
  readonly tlsSettings?: ClientTlsSettings;
  readonly headers: Readonly<Record<string, string>>;
  readonly maxPayloadSize: number;
  readonly maxFrameSize: number;
  readonly compression?: boolean;
  /**
   * Ms the transport allows for the TCP/TLS connect plus the opening handshake (the WebSocket
   * upgrade's answer, the TCP hello's answer), at most: a server that accepts the socket and
   * never answers fails the attempt with STELAR_ERR_CONNECT_TIMEOUT by then. The client passes
   * its dial timeout; a bound set on the transport's factory still caps it.
   */
  readonly connectTimeout?: number;
  /**
   * The codec of this transport, injected from the client's codec registry (`deps.codecs`,
   * keyed by the factory's protocol id; the client core always passes it): what a transport
   * encodes itself (the TCP hello, Disconnect) uses it, as the server transports use their
   * plug-in's codec. Transports that encode nothing themselves (WebSocket) ignore it; the TCP
   * transport requires it.
   */
  readonly codec?: MessageCodec;
}

/**
 * The client side of a transport: our RFC 6455 client or the TCP client in Node, the native
 * WebSocket in browsers. One instance per connection attempt.
 */
export interface ClientTransport {
  send(message: OutboundMessage): void;
  close(code: number, reason: string): void;
  readonly bufferedAmount: number;
}

/**
 * Dials one connection attempt: the client side of a transport plug-in. Besides dialing it says
 * how targets are written for it, so the client core never spells a protocol out.
 */
export interface ClientTransportFactory {
  readonly protocol: Protocol;
  /**
   * URL schemes: `[plain, secure]` (`['ws', 'wss']`); a `host:port` target gets one of them,
   * and a URL with either selects this transport's TLS setting.
   */
  readonly schemes: readonly [plain: string, secure: string];
  /** Other schemes accepted and rewritten (`{ http: 'ws', https: 'wss' }`). */
  readonly schemeAliases?: Readonly<Record<string, string>>;
  /** True when a `host:port/path` target keeps its path (WebSocket namespaces). */
  readonly keepsPath: boolean;
  /**
   * True when the transport answers the server's Ping itself (TCP Ping frames are messages);
   * otherwise the client answers a Ping message with a Pong message.
   */
  readonly answersPing: boolean;
  connect(options: ClientDialOptions, handler: ClientTransportHandler): ClientTransport;
}
