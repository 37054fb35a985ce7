/**
 * The in-process transport's protocol id (`ctx.protocol === 'memory'`, `mode: 'memory'`,
 * `memory://name` targets, `memoryConnections` in stats), registered in the ports'
 * {@link KnownProtocols}.
 */
export const MEMORY_PROTOCOL = 'memory';

declare module '../../ports/connection.port' {
  interface KnownProtocols {
    memory: true;
  }
}
