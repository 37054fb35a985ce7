import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

const root = path.resolve(__dirname, '../../..');
const built = path.join(root, 'dist/browser/stelar-client.mjs');

/**
 * The browser client bundle to load into Chromium. Under `npm test` (which runs
 * scripts/build.js just before Jest) this is the built dist/browser/stelar-client.mjs itself;
 * in an ad-hoc Jest run, where dist/ may be stale or missing, the same esbuild settings as
 * scripts/build.js are applied to src/browser.ts in memory.
 */
export function browserBundle(): { code: string; source: string } {
  if (process.env.STELAR_PEERS_CHECKED === '1' && fs.existsSync(built)) {
    return { code: fs.readFileSync(built, 'utf8'), source: 'dist/browser/stelar-client.mjs' };
  }
  const out = buildSync({
    entryPoints: [path.join(root, 'src/browser.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    write: false,
    legalComments: 'none',
  });
  return { code: out.outputFiles[0].text, source: 'in-memory esbuild of src/browser.ts' };
}
