import { TCP_PROTOCOL } from './tcp.protocol';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type {
  ClientDialOptions,
  ClientTransport,
  ClientTransportFactory,
  ClientTransportHandler,
} from '../../ports/client-transport.port';
import type { OutboundMessage } from '../../ports/connection.port';
import { CloseCode, type ProtocolError } from '../../domain/errors';
import { MessageType } from '../../domain/message';
import { TcpBinaryCodec, TCP_PONG_FRAME } from '../codec/tcp-binary.codec';
import { clientTlsOptions } from '../socket/client-tls-options';
import { peerDisconnectOf } from './tcp-peer-disconnect';
import { TcpFrameParser, type TcpFrameSink } from './tcp-frame-parser';

/** Where to dial, parsed from `host:port`, `tcp://host:port` or `tls://host:port`. */
export interface TcpAddress {
  readonly host: string;
  readonly port: number;
  /** True for a `tls://` (or `tcps://`) URL. */
  readonly tls: boolean;
}

/** Parses a TCP dial address; throws TypeError when it has no valid host and port. */
export function parseTcpAddress(url: string): TcpAddress {
  const m = /^(?:(tcp|tls|tcps):\/\/)?(\[[^\]]+\]|[^:/[\]]*):(\d{1,5})\/?$/i.exec(url.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port > 0 && port <= 65535)) {
    throw new TypeError(`Invalid TCP address "${url}": expected host:port or tcp://host:port`);
  }
  let host = m[2];
  if (host.startsWith('[')) host = host.slice(1, -1);
  if (host === '') host = '127.0.0.1';
  const scheme = (m[1] ?? 'tcp').toLowerCase();
  return { host, port, tls: scheme !== 'tcp' };
}

/** Options of the TCP client transport factory. */
export interface TcpClientTransportOptions {
  /** Ms close() waits for the server's FIN before destroying the socket (default 2000). */
  readonly closeTimeout?: number;
}

/**
 * Dials the binary TCP protocol for `StelarClient` mode 'tcp' (Node only), plain or TLS.
 */
export class TcpClientTransportFactory implements ClientTransportFactory {
  readonly protocol = TCP_PROTOCOL;
  readonly schemes = ['tcp', 'tls'] as const;
  readonly keepsPath = false;
  /** Ping frames are answered by this transport (TCP_PONG_FRAME), so the client must not. */
  readonly answersPing = true;

  constructor(private readonly factoryOptions: TcpClientTransportOptions = {}) {}

  connect(options: ClientDialOptions, handler: ClientTransportHandler): ClientTransport {
    return new TcpClientTransport(options, handler, this.factoryOptions.closeTimeout ?? 2_000);
  }
}

const codec = new TcpBinaryCodec();

// States of a client connection.
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * One TCP client connection: sends the Connect hello `{"v":1}` (with the dial headers) as soon as
 * the socket (or TLS session) is up, then reports `onOpen`. Every inbound frame body (type byte
 * first) goes to `onMessage(body, true)`; Ping frames are also answered with Pong right away,
 * as a WebSocket client answers ping frames (RFC 6455 §5.5.2), so the core need not answer them.
 */
export class TcpClientTransport implements ClientTransport, TcpFrameSink {
  private readonly socket: net.Socket;
  private readonly parser: TcpFrameParser;
  private state = CONNECTING;
  private corked = false;
  private closeTimer: NodeJS.Timeout | null = null;
  private closeCode: number = CloseCode.Abnormal;
  private closeReason = '';
  private closeKnown = false;

  constructor(
    private readonly options: ClientDialOptions,
    private readonly handler: ClientTransportHandler,
    private readonly closeTimeout: number,
  ) {
    const address = parseTcpAddress(options.url);
    this.parser = new TcpFrameParser(this, {
      maxFrameSize: options.maxFrameSize,
      maxPayloadSize: options.maxPayloadSize,
    });
    if (options.tls || address.tls) {
      this.socket = tls.connect(clientTlsOptions(address.host, address.port, options.rejectUnauthorized, options.tlsSettings));
      this.socket.once('secureConnect', this.onConnect);
    } else {
      this.socket = net.connect({ host: address.host, port: address.port });
      this.socket.once('connect', this.onConnect);
    }
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onSocketClose);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /** The underlying socket (for diagnostics and tests). */
  get rawSocket(): net.Socket {
    return this.socket;
  }

  /** Queues one complete frame (the TcpBinaryCodec output) for the server. */
  send(message: OutboundMessage): void {
    if (this.state !== OPEN) return;
    this.write(message.payload);
  }

  /** Sends Disconnect, then FIN; destroys after closeTimeout if the server lingers. */
  close(code: number, reason: string): void {
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
      throw new RangeError(`Invalid close code ${code}`);
    }
    if (this.state === CLOSING || this.state === CLOSED) return;
    this.recordClose(code, String(reason));
    if (this.state === CONNECTING) {
      this.state = CLOSING;
      this.socket.destroy();
      return;
    }
    this.write(codec.encode({ type: MessageType.Disconnect, code, reason: String(reason) }).payload);
    this.state = CLOSING;
    this.parser.halt();
    this.flush();
    this.socket.end();
    this.closeTimer = setTimeout(destroySocket, this.closeTimeout, this.socket);
    this.closeTimer.unref();
  }

  onFrame(body: Uint8Array): void {
    if (this.state !== OPEN) return;
    const type = body[0];
    if (type === MessageType.Ping) this.write(TCP_PONG_FRAME);
    else if (type === MessageType.Disconnect) this.notePeerDisconnect(body);
    this.handler.onMessage(body, true);
  }

  onFrameError(err: ProtocolError): void {
    if (this.state !== OPEN) return;
    // Error frames flow server → client only; the client just reports and closes.
    this.handler.onError(err);
    this.close(err.closeCode, err.message);
  }

  /** @internal flushes the corked writes of this turn. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    if (!this.socket.destroyed) this.socket.uncork();
  }

  private write(bytes: Uint8Array): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.socket.write(bytes);
  }

  private recordClose(code: number, reason: string): void {
    if (this.closeKnown) return;
    this.closeKnown = true;
    this.closeCode = code;
    this.closeReason = reason;
  }

  private notePeerDisconnect(body: Uint8Array): void {
    const peer = peerDisconnectOf(body);
    this.recordClose(peer.code, peer.reason);
  }

  private readonly onConnect = (): void => {
    if (this.state !== CONNECTING) return;
    this.state = OPEN;
    this.socket.setNoDelay(true);
    const headers = this.options.headers;
    this.write(
      codec.encode({
        type: MessageType.Connect,
        clientId: '',
        maxPayloadSize: 0,
        heartbeatInterval: 0,
        version: 1,
        headers: Object.keys(headers).length > 0 ? headers : undefined,
      }).payload,
    );
    this.handler.onOpen();
  };

  private readonly onData = (chunk: Buffer): void => {
    this.parser.push(chunk);
  };

  private readonly onError = (err: Error): void => {
    this.recordClose(CloseCode.Abnormal, err.message);
    if (this.state !== CLOSED) this.handler.onError(err);
  };

  private readonly onSocketClose = (): void => {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.parser.halt();
    if (this.closeTimer !== null) {
      clearTimeout(this.closeTimer);
      this.closeTimer = null;
    }
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('close', this.onSocketClose);
    this.socket.removeListener('connect', this.onConnect);
    this.socket.removeListener('secureConnect', this.onConnect);
    this.handler.onClose(this.closeCode, this.closeReason);
  };
}

function uncork(t: TcpClientTransport): void {
  t.flush();
}

function destroySocket(socket: net.Socket): void {
  socket.destroy();
}
