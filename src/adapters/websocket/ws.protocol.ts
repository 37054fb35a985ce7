/**
 * The WebSocket transport's protocol id (`ctx.protocol`, hook payloads, `mode`, `wsConnections`
 * in stats), registered in the ports' {@link KnownProtocols} so it is typed where it is used.
 * Pure: imported by the codec and the browser bundle too.
 */
export const WS_PROTOCOL = 'ws';

/** Page-style URLs a WebSocket client accepts: `http://` dials `ws://`, `https://` `wss://`. */
export const WS_SCHEME_ALIASES: Readonly<Record<string, string>> = Object.freeze({ http: 'ws', https: 'wss' });

declare module '../../ports/connection.port' {
  interface KnownProtocols {
    ws: true;
  }
}
