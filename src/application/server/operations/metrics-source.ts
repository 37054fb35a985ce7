import type { ClusterBus } from '../../../ports/cluster-bus.port';
import type { ConnectionGauge, MetricsSource } from '../../../ports/metrics.port';
import type { ClientRegistry } from '../../../domain/client-registry.service';
import type { RoomRegistry } from '../../../domain/room-registry.service';
import type { ServerCounters } from '../../../domain/metrics/server-counters';
import type { BucketHistogram } from '../../../domain/metrics/bucket-histogram';

/** What a server's metrics are read from (assembled by StelarServer). */
export interface MetricsSourceParts {
  readonly namespace: string;
  readonly counters: ServerCounters;
  readonly eventLoopLag: BucketHistogram;
  readonly clients: ClientRegistry;
  readonly rooms: RoomRegistry;
  readonly bus: ClusterBus;
  admitting(): number;
}

/** The {@link MetricsSource} of one server: gauges computed when read (scrape or dashboard tick). */
export class ServerMetricsSource implements MetricsSource {
  readonly namespace: string;
  readonly counters: ServerCounters;
  readonly eventLoopLag: BucketHistogram;

  constructor(private readonly p: MetricsSourceParts) {
    this.namespace = p.namespace;
    this.counters = p.counters;
    this.eventLoopLag = p.eventLoopLag;
  }

  connections(): ConnectionGauge[] {
    const out: ConnectionGauge[] = [];
    for (const t of this.counters.protocols()) out.push({ protocol: t.protocol, count: this.p.clients.count(t.protocol) });
    return out;
  }

  admitting(): number {
    return this.p.admitting();
  }

  rooms(): number {
    return this.p.rooms.size;
  }

  roomMembers(): number {
    return this.p.rooms.memberCount;
  }

  /** O(clients): read at scrape time only. */
  sendBufferBytes(): number {
    let n = 0;
    for (const r of this.p.clients.values()) n += r.conn.bufferedAmount;
    return n;
  }

  cluster() {
    return this.p.bus.clustered ? this.p.bus.counters : undefined;
  }
}
