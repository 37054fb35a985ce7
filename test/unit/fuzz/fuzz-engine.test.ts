import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The fuzz engine behind `npm run fuzz` (test/fuzz/engine): it must find what it is meant to
// find, or a green fuzz run would prove nothing. Each planted target runs in a child process.
const root = path.resolve(__dirname, '../../..');
const worker = path.join(root, 'test/fuzz/engine/worker.js');

function fuzz(target: string, seconds: number) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stelar-fuzz-selftest-'));
  try {
    const r = spawnSync(process.execPath, ['--expose-gc', worker, path.join(root, 'test/fuzz/selftest', target), String(seconds), '--seed', '7', '--out', out], {
      encoding: 'utf8',
      timeout: (seconds + 30) * 1000,
    });
    const lines = r.stdout.trim().split('\n');
    return { status: r.status, report: JSON.parse(lines[lines.length - 1]) };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

describe('fuzz engine', () => {
  it('reaches a crash behind four nested byte comparisons (coverage guidance works) and saves the input', () => {
    const { status, report } = fuzz('planted-crash.fuzz.js', 20);
    expect(status).toBe(1);
    expect(report.finding).toBe('crash');
    expect(report.error).toContain('planted crash reached');
    expect(Buffer.from(report.inputBase64, 'base64').subarray(0, 4).toString('latin1')).toBe('FUZZ');
  }, 60000);

  it('reports a target that keeps memory across inputs as a memory finding', () => {
    const { status, report } = fuzz('planted-leak.fuzz.js', 20);
    expect(status).toBe(1);
    expect(report.finding).toBe('memory');
    expect(report.error).toMatch(/heap grew/);
  }, 60000);
});
