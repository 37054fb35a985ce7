import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { shapeWritableState } from '../../../src/adapters/socket/writable-shape';

/** Runs the burst fixture in a fresh Node process (V8 sizes WritableState once per process). */
function burst(shape: boolean): { total: number; withArray: number } {
  const fixture = path.join(__dirname, 'fixtures/writable-burst.js');
  const mod = path.resolve(__dirname, '../../../src/adapters/socket/writable-shape.ts');
  const args = ['-r', 'esbuild-register', fixture, ...(shape ? ['shape', mod] : [])];
  const out = execFileSync(process.execPath, args, { cwd: path.resolve(__dirname, '../../..'), timeout: 60_000 });
  return JSON.parse(out.toString().trim().split('\n').pop() as string) as { total: number; withArray: number };
}

describe('shapeWritableState (idle memory per socket)', () => {
  it('without it, a burst of streams made before any write leaves their write-callback field in a property array', () => {
    const r = burst(false);
    expect(r.withArray).toBeGreaterThanOrEqual(10);
  });

  it('with it, no WritableState of the same burst needs a property array', () => {
    const r = burst(true);
    expect(r.total).toBeGreaterThanOrEqual(12);
    expect(r.withArray).toBe(0);
  });

  it('runs once per process and leaves nothing behind', () => {
    expect(() => {
      shapeWritableState();
      shapeWritableState();
    }).not.toThrow();
  });
});
