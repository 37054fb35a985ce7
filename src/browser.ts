/**
 * Browser entry of stelar-time-real (`stelar-time-real/browser`, bundled by esbuild into
 * dist/browser/stelar-client.mjs): the StelarClient over the native WebSocket. Nothing in this
 * import graph may touch a Node built-in (test/unit/client/browser-entry.test.ts checks it).
 */
import { BaseStelarClient, type StelarClientDeps } from './application/client/stelar-client';
import type { StelarClientOptions } from './application/client/client-options';
import type { DefaultEventsMap, EventsMap } from './application/event-map.types';
import { BrowserWsClientTransportFactory } from './adapters/browser/browser-ws-client-transport';
import { GlobalTimersClock } from './adapters/browser/global-timers-clock.adapter';
import { WsJsonCodec } from './adapters/codec/ws-json.codec';
import { WS_PROTOCOL } from './adapters/websocket/ws.protocol';
import { TCP_PROTOCOL } from './adapters/tcp/tcp.protocol';

let shared: StelarClientDeps | null = null;

// Stateless pieces, shared by every client of the page.
function browserDeps(): StelarClientDeps {
  shared ??= {
    transports: { [WS_PROTOCOL]: new BrowserWsClientTransportFactory() },
    codecs: { [WS_PROTOCOL]: new WsJsonCodec() },
    // TCP is a known mode without a transport here (no raw sockets): dialing reports it.
    modes: [WS_PROTOCOL, TCP_PROTOCOL],
    clock: new GlobalTimersClock(false),
  };
  return shared;
}

/**
 * The Stelar client for browsers: `new StelarClient(3000)`, `'host:port'`, or a `ws://`/`wss://`
 * URL. WebSocket mode only (`mode: 'tcp'` reports an error on connect: browsers have no raw
 * sockets); `headers` cannot be set by browsers and are ignored.
 */
export class StelarClient<Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = DefaultEventsMap> extends BaseStelarClient<
  Listen,
  Emit
> {
  constructor(target: string | number, options: StelarClientOptions = {}) {
    super(target, options, browserDeps());
  }
}

export default StelarClient;
export { BaseStelarClient } from './application/client/stelar-client';
export type { StelarClientDeps, DisconnectInfo, RequestAnswer, ClientReservedEvents, ClientListener, ClientEventNames } from './application/client/stelar-client';
export type * from './application/event-map.types';
export type { StelarClientOptions, StelarClientHooks, ResolvedClientOptions, TlsPem } from './application/client/client-options';
export type { ClientState, StateChange } from './domain/client/client-state.machine';
export type { BinaryData, FileInput, BlobLike } from './application/client/binary-input';
export { StelarError, StelarErrorCode, CloseCode } from './domain/errors';
export { MessageType } from './domain/message';
export { WS_PROTOCOL, TCP_PROTOCOL };
