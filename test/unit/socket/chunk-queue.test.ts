import { ChunkQueue } from '../../../src/adapters/socket/chunk-queue';

/** Exposes the protected reads for the test. */
class Probe extends ChunkQueue {
  push(chunk: Buffer): void {
    this.pushChunk(chunk);
  }
  byte(): number {
    return this.readByte();
  }
  uint(n: number): number {
    return this.readUintBE(n);
  }
  take(n: number): Buffer {
    return this.consume(n);
  }
  inHead(): number {
    return this.headAvailable();
  }
  clear(): void {
    this.clearChunks();
  }
}

const input = Buffer.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b]);

describe('ChunkQueue (the unparsed input of both parsers)', () => {
  it('reads the same bytes whatever the chunking (every split point, one and two splits)', () => {
    for (let i = 1; i < input.length; i++) {
      for (let j = i; j < input.length; j++) {
        const q = new Probe();
        q.push(input.subarray(0, i));
        if (j > i) q.push(input.subarray(i, j));
        q.push(input.subarray(j));
        expect(q.bufferedBytes).toBe(11);
        expect(q.byte()).toBe(0x01);
        expect(q.uint(2)).toBe(0x0203);
        expect(q.uint(4)).toBe(0x04050607);
        expect([...q.take(4)]).toEqual([0x08, 0x09, 0x0a, 0x0b]);
        expect(q.bufferedBytes).toBe(0);
        expect(q.inHead()).toBe(0);
      }
    }
  });

  it('bytes within one chunk are a zero-copy view; a whole chunk is returned as is', () => {
    const q = new Probe();
    const a = Buffer.from('hello');
    const b = Buffer.from('world!');
    q.push(a);
    q.push(b);
    const view = q.take(3);
    expect(view.buffer).toBe(a.buffer);
    expect(view.byteOffset).toBe(a.byteOffset);
    expect(q.inHead()).toBe(2);
    const spanning = q.take(4); // 'lo' + 'wo': copied once
    expect(spanning.toString()).toBe('lowo');
    a[3] = 0x21; // a copy, not a view: later writes to the chunk do not show through
    expect(spanning.toString()).toBe('lowo');
    expect(q.take(4)).toEqual(Buffer.from('rld!'));
    const c = Buffer.from('xyz');
    q.push(c);
    expect(q.take(3)).toBe(c);
  });

  it('clearChunks drops everything', () => {
    const q = new Probe();
    q.push(Buffer.from('abc'));
    q.push(Buffer.from('def'));
    q.clear();
    expect(q.bufferedBytes).toBe(0);
    expect(q.inHead()).toBe(0);
    q.push(Buffer.from('g'));
    expect(q.byte()).toBe(0x67);
  });
});
