import { ContainerModule } from 'inversify';
import { TOKENS } from '../../ports';
import type { Clock } from '../../ports/clock.port';
import type { Logger } from '../../ports/logger.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { ConnectionAcceptor, Transport } from '../../ports/transport.port';
import { accepting } from '../transport-plugin';
import { TcpBinaryCodec } from '../codec/tcp-binary.codec';
import { TcpServerTransport, type TcpServerTransportOptions } from './tcp-server-transport';

/** The TCP plug-in's own tokens (rebind `Codec` to change what its connections and the domain use). */
export const TCP_TOKENS = {
  Codec: Symbol.for('stelar.TcpCodec'),
} as const;

/** The listener's options, without what the container injects. */
export type TcpTransportOptions = Omit<TcpServerTransportOptions, 'codec' | 'logger' | 'clock'>;

/**
 * The binary TCP transport plug-in (net/tls): one container module that binds its codec
 * (`TCP_TOKENS.Codec`, also registered under `TOKENS.MessageCodec`) and, unless `options` is
 * null (no `tcpPort`), its listener under `TOKENS.Transport` with that codec, the logger and the
 * clock (`TOKENS.Clock`: hello deadlines and close timers) injected. The codec stays registered without a listener, so `tcpConnections` is still counted.
 */
export function tcpTransport(options: TcpTransportOptions | null): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<MessageCodec>(TCP_TOKENS.Codec).toResolvedValue(() => new TcpBinaryCodec()).inSingletonScope();
    bind<MessageCodec>(TOKENS.MessageCodec).toService(TCP_TOKENS.Codec);
    if (options === null) return;
    bind<Transport>(TOKENS.Transport)
      .toResolvedValue(
        (acceptor: ConnectionAcceptor, codec: MessageCodec, logger: Logger, clock: Clock) =>
          accepting(new TcpServerTransport({ ...options, codec, logger, clock }), acceptor),
        [TOKENS.ConnectionAcceptor, TCP_TOKENS.Codec, TOKENS.Logger, TOKENS.Clock],
      )
      .inSingletonScope();
  });
}
