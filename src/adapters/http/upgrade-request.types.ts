import type { Socket } from 'node:net';

/**
 * What the WebSocket handshake reads of an upgrade request, whichever parser produced it: Node's
 * `IncomingMessage` (a server attached with the `server` option) or the own-port listener's
 * {@link HttpRequestHeadParser} head (a server Stelar listens on itself). Both have exactly these
 * fields with the same meaning (lower-case `headers` combined as Node does, `rawHeaders` as
 * received).
 */
export interface UpgradeRequest {
  readonly method?: string;
  readonly url?: string;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawHeaders: readonly string[];
  readonly socket: Socket;
}
