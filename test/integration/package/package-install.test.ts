import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

/**
 * The package as a user gets it: the project is copied without dist/ (an unbuilt clone), packed
 * with `npm pack` (so `prepack` must build it), the tarball installed in a temp project, then
 *  - its contents are checked (LICENSE, metadata, no source maps, nothing unreachable);
 *  - smoke.mjs runs under Node, Deno and Bun (from their npm distributions, installed and cached
 *    by scripts/ensure-runtimes.js): server, WS and TCP clients, a room broadcast, requests;
 *  - the CommonJS entry and the ESM entry are one instance under Node;
 *  - consumer.mts/.cts type-check with skipLibCheck off under node16, nodenext and bundler.
 */
const run = promisify(execFile);
const root = path.resolve(__dirname, '../../..');
const fixtures = path.join(__dirname, 'fixtures');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runtimes } = require(path.join(root, 'scripts/ensure-runtimes.js')) as {
  runtimes(): Record<'deno' | 'bun', { path: string | null; why: string | null }>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { reachableFiles } = require(path.join(root, 'scripts/package-graph.js')) as {
  reachableFiles(root: string, pkg: unknown): Set<string>;
};
const tsc = require.resolve('typescript/bin/tsc');
const typesNodeVersion = (
  JSON.parse(fs.readFileSync(require.resolve('@types/node/package.json'), 'utf8')) as { version: string }
).version;

let work = '';
let consumer = '';
let installed = '';
let packedFiles: string[] = [];

const COPY = ['src', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'docs'];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'stelar-pack-'));
  const clone = path.join(work, 'clone');
  fs.mkdirSync(clone);
  for (const entry of COPY) fs.cpSync(path.join(root, entry), path.join(clone, entry), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
  expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);

  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: clone, maxBuffer: 1 << 24 });
  // prepack's build log precedes the JSON on stdout.
  const pack = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as { filename: string; files: { path: string }[] }[];
  packedFiles = pack[0].files.map((f) => f.path).sort();

  consumer = path.join(work, 'consumer');
  fs.mkdirSync(consumer);
  fs.writeFileSync(path.join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
  for (const f of ['smoke.mjs', 'consumer.mts', 'consumer.cts']) fs.copyFileSync(path.join(fixtures, f), path.join(consumer, f));
  fs.copyFileSync(path.join(fixtures, 'consumer.mts'), path.join(consumer, 'consumer-bundler.ts'));
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, pack[0].filename), `@types/node@${typesNodeVersion}`],
    { cwd: consumer, maxBuffer: 1 << 24 },
  );
  installed = path.join(consumer, 'node_modules/stelar-time-real');
}, 180_000);

afterAll(() => {
  if (work !== '') fs.rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('ships the code, LICENSE and metadata, no source maps, and only files an entry point reaches', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/src/index.js', 'dist/esm/index.mjs']));
    expect(packedFiles.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(packedFiles).not.toContain('dist/src/browser.js');

    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.license).toBe('MIT');
    expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    for (const field of ['repository', 'homepage', 'bugs', 'keywords']) expect(pkg[field]).toBeTruthy();
    expect((pkg.scripts as Record<string, string>).prepack).toBeTruthy();

    const reachable = [...reachableFiles(installed, pkg)].map((f) => path.relative(installed, f)).sort();
    const shippedDist = packedFiles.filter((f) => f.startsWith('dist/'));
    expect(shippedDist).toEqual(reachable);
  });
});

describe('the installed package runs under', () => {
  const smoke = async (cmd: string, args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run(cmd, args, { cwd: consumer, timeout: 30_000 });
    const lines = stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
  };
  const expectSmoke = (report: Record<string, unknown>, runtime: string): void => {
    expect(report).toEqual({
      runtime,
      exports: { StelarServer: 'function', StelarClient: 'function', StelarError: 'function', defaultIsServer: true },
      ws: { joined: true, heard: 'hello from ws', answer: { twice: 42 } },
      tcp: { joined: true, heard: 'hello from ws', answer: { twice: 8 } },
    });
  };

  it('Node (ESM import)', async () => {
    expectSmoke(await smoke(process.execPath, ['smoke.mjs', 'node']), 'node');
  }, 40_000);

  it('Node (CommonJS require and import give the same single instance)', async () => {
    const script =
      "const cjs = require('stelar-time-real');" +
      "import('stelar-time-real').then((esm) => console.log(JSON.stringify({" +
      " server: typeof cjs.StelarServer, same: esm.StelarServer === cjs.StelarServer && esm.default === cjs.StelarServer," +
      " cjsNames: Object.keys(cjs).filter((n) => n !== '__esModule').sort(), esmNames: Object.keys(esm).sort() })));";
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: consumer, timeout: 20_000 });
    const r = JSON.parse(stdout) as { server: string; same: boolean; cjsNames: string[]; esmNames: string[] };
    expect({ server: r.server, same: r.same }).toEqual({ server: 'function', same: true });
    // Every export of the CommonJS build is a named export of the ESM entry (and the default).
    expect(r.esmNames).toEqual(r.cjsNames);
    expect(r.esmNames.length).toBeGreaterThan(20);
  }, 30_000);

  it('Deno (@deno/linux-x64-glibc from npm)', async () => {
    const deno = runtimes().deno;
    if (deno.path === null) throw new Error(`Deno is not available: ${deno.why}`);
    expectSmoke(await smoke(deno.path, ['run', '-A', 'smoke.mjs', 'deno']), 'deno');
  }, 40_000);

  it('Bun (@oven/bun-linux-x64 from npm)', async () => {
    const bun = runtimes().bun;
    if (bun.path === null) throw new Error(`Bun is not available: ${bun.why}`);
    expectSmoke(await smoke(bun.path, ['smoke.mjs', 'bun']), 'bun');
  }, 40_000);
});

describe('the declarations type-check in a consumer with skipLibCheck: false', () => {
  const check = async (args: string[]): Promise<string> => {
    const common = ['--target', 'ES2022', '--lib', 'ES2022', '--strict', '--skipLibCheck', 'false', '--noEmit', '--types', 'node'];
    try {
      await run(process.execPath, [tsc, ...common, ...args], { cwd: consumer, timeout: 60_000 });
      return '';
    } catch (err) {
      return String((err as { stdout?: string }).stdout ?? err);
    }
  };

  it.each(['node16', 'nodenext'])('module/moduleResolution %s (ESM and CommonJS consumers)', async (mode) => {
    expect(await check(['--module', mode, '--moduleResolution', mode, 'consumer.mts', 'consumer.cts'])).toBe('');
  }, 70_000);

  it('moduleResolution bundler', async () => {
    expect(await check(['--module', 'preserve', '--moduleResolution', 'bundler', 'consumer-bundler.ts'])).toBe('');
  }, 70_000);
});
