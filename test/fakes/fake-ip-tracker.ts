import type { IIPTracker } from '../../src/ports/ip-tracker.port';

/** Synchronous per-IP tracker with an optional deny list and an async mode. */
export class FakeIPTracker implements IIPTracker {
  readonly counts = new Map<string, number>();
  readonly calls: string[] = [];
  readonly denied = new Set<string>();
  cleanups = 0;

  constructor(
    private readonly max = Infinity,
    private readonly async = false,
  ) {}

  check(ip: string): boolean | Promise<boolean> {
    this.calls.push(`check ${ip}`);
    const ok = !this.denied.has(ip) && (this.counts.get(ip) ?? 0) < this.max;
    return this.async ? Promise.resolve(ok) : ok;
  }
  add(ip: string): void {
    this.calls.push(`add ${ip}`);
    this.counts.set(ip, (this.counts.get(ip) ?? 0) + 1);
  }
  remove(ip: string): void {
    this.calls.push(`remove ${ip}`);
    const n = (this.counts.get(ip) ?? 0) - 1;
    if (n <= 0) this.counts.delete(ip);
    else this.counts.set(ip, n);
  }
  getCount(ip: string): number {
    return this.counts.get(ip) ?? 0;
  }
  cleanup(): void {
    this.cleanups++;
  }
}
