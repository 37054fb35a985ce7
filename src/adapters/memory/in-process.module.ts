import { ContainerModule } from 'inversify';
import { TOKENS } from '../../ports';
import type { Logger } from '../../ports/logger.port';
import type { MessageCodec } from '../../ports/message-codec.port';
import type { ConnectionAcceptor, Transport } from '../../ports/transport.port';
import { accepting } from '../transport-plugin';
import { InProcessCodec } from './in-process.codec';
import { InProcessServerTransport, type InProcessServerTransportOptions } from './in-process-server.transport';

/** The in-process plug-in's own tokens. */
export const MEMORY_TOKENS = {
  Codec: Symbol.for('stelar.MemoryCodec'),
} as const;

/** The listener's options, without what the container injects. */
export type InProcessTransportOptions = Omit<InProcessServerTransportOptions, 'codec' | 'logger'>;

/**
 * The in-process transport plug-in: one container module binding its codec
 * (`MEMORY_TOKENS.Codec`, also under `TOKENS.MessageCodec`) and its listener (under
 * `TOKENS.Transport`, with that codec and the logger injected).
 * `StelarServer.create(options, { transports: [inProcessTransport({ name: 'app' })] })` runs a
 * real server without sockets; clients dial `memory://app` with `mode: 'memory'`.
 */
export function inProcessTransport(options: InProcessTransportOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<MessageCodec>(MEMORY_TOKENS.Codec).toResolvedValue(() => new InProcessCodec()).inSingletonScope();
    bind<MessageCodec>(TOKENS.MessageCodec).toService(MEMORY_TOKENS.Codec);
    bind<Transport>(TOKENS.Transport)
      .toResolvedValue(
        (acceptor: ConnectionAcceptor, codec: MessageCodec, logger: Logger) =>
          accepting(new InProcessServerTransport({ ...options, codec, logger }), acceptor),
        [TOKENS.ConnectionAcceptor, MEMORY_TOKENS.Codec, TOKENS.Logger],
      )
      .inSingletonScope();
  });
}
