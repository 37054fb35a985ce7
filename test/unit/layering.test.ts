import * as fs from 'node:fs';
import * as path from 'node:path';

// The domain depends only on itself and the ports: no adapters, no application layer, no
// inversify Container and no Node socket/HTTP/compression modules.
const FORBIDDEN = [
  /from\s+['"][^'"]*\/(adapters|application)(\/[^'"]*)?['"]/,
  /from\s+['"](node:)?(net|tls|http|https|http2|zlib|dgram|fs|child_process)['"]/,
  /require\(\s*['"](node:)?(net|tls|http|https|http2|zlib|dgram|fs|child_process)['"]\s*\)/,
  /\bContainer\b[^;]*from\s+['"]inversify['"]/,
];

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

export function violations(dir: string): string[] {
  const out: string[] = [];
  for (const file of tsFiles(dir)) {
    const src = fs.readFileSync(file, 'utf8');
    for (const re of FORBIDDEN) if (re.test(src)) out.push(`${file}: ${re}`);
  }
  return out;
}

describe('layering', () => {
  const root = path.resolve(__dirname, '../../src');

  it('src/domain imports only domain and ports', () => {
    expect(violations(path.join(root, 'domain'))).toEqual([]);
  });

  it('src/ports imports nothing from adapters or application', () => {
    expect(violations(path.join(root, 'ports'))).toEqual([]);
  });

  it('the check itself catches a forbidden import', () => {
    const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'layer-'));
    fs.writeFileSync(path.join(tmp, 'bad.ts'), "import * as net from 'node:net';\n");
    fs.writeFileSync(path.join(tmp, 'bad2.ts'), "import { X } from '../adapters/x';\n");
    expect(violations(tmp)).toHaveLength(2);
    fs.rmSync(tmp, { recursive: true });
  });
});
