import type { ConnectionService } from '../../domain/connection.service';
import type { StelarContext, StelarStats } from './server-types';
import type { Uptime } from './uptime';

/**
 * `server.getStats()`: the domain's counters, the server's uptime and the process memory. Every
 * `<protocol>Connections` field is present: the built-in ones as 0 when their transport is not
 * installed (StelarStats declares them), the others for each installed transport.
 */
export class ServerStats {
  constructor(
    private readonly conns: ConnectionService<StelarContext>,
    private readonly uptime: Uptime,
  ) {}

  stats(): StelarStats {
    const stats = { ...this.conns.stats(), uptime: this.uptime.ms(), memoryUsage: process.memoryUsage() } as StelarStats;
    stats.wsConnections ??= 0;
    stats.tcpConnections ??= 0;
    return stats;
  }

  /** The numbers only (what other nodes sum in `getClusterStats`). */
  numbers(): Record<string, number> {
    const { memoryUsage: _m, ...numbers } = this.stats();
    return numbers;
  }
}
