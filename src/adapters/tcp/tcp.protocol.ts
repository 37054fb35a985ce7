/**
 * The binary TCP transport's protocol id (`ctx.protocol`, hook payloads, `mode: 'tcp'`,
 * `tcpConnections` in stats), registered in the ports' {@link KnownProtocols}. Pure: imported by
 * the codec and the browser bundle too.
 */
export const TCP_PROTOCOL = 'tcp';

declare module '../../ports/connection.port' {
  interface KnownProtocols {
    tcp: true;
  }
}
