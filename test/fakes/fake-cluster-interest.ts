import type { ClusterInterest } from '../../src/ports/cluster-bus.port';

/**
 * A ClusterInterest that records what the domain reports and lets the test decide when a room
 * is "subscribed": `ready(room)` stays pending until `subscribe(room)`.
 */
export class FakeClusterInterest implements ClusterInterest {
  readonly events: string[] = [];
  private readonly pending = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  private readonly subscribed = new Set<string>();

  roomOpened(room: string): void {
    this.events.push(`open ${room}`);
  }
  roomClosed(room: string): void {
    this.events.push(`close ${room}`);
    this.subscribed.delete(room);
  }
  roomReady(room: string): PromiseLike<void> | undefined {
    if (this.subscribed.has(room)) return undefined;
    let p = this.pending.get(room);
    if (p === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.pending.set(room, (p = { promise, resolve }));
    }
    return p.promise;
  }
  clientAdded(id: string): void {
    this.events.push(`add ${id}`);
  }
  clientRemoved(id: string): void {
    this.events.push(`remove ${id}`);
  }
  /** The room's subscription is acknowledged: waiting joins are confirmed. */
  subscribe(room: string): void {
    this.subscribed.add(room);
    this.pending.get(room)?.resolve();
    this.pending.delete(room);
  }
}
