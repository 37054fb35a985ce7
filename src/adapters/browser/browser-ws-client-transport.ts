import { WS_PROTOCOL, WS_SCHEME_ALIASES } from '../websocket/ws.protocol';
import type {
  ClientDialOptions,
  ClientTransport,
  ClientTransportFactory,
  ClientTransportHandler,
} from '../../ports/client-transport.port';
import type { OutboundMessage } from '../../ports/connection.port';
import { MessageType } from '../../domain/message';
import { NEW_SESSION_OFFER, SESSION_HEADER } from '../../domain/recovery/resume-offer';
import { withSessionSignal } from '../websocket/ws-session-signal';

/** The subset of the DOM WebSocket this adapter uses (also met by the `ws` package in tests). */
interface NativeWebSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
}

type WebSocketCtor = new (url: string) => NativeWebSocket;

const OPEN = 1;
const CLOSED = 3;

// Browsers only let scripts close with 1000 or 3000-4999 (WHATWG WebSockets, close() step 1);
// anything else throws InvalidAccessError, so other codes are mapped to 1000.
function closableCode(code: number): number {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
}

/** One native WebSocket connection. */
class BrowserWsClientTransport implements ClientTransport {
  private closed = false;
  // Text messages arrive as strings but the codec decodes bytes (one UTF-8 encode per message).
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly ws: NativeWebSocket,
    private readonly handler: ClientTransportHandler,
    /** The Connect hello carrying the resume offer, sent first thing on open; or null. */
    hello: OutboundMessage | null,
  ) {
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (hello !== null) this.send(hello);
      handler.onOpen();
    };
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onerror = () => {
      // The DOM error event carries no detail by design (WHATWG: no information leak).
      if (!this.closed) handler.onError(new Error('WebSocket error'));
    };
    ws.onclose = (ev) => this.finish(ev.code, ev.reason);
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(message: OutboundMessage): void {
    if (this.closed || this.ws.readyState !== OPEN) return;
    // Text messages must go out as strings to become text frames.
    this.ws.send(message.binary ? message.payload : this.decoder.decode(message.payload));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    try {
      if (this.ws.readyState !== CLOSED) this.ws.close(closableCode(code), reason.slice(0, 123));
    } catch {
      // already closing
    }
    // Report the close now: the caller moves on and the browser's close event may come late.
    this.finish(code, reason);
  }

  private onMessage(data: unknown): void {
    if (this.closed) return;
    if (typeof data === 'string') this.handler.onMessage(this.encoder.encode(data), false);
    else if (Object.prototype.toString.call(data) === '[object ArrayBuffer]') this.handler.onMessage(new Uint8Array(data as ArrayBuffer), true);
    else if (ArrayBuffer.isView(data)) this.handler.onMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), true);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const ws = this.ws;
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    this.handler.onClose(code, reason);
  }
}

/**
 * Dials with the platform's global `WebSocket` (browsers, Deno, Node 22+), binaryType
 * 'arraybuffer'. Headers, TLS options and frame limits are the browser's business: it has no
 * API for them. The one header it does carry is the session recovery offer, moved to the URL
 * signal and the first message (see connect()).
 */
export class BrowserWsClientTransportFactory implements ClientTransportFactory {
  readonly protocol = WS_PROTOCOL;
  readonly schemes = ['ws', 'wss'] as const;
  /** Page-style URLs: `http://` dials `ws://`, `https://` dials `wss://`. */
  readonly schemeAliases = WS_SCHEME_ALIASES;
  /** `host:port/chat` keeps `/chat` (namespaces). */
  readonly keepsPath = true;
  /** A WebSocket ping frame is answered by the transport; a Ping message by the client. */
  readonly answersPing = false;

  /** @param ctor the WebSocket constructor; the global one by default. */
  constructor(private readonly ctor?: WebSocketCtor) {}

  connect(options: ClientDialOptions, handler: ClientTransportHandler): ClientTransport {
    const Ctor = this.ctor ?? (globalThis as unknown as { WebSocket?: WebSocketCtor }).WebSocket;
    if (!Ctor) throw new Error('no global WebSocket in this environment');
    // Session recovery without headers (docs/PROTOCOL.md): the URL says only whether a session
    // is wanted or an offer follows; the offer itself (the token) goes in the first message.
    const offer = options.headers[SESSION_HEADER];
    let url = options.url;
    let hello: OutboundMessage | null = null;
    if (offer === NEW_SESSION_OFFER) url = withSessionSignal(url, 'new');
    else if (offer !== undefined && options.codec !== undefined) {
      url = withSessionSignal(url, 'hello');
      hello = options.codec.encode({ type: MessageType.Connect, clientId: '', maxPayloadSize: 0, heartbeatInterval: 0, version: 1, sessionOffer: offer });
    }
    return new BrowserWsClientTransport(new Ctor(url), handler, hello);
  }
}
