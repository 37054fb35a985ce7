import type { ClusterStateProvider } from '../../src/ports/cluster-bus.port';

/** A ClusterStateProvider over a hand-filled client → rooms table. */
export class FakeClusterStateProvider implements ClusterStateProvider {
  readonly clients = new Map<string, Set<string>>();
  stats: Record<string, number> = {};
  /** When set, every answer throws (a broken node). */
  failWith: Error | undefined;

  constructor(clients: Record<string, string[]> = {}) {
    for (const [id, rooms] of Object.entries(clients)) this.clients.set(id, new Set(rooms));
  }

  add(id: string, rooms: string[] = []): this {
    this.clients.set(id, new Set(rooms));
    return this;
  }

  localRooms(): string[] {
    this.check();
    const rooms = new Set<string>();
    for (const r of this.clients.values()) for (const room of r) rooms.add(room);
    return [...rooms];
  }

  localRoomMembers(room: string): string[] {
    this.check();
    return [...this.clients].filter(([, r]) => r.has(room)).map(([id]) => id);
  }

  localClients(room?: string): { id: string; rooms: string[] }[] {
    this.check();
    return [...this.clients]
      .filter(([, r]) => room === undefined || r.has(room))
      .map(([id, r]) => ({ id, rooms: [...r] }));
  }

  localStats(): Record<string, number> {
    this.check();
    return { connections: this.clients.size, ...this.stats };
  }

  hasLocalClient(clientId: string): boolean {
    this.check();
    return this.clients.has(clientId);
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }
}
