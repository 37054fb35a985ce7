import type { ClientRecord } from '../../../domain/client-record';
import type { RoomRegistry } from '../../../domain/room-registry.service';
import type { ServerMetricsSource } from './metrics-source';
import type { EventLoopLagSampler } from '../../../adapters/metrics/event-loop-lag.sampler';

/** Totals at one tick, to turn counters into per-second rates. */
interface Totals {
  at: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  acks: number;
  ackCount: number;
  ackSum: number;
}

/** One dashboard tick (sent every second to the dashboard's own clients). */
export interface DashboardTick {
  t: number;
  connections: Record<string, number>;
  total: number;
  rates: { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number; acks: number };
  /** Mean ack latency over the last second, in ms (bucket p99 since start in `ackP99Ms`). */
  ackLatencyMs: number;
  ackP99Ms: number;
  rooms: number;
  roomMembers: number;
  largestRooms: { room: string; members: number }[];
  memory: { rss: number; heapUsed: number; heapTotal: number };
  eventLoopLagMs: number;
  totals: { opened: number; closed: number; refused: number; slowConsumers: number; rateLimited: number; invalid: number };
  uptimeMs: number;
}

/** Largest rooms shown. */
export const LARGEST_ROOMS = 10;

function sumMap(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

/** Computes ticks from the live counters; keeps the previous totals for the rates. */
export class DashboardSnapshots {
  private prev: Totals | null = null;

  constructor(
    private readonly source: ServerMetricsSource,
    private readonly rooms: RoomRegistry,
    private readonly sampler: EventLoopLagSampler,
    private readonly startedAt: number,
  ) {}

  private totals(now: number): Totals {
    const c = this.source.counters;
    const d = c.acks.duration;
    return {
      at: now,
      messagesIn: c.total('messagesIn'),
      messagesOut: c.total('messagesOut'),
      bytesIn: c.total('bytesIn'),
      bytesOut: c.total('bytesOut'),
      acks: c.acks.answered + c.acks.errors + c.acks.undelivered,
      ackCount: d.count,
      ackSum: d.sum,
    };
  }

  tick(now = Date.now()): DashboardTick {
    const cur = this.totals(now);
    const prev = this.prev ?? cur;
    this.prev = cur;
    const secs = Math.max(0.001, (cur.at - prev.at) / 1000);
    const rate = (k: keyof Totals) => (cur.at === prev.at ? 0 : Math.round(((cur[k] - prev[k]) / secs) * 10) / 10);
    const connections: Record<string, number> = {};
    let total = 0;
    for (const g of this.source.connections()) {
      connections[g.protocol] = g.count;
      total += g.count;
    }
    const ackN = cur.ackCount - prev.ackCount;
    const c = this.source.counters;
    const mem = process.memoryUsage();
    return {
      t: now,
      connections,
      total,
      rates: { messagesIn: rate('messagesIn'), messagesOut: rate('messagesOut'), bytesIn: rate('bytesIn'), bytesOut: rate('bytesOut'), acks: rate('acks') },
      ackLatencyMs: ackN > 0 ? Math.round(((cur.ackSum - prev.ackSum) / ackN) * 100) / 100 : 0,
      ackP99Ms: c.acks.duration.quantile(0.99),
      rooms: this.rooms.size,
      roomMembers: this.rooms.memberCount,
      largestRooms: this.largestRooms(),
      memory: { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal },
      eventLoopLagMs: Math.round(this.sampler.takeMax() * 100) / 100,
      totals: {
        opened: c.total('connectionsOpened'),
        closed: c.total('connectionsClosed'),
        refused: sumMap(c.refused),
        slowConsumers: c.slowConsumersDropped,
        rateLimited: c.rateLimited,
        invalid: sumMap(c.invalid),
      },
      uptimeMs: now - this.startedAt,
    };
  }

  /** O(rooms) with a small sorted top list (no full sort). */
  private largestRooms(): { room: string; members: number }[] {
    const top: { room: string; members: number }[] = [];
    for (const room of this.rooms.names()) {
      const members = this.rooms.members(room)?.size ?? 0;
      if (top.length === LARGEST_ROOMS && members <= top[top.length - 1].members) continue;
      let i = top.length;
      while (i > 0 && top[i - 1].members < members) i--;
      top.splice(i, 0, { room, members });
      if (top.length > LARGEST_ROOMS) top.pop();
    }
    return top;
  }
}

/** One row of the dashboard's client list. */
export interface DashboardClientRow {
  id: string;
  ip: string;
  protocol: string;
  rooms: string[];
  connectedAt: number;
  bufferedBytes: number;
  messagesIn: number;
  messagesOut: number;
}

/** Most clients listed at once (the search narrows the list). */
export const CLIENT_LIST_LIMIT = 200;

/** Clients whose id, ip or a room contains `query` (case-insensitive), at most `limit`. */
export function listClients(
  clients: Iterable<ClientRecord>,
  query: string,
  limit = CLIENT_LIST_LIMIT,
): { total: number; matched: number; clients: DashboardClientRow[] } {
  const q = query.trim().toLowerCase();
  const out: DashboardClientRow[] = [];
  let total = 0;
  let matched = 0;
  for (const r of clients) {
    total++;
    const info = r.info;
    const rooms = info.roomsIfAny();
    if (q !== '' && !info.id.toLowerCase().includes(q) && !info.remoteAddress.includes(q)) {
      let inRoom = false;
      if (rooms !== null) for (const room of rooms) if (room.toLowerCase().includes(q)) inRoom = true;
      if (!inRoom) continue;
    }
    matched++;
    if (out.length >= limit) continue;
    out.push({
      id: info.id,
      ip: info.remoteAddress,
      protocol: info.protocol,
      rooms: rooms === null ? [] : [...rooms].slice(0, 20),
      connectedAt: info.connectedAt,
      bufferedBytes: r.conn.bufferedAmount,
      messagesIn: info.messagesReceived,
      messagesOut: info.messagesSent,
    });
  }
  return { total, matched, clients: out };
}
