import type { ConnectionAcceptor, Transport } from '../ports/transport.port';

/**
 * What every transport plug-in's container module does with its listener: hands it the injected
 * acceptor (`TOKENS.ConnectionAcceptor`, the domain's connection service) before anyone uses it.
 */
export function accepting<T extends Transport>(transport: T, acceptor: ConnectionAcceptor): T {
  transport.setAcceptor(acceptor);
  return transport;
}
