import type { LagSource } from '../../src/adapters/socket/event-loop-lag.monitor';

/** A lag source whose lag the test sets, counting acquire/release (the storm guard's lag shedding). */
export class FakeLag implements LagSource {
  lag = 0;
  users = 0;
  lagMs(): number {
    return this.lag;
  }
  acquire(): void {
    this.users++;
  }
  release(): void {
    this.users--;
  }
}
