import * as fs from 'node:fs';
import * as path from 'node:path';
import { METRIC_DEFS } from '../../../src/adapters/metrics/metric-definitions';

// docs/OPERATIONS.md documents every metric Stelar exports, and nothing it does not.
describe('docs/OPERATIONS.md', () => {
  const doc = fs.readFileSync(path.resolve(__dirname, '../../../docs/OPERATIONS.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(stelar_[a-z_]+)` \|/gm)].map((m) => m[1]));

  it('has a row for every metric, with its type', () => {
    for (const def of METRIC_DEFS) {
      expect(documented).toContain(def.name);
      expect(doc).toMatch(new RegExp(`^\\| \`${def.name}\` \\| ${def.kind} \\|`, 'm'));
    }
  });

  it('documents no metric that does not exist', () => {
    expect([...documented].sort()).toEqual(METRIC_DEFS.map((d) => d.name).sort());
  });

  it('follows the naming conventions: stelar_ prefix, _total on counters, base units', () => {
    for (const def of METRIC_DEFS) {
      expect(def.name).toMatch(/^stelar_[a-z_]+$/);
      if (def.kind === 'counter') expect(def.name).toMatch(/_total$/);
      else expect(def.name).not.toMatch(/_total$/);
      expect(def.name).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/);
    }
  });
});
