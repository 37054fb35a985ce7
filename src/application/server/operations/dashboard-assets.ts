import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The dashboard's browser code and styles, bundled at build time (scripts/build.js: esbuild,
 * uPlot included) into dist/dashboard/. Read once, on first use.
 */
const CANDIDATES = [
  path.resolve(__dirname, '../../../../dashboard'), // running from dist/src/…
  path.resolve(__dirname, '../../../../dist/dashboard'), // running from src/ (tests)
];

let cached: { js: Buffer; css: Buffer } | null = null;

export function dashboardAssets(): { js: Buffer; css: Buffer } | null {
  if (cached !== null) return cached;
  for (const dir of CANDIDATES) {
    try {
      cached = { js: fs.readFileSync(path.join(dir, 'dashboard.js')), css: fs.readFileSync(path.join(dir, 'dashboard.css')) };
      return cached;
    } catch {
      // try the next location
    }
  }
  return null;
}

function escapeAttr(s: string): string {
  return s.replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c] as string);
}

/** The page: a shell the bundle fills; the token authenticates its own Stelar connection. */
export function dashboardHtml(base: string, token: string, namespace: string): string {
  const b = escapeAttr(base === '/' ? '' : base);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="stelar-token" content="${escapeAttr(token)}">
<meta name="stelar-ws" content="${b}/ws">
<meta name="stelar-namespace" content="${escapeAttr(namespace)}">
<title>Stelar dashboard</title>
<link rel="stylesheet" href="${b}/dashboard.css">
</head>
<body>
<div id="app"><p class="loading">Loading the dashboard…</p></div>
<script src="${b}/dashboard.js"></script>
</body>
</html>
`;
}
