import type { ContainerModule } from 'inversify';
import { webSocketTransport } from '../../adapters/websocket/ws.module';
import { tcpTransport } from '../../adapters/tcp/tcp.module';
import type { ResolvedOptions } from './server-options';

/**
 * The transport plug-ins a server gets when `StelarServer.create(options, { transports })` does
 * not name its own: WebSocket on `port` (or `server`), and TCP on `tcpPort` (the TCP codec is
 * registered without a listener when `tcpPort` is false). The server options each plug-in reads
 * are mapped here and nowhere else.
 */
export function builtInTransports(o: ResolvedOptions): ContainerModule[] {
  return [
    webSocketTransport({
      port: o.port,
      host: o.host,
      server: o.server,
      httpParser: o.httpParser,
      path: o.namespace,
      tls: o.tls,
      maxPayloadSize: o.maxPayloadSize,
      maxFrameSize: o.maxFrameSize,
      compression: o.compression,
      connectTimeout: o.connectTimeout,
      trustProxy: o.trustProxy,
      maxBufferedBytes: o.maxBufferedBytes,
      ...storm(o),
    }),
    tcpTransport(
      o.tcpPort === false
        ? null
        : {
            port: o.tcpPort,
            host: o.host,
            tls: o.tls ?? null,
            maxFrameSize: o.maxFrameSize,
            maxPayloadSize: o.maxPayloadSize,
            connectTimeout: o.connectTimeout,
            maxBufferedBytes: o.maxBufferedBytes,
            ...storm(o),
          },
    ),
  ];
}

/** The storm-guard options both socket listeners take (handshake-admission.ts, listen backlog). */
function storm(o: ResolvedOptions): Pick<ResolvedOptions, 'listenBacklog' | 'maxPendingHandshakes' | 'shedLagMs' | 'shedRetryAfter'> {
  return {
    listenBacklog: o.listenBacklog,
    maxPendingHandshakes: o.maxPendingHandshakes,
    shedLagMs: o.shedLagMs,
    shedRetryAfter: o.shedRetryAfter,
  };
}
