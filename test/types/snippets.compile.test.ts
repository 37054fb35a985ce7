/**
 * Type-checks documentation code against src/ with the TypeScript compiler:
 *
 * - the README's TypeScript snippets (the quick start with typed events), strict, as printed
 *   (`// events.ts` … comments name the files, so `import … from './events'` resolves);
 * - every JavaScript/TypeScript example of the 3.2 README (the seed), extracted by
 *   scripts/extract-seed-snippets.js into test/fixtures/seed-readme-snippets.json, checked as a
 *   TypeScript user without type arguments would (the untyped API; `strict: false` since they
 *   are JavaScript). The type reference (the other seed) is compiled as printed by
 *   test/integration/examples/type-reference.test.ts, under `tsc` in `npm test`.
 *
 * What the seed leaves to the reader is supplied, nothing else: imports the diff's hunks cut off,
 * the `stelar`/`client`/`server` the snippets use without declaring (typed as the README means
 * them), and any other free name (`verifyToken`, `redisClient`…) stays unresolved (`any`). The few
 * places where the 3.2 README contradicts the type reference are listed, each expected to fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../..');

interface Snippet {
  heading: string;
  lang: 'js' | 'ts';
  code: string;
}

interface Problem {
  file: string;
  line: number;
  code: number;
  text: string;
}

// The package's exports the seed snippets use (imported for them when a hunk gap cut the import).
const PACKAGE_NAMES = ['StelarServer', 'StelarClient', 'IRateLimiter', 'IIPTracker', 'StelarStats', 'StelarContext', 'StelarOptions'];
// Names the seed snippets use undeclared, with the types the README means.
const READER_NAMES: Record<string, string> = {
  stelar: "import('stelar-time-real').StelarServer",
  client: "import('stelar-time-real').StelarClient",
  server: "import('node:http').Server",
  httpServer: "import('node:http').Server",
  fs: "typeof import('node:fs/promises')", // the README awaits fs.readFile
  key: 'string',
  cert: 'string',
  buffer: 'Buffer',
  buf: 'Buffer',
  urlOrPort: 'string',
};
// Diagnostics that say only that the seed leaves something to the reader (a free name, a module
// such as express or redis that is not installed, a const the README declares twice to show two
// alternatives in one block).
const READER_CODES = new Set([2304, 2307, 2451, 18004]);
// Where the 3.2 README contradicts the type reference (which the implementation follows); each
// must still fail exactly so, so a change of behaviour shows up here.
const KNOWN_CONTRADICTIONS: { heading: string; code: number; text: RegExp; why: string }[] = [
  {
    heading: 'Horizontal Scalability',
    code: 2339,
    text: /Property 'eventName' does not exist/,
    why: 'the README reads ctx.eventName in onAll; onAll receives { event, data: ctx } (type reference, StelarWildcardHandler)',
  },
  {
    heading: 'Horizontal Scalability',
    code: 2339,
    text: /Property 'id' does not exist/,
    why: 'same snippet: ctx.id of the onAll payload (it is payload.data.id)',
  },
  {
    heading: 'Custom Health Check',
    code: 1308,
    text: /'await' expressions are only allowed within async functions/,
    why: 'the README awaits inside a non-async customHealthHandler (a syntax error in any implementation)',
  },
];

function declared(code: string, name: string): boolean {
  return new RegExp(`(?:const|let|var|function|class)\\s+${name}\\b|import[^;]*\\b${name}\\b[^;]*from`).test(code);
}

/** The seed snippet with the reader's parts supplied, and how many lines were prepended. */
function withPrelude(code: string): { text: string; offset: number } {
  const lines: string[] = [];
  const missing = PACKAGE_NAMES.filter((n) => new RegExp(`\\b${n}\\b`).test(code) && !declared(code, n));
  if (missing.length > 0) lines.push(`import { ${missing.join(', ')} } from 'stelar-time-real';`);
  for (const [name, type] of Object.entries(READER_NAMES)) {
    if (new RegExp(`\\b${name}\\b`).test(code) && !declared(code, name)) lines.push(`declare const ${name}: ${type};`);
  }
  return { text: `${lines.join('\n')}\n${code}\nexport {};\n`, offset: lines.length };
}

const SOURCES = { main: path.join(root, 'src/index.ts'), browser: path.join(root, 'src/browser.ts') };

/** The declarations the package ships (package.json `types` and the browser entry's `types`). */
function shippedTypes(): { main: string; browser: string } {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    types: string;
    exports: Record<string, { types?: string }>;
  };
  return { main: path.join(root, pkg.types), browser: path.join(root, pkg.exports['./browser'].types ?? '') };
}

/** Compiles virtual files (path → text) against src/ (or the given entry files) and returns their diagnostics. */
function compile(files: Map<string, string>, strict: boolean, entry = SOURCES): ts.Diagnostic[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict,
    noEmit: true,
    skipLibCheck: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    types: ['node'],
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    paths: { 'stelar-time-real': [entry.main], 'stelar-time-real/browser': [entry.browser] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => {
    const text = files.get(file);
    return text !== undefined ? ts.createSourceFile(file, text, lang) : getSourceFile(file, lang, ...rest);
  };
  host.fileExists = (file) => files.has(file) || fileExists(file);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (dir) =>
    [...files.keys()].some((f) => f.startsWith(dir + path.sep)) || (directoryExists ? directoryExists(dir) : true);
  host.readFile = (file) => files.get(file) ?? readFile(file);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file !== undefined && files.has(d.file.fileName));
}

function problems(diags: ts.Diagnostic[], offsets: Map<string, number>): Problem[] {
  return diags.map((d) => ({
    file: path.basename(d.file!.fileName),
    line: d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 - (offsets.get(d.file!.fileName) ?? 0),
    code: d.code,
    text: ts.flattenDiagnosticMessageText(d.messageText, ' '),
  }));
}

// Each test builds one TypeScript program over src/ (a few seconds; much longer on a loaded machine).
jest.setTimeout(120_000);

describe('documentation code compiles against src/', () => {
  function readmeFiles(): Map<string, string> {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const files = new Map<string, string>();
    blocks.forEach((code, i) => {
      const named = /^\/\/\s*([\w-]+\.ts)\b/.exec(code)?.[1] ?? `snippet-${i}.ts`;
      files.set(path.join(root, '__readme__', named), code.includes('export ') ? code : `${code}\nexport {};\n`);
    });
    return files;
  }

  it("the README's TypeScript snippets (typed quick start) compile strictly, as printed", () => {
    expect(problems(compile(readmeFiles(), true), new Map())).toEqual([]);
  });

  it('they compile against the shipped declarations too (dist/, built by npm test first)', () => {
    const shipped = shippedTypes();
    if (!fs.existsSync(shipped.main)) {
      console.warn(`SKIPPED: ${path.relative(root, shipped.main)} is missing; run \`npm run build\` (npm test builds first)`);
      return;
    }
    expect(problems(compile(readmeFiles(), true, shipped), new Map())).toEqual([]);
  });

  it('every example of the 3.2 README (the seed) still compiles with the untyped API', () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(root, 'test/fixtures/seed-readme-snippets.json'), 'utf8')) as {
      snippets: Snippet[];
    };
    expect(fixture.snippets).toHaveLength(29);
    const files = new Map<string, string>();
    const offsets = new Map<string, number>();
    const headings = new Map<string, string>();
    fixture.snippets.forEach((s, i) => {
      const file = path.join(root, '__seed__', `seed-${String(i).padStart(2, '0')}.ts`);
      const { text, offset } = withPrelude(s.code);
      files.set(file, text);
      offsets.set(file, offset);
      headings.set(path.basename(file), s.heading);
    });
    // A probe in the same program shows that the check can fail: a misspelled method.
    const probe = path.join(root, '__seed__', 'probe.ts');
    const probed = withPrelude("stelar.onConection((client) => client.emit('x', 1));\n");
    files.set(probe, probed.text);
    offsets.set(probe, probed.offset);
    const all = problems(compile(files, false), offsets);
    expect(all.filter((p) => p.file === 'probe.ts')).toEqual([expect.objectContaining({ line: 1, code: 2551 })]);
    const found = all.filter((p) => p.file !== 'probe.ts' && !READER_CODES.has(p.code));
    const unexplained = found.filter(
      (p) => !KNOWN_CONTRADICTIONS.some((k) => k.heading === headings.get(p.file) && k.code === p.code && k.text.test(p.text)),
    );
    expect(unexplained.map((p) => ({ ...p, heading: headings.get(p.file) }))).toEqual([]);
    // Each listed contradiction is still there (remove it from the list once it compiles).
    for (const k of KNOWN_CONTRADICTIONS) {
      expect(found.some((p) => headings.get(p.file) === k.heading && p.code === k.code && k.text.test(p.text))).toBe(true);
    }
  });
});
