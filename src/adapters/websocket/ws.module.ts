import { ContainerModule } from 'inversify';
import { TOKENS } from '../../ports';
import type { Clock } from '../../ports/clock.port';
import type { HttpFallback } from '../../ports/http-fallback.port';
import type { Logger } from '../../ports/logger.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { ConnectionAcceptor, Transport } from '../../ports/transport.port';
import { accepting } from '../transport-plugin';
import { WsJsonCodec } from '../codec/ws-json.codec';
import { WsServerTransport, type WsServerTransportOptions } from './ws-server-transport';

/** The WebSocket plug-in's own tokens (rebind `Codec` to change what it and the domain use). */
export const WS_TOKENS = {
  Codec: Symbol.for('stelar.WsCodec'),
} as const;

/** The listener's options, without what the container injects. */
export type WebSocketTransportOptions = Omit<WsServerTransportOptions, 'httpHandler' | 'logger' | 'clock'>;

/**
 * The WebSocket transport plug-in (RFC 6455 over http/https): one container module that binds
 * its codec (`WS_TOKENS.Codec`, also registered under `TOKENS.MessageCodec`) and, unless
 * `options` is null, its listener under `TOKENS.Transport`, with the `TOKENS.Logger` and the
 * `TOKENS.Clock` (handshake deadlines, close timers) injected and plain HTTP requests answered through the injected `TOKENS.HttpFallback` (the health route).
 */
export function webSocketTransport(options: WebSocketTransportOptions | null): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<MessageCodec>(WS_TOKENS.Codec).toResolvedValue(() => new WsJsonCodec()).inSingletonScope();
    bind<MessageCodec>(TOKENS.MessageCodec).toService(WS_TOKENS.Codec);
    if (options === null) return;
    bind<Transport>(TOKENS.Transport)
      .toResolvedValue(
        (acceptor: ConnectionAcceptor, logger: Logger, clock: Clock, http: HttpFallback | undefined) =>
          accepting(
            new WsServerTransport({
              ...options,
              logger,
              clock,
              httpHandler: http === undefined ? undefined : (req, res) => http.handle(req, res),
            }),
            acceptor,
          ),
        [TOKENS.ConnectionAcceptor, TOKENS.Logger, TOKENS.Clock, { serviceIdentifier: TOKENS.HttpFallback, optional: true }],
      )
      .inSingletonScope();
  });
}
