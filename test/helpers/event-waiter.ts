/**
 * Base of test recorders: `until(predicate)` resolves as soon as the predicate holds, checked
 * after every recorded event (`notify()`), bounded by `ms` so no test can hang.
 */
export class EventWaiter {
  private waiters: Array<() => void> = [];

  constructor(private readonly label: string) {}

  /** Resolves when `predicate` holds (checked on every event), bounded by `ms`. */
  until(predicate: () => boolean, ms = 5000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}.until timed out`)), ms);
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  /** Re-checks every pending predicate (call after recording an event). */
  protected notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
