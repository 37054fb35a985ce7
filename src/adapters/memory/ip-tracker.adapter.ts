import type { IIPTracker } from '../../ports/ip-tracker.port';

/**
 * In-memory per-IP connection counter: allows at most `maxPerIp` simultaneous connections per
 * address. Counts are deleted as soon as they reach zero, so the map only holds connected IPs.
 */
export class MemoryIPTracker implements IIPTracker {
  private readonly counts = new Map<string, number>();
  private max: number;

  constructor(maxPerIp: number) {
    this.max = MemoryIPTracker.validate(maxPerIp);
  }

  /** The current cap (changeable live with {@link setMaxPerIp}). */
  get maxPerIp(): number {
    return this.max;
  }

  setMaxPerIp(maxPerIp: number): void {
    this.max = MemoryIPTracker.validate(maxPerIp);
  }

  check(ip: string): boolean {
    return (this.counts.get(ip) ?? 0) < this.max;
  }

  add(ip: string): void {
    this.counts.set(ip, (this.counts.get(ip) ?? 0) + 1);
  }

  remove(ip: string): void {
    const n = (this.counts.get(ip) ?? 0) - 1;
    if (n <= 0) this.counts.delete(ip);
    else this.counts.set(ip, n);
  }

  getCount(ip: string): number {
    return this.counts.get(ip) ?? 0;
  }

  cleanup(): void {
    for (const [ip, n] of this.counts) if (n <= 0) this.counts.delete(ip);
  }

  /** Number of tracked addresses. */
  size(): number {
    return this.counts.size;
  }

  private static validate(maxPerIp: number): number {
    if (!(maxPerIp > 0)) throw new RangeError(`maxPerIp must be positive, got ${maxPerIp}`);
    return maxPerIp;
  }
}
