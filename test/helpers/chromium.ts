import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (installed by scripts/ensure-peers.js; never a downloaded browser build). */
export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = fs.existsSync(CHROMIUM);

/**
 * `describe` when Chromium is installed. Elsewhere the suite is skipped with a loud message, but
 * under CI=true a missing browser is a failure, not a skip.
 */
export function describeWithChromium(name: string, fn: () => void): void {
  if (haveChromium) return describe(name, fn);
  if (process.env.CI === 'true') {
    describe(name, () => it('needs Chromium', () => {
      throw new Error(`${CHROMIUM} is missing: run \`node scripts/ensure-peers.js\` (apt-get install chromium)`);
    }));
    return;
  }
  process.stderr.write(`\n*** SKIPPING "${name}": ${CHROMIUM} not found (apt-get install chromium) ***\n\n`);
  describe.skip(name, fn);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
