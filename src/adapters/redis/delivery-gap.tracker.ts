/**
 * Receiver-side loss counting. Each publisher numbers its deliveries per channel (the outbound
 * pipeline writes `seq`); a receiver remembers the last number per (channel, origin) and counts
 * every number it never saw as `missed` — deliveries lost on the way in (a subscriber that was
 * disconnected, frozen or re-attaching after a failover while the publish went through), which
 * the publisher cannot see. The first delivery from an origin on a channel sets the baseline
 * (nothing before a subscription is a loss), and a number at or below the last one means the
 * publisher restarted its numbering (new process with the same node id, or its table was reset):
 * a new baseline, not a gap. Entries go when the room is unsubscribed or the origin node dies.
 */
export class DeliveryGapTracker {
  /** Deliveries never received, summed over every channel and origin. */
  missed = 0;
  private readonly channels = new Map<string, Map<string, number>>();

  /** Records delivery `seq` from `origin` on channel `key`; returns how many it skipped. */
  observe(key: string, origin: string, seq: number): number {
    let origins = this.channels.get(key);
    if (origins === undefined) this.channels.set(key, (origins = new Map()));
    const last = origins.get(origin);
    origins.set(origin, seq);
    if (last === undefined || seq <= last) return 0;
    const gap = seq - last - 1;
    this.missed += gap;
    return gap;
  }

  /** Forgets a channel (unsubscribed: what is published meanwhile is not ours to miss). */
  forgetChannel(key: string): void {
    this.channels.delete(key);
  }

  /** Forgets an origin on every channel (the node died). */
  forgetOrigin(origin: string): void {
    for (const [key, origins] of this.channels) {
      origins.delete(origin);
      if (origins.size === 0) this.channels.delete(key);
    }
  }

  clear(): void {
    this.channels.clear();
  }

  /** Channels tracked now (for tests and stats). */
  get size(): number {
    return this.channels.size;
  }
}
