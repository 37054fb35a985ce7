import * as fs from 'node:fs';
import * as path from 'node:path';

// The README's "two commands" are what a fresh machine runs, and .ci/run runs exactly the test
// one: both install with `npm ci` (the lock file, nothing else).
const root = path.resolve(__dirname, '../../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## The two commands'), readme.indexOf('\n## ', readme.indexOf('## The two commands') + 1));
const commands = [...section.matchAll(/```bash\n([^\n]+)\n```/g)].map((m) => m[1].trim());

describe('the README commands', () => {
  it('are one install-and-demo and one install-and-test command, both on npm ci', () => {
    expect(commands).toEqual(['npm ci --no-audit --no-fund && npm start', 'npm ci --no-audit --no-fund && npm test']);
  });

  it('.ci/run runs exactly the README test command', () => {
    const run = fs.readFileSync(path.join(root, '.ci/run'), 'utf8');
    const steps = run.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set|cd) /.test(l));
    expect(steps).toEqual([commands[1]]);
  });

  it('package-lock.json records the same top-level dependency ranges as package.json (npm ci refuses a stale lock)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    const top = lock.packages[''];
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
      expect(top[field] ?? {}).toEqual(pkg[field] ?? {});
    }
  });
});
