import type { IdGenerator } from '../../src/ports/id-generator.port';

/** Ids `c1`, `c2`, … in order. */
export class SequentialIdGenerator implements IdGenerator {
  private n = 0;
  constructor(private readonly prefix = 'c') {}
  next(): string {
    return `${this.prefix}${++this.n}`;
  }
}
