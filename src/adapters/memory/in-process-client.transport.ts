import type {
  ClientDialOptions,
  ClientTransport,
  ClientTransportFactory,
  ClientTransportHandler,
} from '../../ports/client-transport.port';
import type { OutboundMessage } from '../../ports/connection.port';
import { CloseCode } from '../../domain/errors';
import { IN_PROCESS_NETWORK, type InProcessNetwork } from './in-process.network';
import { MEMORY_PROTOCOL } from './in-process.protocol';

/** Options of the in-process dialer. */
export interface InProcessClientTransportOptions {
  /** Where servers are looked up. Default: the process-wide network. */
  readonly network?: InProcessNetwork;
  /** The address the server sees (`ctx.remoteAddress`, per-IP limits). Default '127.0.0.1'. */
  readonly remoteAddress?: string;
}

/** `memory://name` (or `memory://name/`) → `name`. */
export function inProcessName(url: string): string {
  const rest = url.replace(/^memory:\/\//i, '');
  return rest.endsWith('/') ? rest.slice(0, -1) : rest;
}

/**
 * The client side of the in-process transport (`mode: 'memory'`, target `memory://name`): dials
 * the server listening on `name` in this process. Headers travel as the handshake headers
 * (`ctx.headers`). No server on that name fails like a refused TCP connect: onError, then
 * onClose(1006) on the next turn.
 */
export class InProcessClientTransportFactory implements ClientTransportFactory {
  readonly protocol = MEMORY_PROTOCOL;
  readonly schemes = ['memory', 'memory'] as const;
  readonly keepsPath = false;
  /** The server's Ping messages are answered by the client (transport-level pings by the link). */
  readonly answersPing = false;

  constructor(private readonly options: InProcessClientTransportOptions = {}) {}

  connect(dial: ClientDialOptions, handler: ClientTransportHandler): ClientTransport {
    const name = inProcessName(dial.url);
    const server = (this.options.network ?? IN_PROCESS_NETWORK).lookup(name);
    if (server === undefined || !server.isListening) {
      setImmediate(refused, handler, name);
      return NO_LINK;
    }
    return server.dial(dial.headers, this.options.remoteAddress ?? '127.0.0.1', handler);
  }
}

function refused(handler: ClientTransportHandler, name: string): void {
  const message = `connect ECONNREFUSED: no in-process server listens on "${name}"`;
  handler.onError(Object.assign(new Error(message), { code: 'ECONNREFUSED' }));
  handler.onClose(CloseCode.Abnormal, message);
}

/** The transport of an attempt that never connected. */
const NO_LINK: ClientTransport = Object.freeze({
  bufferedAmount: 0,
  send(_message: OutboundMessage): void {},
  close(_code: number, _reason: string): void {},
});
