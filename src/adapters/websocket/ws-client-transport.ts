import { WS_PROTOCOL, WS_SCHEME_ALIASES } from './ws.protocol';
import type * as net from 'node:net';
import type {
  ClientDialOptions,
  ClientTransport,
  ClientTransportFactory,
  ClientTransportHandler,
} from '../../ports/client-transport.port';
import type { Clock, TimerHandle } from '../../ports/clock.port';
import type { Connection, ConnectionHandler, OutboundMessage } from '../../ports/connection.port';
import type { ProtocolError } from '../../domain/errors';
import { CloseCode, StelarError, StelarErrorCode } from '../../domain/errors';
import { WS_DEFAULTS } from './ws-constants';
import { WsConnection } from './ws-connection';
import { connectBound, dialSocket } from '../socket/dial';
import { armTimer, clearTimer, type CloseTimerSettings } from '../socket/socket-timers';
import { parseExtensions } from './ws-extensions';
import { PerMessageDeflate, acceptClientResponse, clientOffer, type PerMessageDeflateOptions } from './permessage-deflate';
import {
  buildUpgradeRequest,
  generateKey,
  parseResponseHead,
  parseWsUrl,
  retryAfterMs,
  verifyUpgradeResponse,
} from './ws-client-handshake';

/** Factory-wide settings of the Node WebSocket client. */
export interface WsClientTransportOptions {
  /**
   * ms allowed for TCP/TLS connect plus the opening handshake, when the dial gives none. A dial's
   * own `connectTimeout` (the StelarClient passes its dial timeout) replaces the default 10000;
   * a value set here still caps it.
   */
  readonly connectTimeout?: number;
  /** ms to wait for the server during the close handshake. Default 5000. */
  readonly closeTimeout?: number;
  /** send() buffering threshold. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** permessage-deflate settings used when a dial asks for compression. */
  readonly deflate?: PerMessageDeflateOptions;
  /** The clock of the connect timeout and close timers. Default: the system clock; every timer unref'd. */
  readonly clock?: Clock;
  /**
   * Most frames of one inbound message; one more fails the connection with 1009. Default
   * {@link CLIENT_MAX_FRAGMENTS}: a message of tiny fragments costs a piece object per fragment,
   * so the count is bounded as well as the bytes (`maxPayloadSize`).
   */
  readonly maxFragments?: number;
}

/** The client's default fragment bound: the most Autobahn's cases send (9.3.1/9.4.1: 65,537 frames). */
export const CLIENT_MAX_FRAGMENTS = 65_537;

/** RFC 6455 client for Node over net/tls (browsers use the native WebSocket instead). */
export class WsClientTransportFactory implements ClientTransportFactory {
  readonly protocol = WS_PROTOCOL;
  readonly schemes = ['ws', 'wss'] as const;
  /** Page-style URLs: `http://` dials `ws://`, `https://` dials `wss://`. */
  readonly schemeAliases = WS_SCHEME_ALIASES;
  /** `host:port/chat` keeps `/chat` (namespaces). */
  readonly keepsPath = true;
  /** A WebSocket ping frame is answered by the transport; a Ping message by the client. */
  readonly answersPing = false;

  /** closeTimeout and the clock, one object shared by every connection of this factory. */
  private readonly closeTimer: CloseTimerSettings;

  constructor(private readonly options: WsClientTransportOptions = {}) {
    this.closeTimer = { clock: options.clock, closeTimeout: options.closeTimeout ?? WS_DEFAULTS.closeTimeout };
  }

  /** Dials `options.url`; events go to `handler` (onOpen, onMessage, then onClose once). */
  connect(options: ClientDialOptions, handler: ClientTransportHandler): ClientTransport {
    return new WsClientTransport(options, handler, this.options, this.closeTimer);
  }
}

const CONNECTING = 0;
const OPEN = 1;
const DONE = 2;

/** One client connection attempt. */
export class WsClientTransport implements ClientTransport, ConnectionHandler {
  private state = CONNECTING;
  private readonly socket: net.Socket;
  private readonly key = generateKey();
  private conn: WsConnection | null = null;
  private head: Buffer[] = [];
  private headLength = 0;
  private pending: OutboundMessage[] = [];
  private timer: TimerHandle | null;
  private readonly offer: string | null;
  /** The bound of this attempt's connect + opening handshake (ms). */
  private readonly connectTimeout: number;

  constructor(
    private readonly dial: ClientDialOptions,
    private readonly handler: ClientTransportHandler,
    private readonly settings: WsClientTransportOptions,
    private readonly closeTimer: CloseTimerSettings,
  ) {
    const target = parseWsUrl(dial.url, dial.tls);
    this.offer = dial.compression ? clientOffer(settings.deflate ?? {}) : null;
    const request = buildUpgradeRequest(target, this.key, dial.headers, this.offer);
    this.socket = dialSocket(target.host, target.port, target.secure, dial.rejectUnauthorized, dial.tlsSettings, () =>
      this.socket.write(request),
    );
    this.socket.on('data', this.onHandshakeData);
    this.socket.on('error', this.onHandshakeError);
    this.socket.on('close', this.onHandshakeClose);
    this.connectTimeout = connectBound(dial.connectTimeout, settings.connectTimeout, WS_DEFAULTS.connectTimeout);
    this.timer = armTimer(settings.clock, handshakeTimedOut, this.connectTimeout, this);
  }

  /** Bytes queued and not yet flushed. */
  get bufferedAmount(): number {
    if (this.conn !== null) return this.conn.bufferedAmount;
    let n = 0;
    for (const m of this.pending) n += m.payload.length;
    return n;
  }

  /** Sends (or queues until open) one message. */
  send(message: OutboundMessage): void {
    if (this.state === CONNECTING) this.pending.push(message);
    else if (this.conn !== null) this.conn.send(message);
  }

  /** Closes gracefully; during the handshake the attempt is abandoned. */
  close(code: number, reason: string): void {
    if (this.state === CONNECTING) {
      this.fail(null, code, reason);
      return;
    }
    if (this.conn !== null) this.conn.close(code, reason);
  }

  // ---- handshake ------------------------------------------------------------------------------

  private readonly onHandshakeData = (chunk: Buffer): void => {
    this.head.push(chunk);
    this.headLength += chunk.length;
    const all = this.head.length === 1 ? chunk : Buffer.concat(this.head, this.headLength);
    const end = all.indexOf('\r\n\r\n');
    if (end === -1) {
      if (this.headLength > WS_DEFAULTS.maxHeaderBytes) this.fail(new Error('Handshake response too large'));
      else this.head = [all];
      return;
    }
    this.head = [];
    let deflate: PerMessageDeflate | null = null;
    try {
      const res = parseResponseHead(all.subarray(0, end).toString('latin1'));
      const hint = res.status === 503 ? retryAfterMs(res.headers.get('retry-after'), Date.now()) : undefined;
      if (hint !== undefined && hint > 0) {
        this.fail(new Error(`Server busy (503), retry after ${hint} ms`), CloseCode.TryAgainLater, 'Server busy', hint);
        return;
      }
      verifyUpgradeResponse(res, this.key);
      const ext = res.headers.get('sec-websocket-extensions');
      if (ext !== undefined) {
        if (this.offer === null) throw new Error('Server sent an extension that was not offered');
        const params = acceptClientResponse(parseExtensions(ext), this.settings.deflate ?? {});
        deflate = new PerMessageDeflate(params, false, this.dial.maxPayloadSize, this.settings.deflate ?? {});
      }
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    this.opened(deflate, all.subarray(end + 4));
  };

  private opened(deflate: PerMessageDeflate | null, rest: Buffer): void {
    const socket = this.socket;
    this.clearTimer();
    socket.removeListener('data', this.onHandshakeData);
    socket.removeListener('error', this.onHandshakeError);
    socket.removeListener('close', this.onHandshakeClose);
    this.state = OPEN;
    const conn = new WsConnection(socket, {
      isServer: false,
      maxPayloadSize: this.dial.maxPayloadSize,
      maxFrameSize: this.dial.maxFrameSize,
      maxFragments: this.settings.maxFragments ?? CLIENT_MAX_FRAGMENTS,
      closeTimer: this.closeTimer,
      maxBufferedBytes: this.settings.maxBufferedBytes ?? WS_DEFAULTS.maxBufferedBytes,
      deflate,
      remoteAddress: socket.remoteAddress ?? '',
      request: null,
    });
    this.conn = conn;
    conn.setHandler(this);
    this.handler.onOpen();
    const pending = this.pending;
    this.pending = [];
    for (const m of pending) conn.send(m);
    conn.start(rest);
  }

  private readonly onHandshakeError = (err: Error): void => {
    this.fail(err);
  };

  private readonly onHandshakeClose = (): void => {
    this.fail(new Error('Socket closed before the WebSocket handshake completed'));
  };

  /** @internal the connect timeout fired (module-level {@link handshakeTimedOut}). */
  handshakeTimedOut(): void {
    this.timer = null;
    const err = new StelarError(StelarErrorCode.ConnectTimeout, `WebSocket opening handshake timed out: no answer within ${this.connectTimeout} ms`, CloseCode.Abnormal);
    this.fail(err);
  }

  private clearTimer(): void {
    this.timer = clearTimer(this.settings.clock, this.timer);
  }

  /** Ends a failed attempt: onError (if any), then onClose exactly once. */
  private fail(err: Error | null, code: number = CloseCode.Abnormal, reason = '', retryAfter?: number): void {
    if (this.state === DONE) return;
    this.state = DONE;
    this.clearTimer();
    this.pending = [];
    this.socket.removeListener('data', this.onHandshakeData);
    this.socket.removeListener('close', this.onHandshakeClose);
    this.socket.removeListener('error', this.onHandshakeError);
    this.socket.on('error', noop);
    this.socket.destroy();
    if (err !== null) this.handler.onError(err);
    this.handler.onClose(code, reason, retryAfter);
  }

  // ---- ConnectionHandler (the established connection reports here) ---------------------------

  /** @internal */
  onMessage(_conn: Connection, payload: Uint8Array, binary: boolean): void {
    this.handler.onMessage(payload, binary);
  }

  /** @internal */
  onProtocolError(_conn: Connection, err: ProtocolError): void {
    this.handler.onError(err);
  }

  /** @internal */
  onClose(_conn: Connection, code: number, reason: string): void {
    if (this.state === DONE) return;
    this.state = DONE;
    this.handler.onClose(code, reason);
  }
}

function noop(): void {}

function handshakeTimedOut(attempt: WsClientTransport): void {
  attempt.handshakeTimedOut();
}
