/**
 * Node entry of the client: StelarClient over our own RFC 6455 client (`ws://`, `wss://`) and,
 * in `mode: 'tcp'`, the binary TCP protocol (plain or TLS), and in `mode: 'memory'` the
 * in-process transport (`memory://name`, no sockets). The lead re-exports it from
 * src/index.ts.
 */
import { BaseStelarClient, type StelarClientDeps } from './application/client/stelar-client';
import type { StelarClientOptions } from './application/client/client-options';
import type { DefaultEventsMap, EventsMap } from './application/event-map.types';
import { GlobalTimersClock } from './adapters/browser/global-timers-clock.adapter';
import { WsJsonCodec } from './adapters/codec/ws-json.codec';
import { TcpBinaryCodec } from './adapters/codec/tcp-binary.codec';
import { WsClientTransportFactory } from './adapters/websocket/ws-client-transport';
import { TcpClientTransportFactory } from './adapters/tcp/tcp-client-transport';
import { InProcessClientTransportFactory } from './adapters/memory/in-process-client.transport';
import { InProcessCodec } from './adapters/memory/in-process.codec';
import { WS_PROTOCOL } from './adapters/websocket/ws.protocol';
import { TCP_PROTOCOL } from './adapters/tcp/tcp.protocol';
import { MEMORY_PROTOCOL } from './adapters/memory/in-process.protocol';

let shared: StelarClientDeps | null = null;

// Received bytes are handed to listeners as Buffer views (no copy), as in the 2.x/3.x client.
function asBuffer(bytes: Uint8Array): Uint8Array {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function nodeDeps(): StelarClientDeps {
  shared ??= {
    transports: {
      [WS_PROTOCOL]: new WsClientTransportFactory(),
      [TCP_PROTOCOL]: new TcpClientTransportFactory(),
      [MEMORY_PROTOCOL]: new InProcessClientTransportFactory(),
    },
    codecs: { [WS_PROTOCOL]: new WsJsonCodec(), [TCP_PROTOCOL]: new TcpBinaryCodec(), [MEMORY_PROTOCOL]: new InProcessCodec() },
    // Not unref'd on purpose: a client waiting to reconnect must keep the process alive (like
    // socket.io-client); disconnect() clears every timer, so nothing outlives the client.
    clock: new GlobalTimersClock(false),
    wrapBinary: asBuffer,
  };
  return shared;
}

/**
 * The Stelar client for Node: `new StelarClient(3000)`, `'host:port'` (WebSocket, or TCP with
 * `mode: 'tcp'`), `ws://`/`wss://` URLs with a path. See the README for options and events.
 */
export class StelarClient<Listen extends EventsMap = DefaultEventsMap, Emit extends EventsMap = DefaultEventsMap> extends BaseStelarClient<
  Listen,
  Emit
> {
  constructor(target: string | number, options: StelarClientOptions = {}) {
    super(target, options, nodeDeps());
  }
}

export { BaseStelarClient } from './application/client/stelar-client';
export type { StelarClientDeps, DisconnectInfo, RequestAnswer, ClientReservedEvents, ClientListener, ClientEventNames } from './application/client/stelar-client';
export type * from './application/event-map.types';
export type { StelarClientOptions, StelarClientHooks, ResolvedClientOptions, TlsPem } from './application/client/client-options';
export type { ClientState, StateChange } from './domain/client/client-state.machine';
export type { BinaryData, FileInput, BlobLike } from './application/client/binary-input';
