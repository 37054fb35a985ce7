import type * as http from 'node:http';
import type * as https from 'node:https';
import type { Clock } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import type { OwnPortListener } from '../http/own-port.listener';
import type { PerMessageDeflateOptions } from './permessage-deflate';
import type { HandshakeAdmissionOptions } from '../socket/handshake-admission';

/** Options of {@link WsServerTransport}. Every field is optional. */
export interface WsServerTransportOptions extends HandshakeAdmissionOptions {
  /** Listen backlog of the server Stelar creates (the kernel caps it at net.core.somaxconn). Default 4096. */
  readonly listenBacklog?: number;
  /** Port for the server Stelar creates (ignored with `server` unless it is not listening). 0 = ephemeral. Default 0. */
  readonly port?: number;
  /** Bind address for the server Stelar creates. Default: all interfaces. */
  readonly host?: string;
  /**
   * Attach to the user's http/https server instead of listening on a port of Stelar's own (or
   * to another transport's own-port listener: the dashboard's namespace).
   */
  readonly server?: http.Server | https.Server | OwnPortListener;
  /** The namespace path this transport serves. Default '/'. */
  readonly path?: string;
  /**
   * Who reads the HTTP request heads on a port Stelar owns (no `server`): `'stelar'` (default)
   * a raw net/tls server with Stelar's strict HTTP/1.1 head parser ({@link OwnPortListener});
   * `'node'` Node's http/https server, as with a user's server. Ignored with `server`.
   */
  readonly httpParser?: 'stelar' | 'node';
  /** TLS options: Stelar creates an https server (wss://). */
  readonly tls?: https.ServerOptions;
  /** Largest message (after reassembly and inflation). Default 10 MiB. */
  readonly maxPayloadSize?: number;
  /** Largest single frame. Default: maxPayloadSize. */
  readonly maxFrameSize?: number;
  /** Most frames per message. Default 1024. */
  readonly maxFragments?: number;
  /** permessage-deflate (RFC 7692). Default false. */
  readonly compression?: boolean | PerMessageDeflateOptions;
  /** ms a socket may take to complete the upgrade (slowloris guard). Default 10000. */
  readonly connectTimeout?: number;
  /** ms to wait for the peer during the close handshake. Default 5000. */
  readonly closeTimeout?: number;
  /** Take the client address from X-Forwarded-For's first hop. Default false. */
  readonly trustProxy?: boolean;
  /** send() returns false, and reading pauses, above this many buffered bytes. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Plain HTTP requests (e.g. the health endpoint): return true when handled. */
  readonly httpHandler?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /**
   * Where errors of a server this transport started are reported after listen() (e.g. EMFILE
   * on accept), instead of an unhandled 'error' event (injected: `TOKENS.Logger`).
   */
  readonly logger?: Logger;
  /**
   * The clock of the handshake deadlines and close timers (injected: `TOKENS.Clock`). Default:
   * the system clock; every timer unref'd.
   */
  readonly clock?: Clock;
}
