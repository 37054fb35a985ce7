import * as fs from 'node:fs';
import * as path from 'node:path';

// The domain, the ports and the application look transports and codecs up by protocol id; only
// a transport's own folder (src/adapters/<transport>/) may spell its id. Comments may name them.
const LITERAL = /(['"`])(ws|tcp)\1/;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `file:line: text` for each line that spells a transport id outside comments. */
export function transportLiterals(dir: string): string[] {
  const out: string[] = [];
  for (const file of tsFiles(dir)) {
    const code = fs
      .readFileSync(file, 'utf8')
      // Block comments keep their newlines, so line numbers stay right.
      .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
      .replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
    code.split('\n').forEach((line, i) => {
      if (LITERAL.test(line)) out.push(`${path.relative(dir, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

describe('transport neutrality', () => {
  const root = path.resolve(__dirname, '../../src');

  it.each(['domain', 'ports', 'application'])('src/%s never spells a transport id', (dir) => {
    expect(transportLiterals(path.join(root, dir))).toEqual([]);
  });

  it('the check itself finds a literal in code and ignores one in a comment', () => {
    const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'neutral-'));
    fs.writeFileSync(path.join(tmp, 'bad.ts'), "// mode 'tcp' in a comment\nif (p === 'ws') x();\n/* 'tcp' */\nconst m = \"tcp\";\n");
    expect(transportLiterals(tmp)).toEqual(["bad.ts:2: if (p === 'ws') x();", 'bad.ts:4: const m = "tcp";']);
    fs.rmSync(tmp, { recursive: true });
  });
});
