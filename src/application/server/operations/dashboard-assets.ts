import * as fs from 'node:fs';
import * as path from 'node:path';

/** A file this module reads at run time, relative to it (scripts/package-graph.js ships it). */
function asset(relative: string): string {
  return path.resolve(__dirname, relative);
}

/**
 * The dashboard's browser code and styles, bundled at build time (scripts/build.js: esbuild,
 * uPlot included) into dist/dashboard/. Read once, on first use: from dist/src/… next to the
 * build, or from src/… (tests) in the built dist/.
 */
const CANDIDATES: readonly { js: string; css: string }[] = [
  { js: asset('../../../../dashboard/dashboard.js'), css: asset('../../../../dashboard/dashboard.css') },
  { js: path.resolve(__dirname, '../../../../dist/dashboard/dashboard.js'), css: path.resolve(__dirname, '../../../../dist/dashboard/dashboard.css') },
];

let cached: { js: Buffer; css: Buffer } | null = null;

export function dashboardAssets(): { js: Buffer; css: Buffer } | null {
  if (cached !== null) return cached;
  for (const c of CANDIDATES) {
    try {
      cached = { js: fs.readFileSync(c.js), css: fs.readFileSync(c.css) };
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
