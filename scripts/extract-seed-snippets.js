#!/usr/bin/env node
'use strict';
// Extracts the code examples of the 3.2 README from the seed (a registry diff 2.0.4 → 3.2.1 of
// package/README.md: content lines prefixed "+ " (added), "- " (removed) or NBSP + " " (context),
// blank lines as the bare prefix, line numbers on lines of their own) into
// test/fixtures/seed-readme-snippets.json, which test/types/seed-snippets.compile.test.ts
// type-checks against src/. Only the 3.2 side is kept (added and context lines); a code block
// that spans a hunk gap loses the unchanged lines the diff left out (the test supplies missing
// imports). Usage: node scripts/extract-seed-snippets.js <seed-file> [out.json]
const fs = require('node:fs');
const path = require('node:path');

const [, , seed, outArg] = process.argv;
if (!seed) {
  console.error('usage: node scripts/extract-seed-snippets.js <seed-file> [out.json]');
  process.exit(2);
}
const out = outArg ?? path.join(__dirname, '../test/fixtures/seed-readme-snippets.json');

/** The 3.2 README lines, in order, with `gap` markers where a hunk boundary left lines out. */
function newSide(text) {
  const lines = [];
  for (const line of text.split('\n')) {
    if (/^\d+$/.test(line)) continue;
    if (line.startsWith('@@')) {
      lines.push({ gap: true });
      continue;
    }
    const mark = line[0];
    if (mark === '-') continue;
    if (mark === '+' || mark === '\u00a0') lines.push({ text: line.slice(2) });
  }
  return lines;
}

/** Fenced js/ts blocks with the nearest heading before them. */
function snippets(lines) {
  const found = [];
  let heading = '';
  let block = null;
  for (const l of lines) {
    if (l.gap) {
      if (block) block.gaps++;
      continue;
    }
    const t = l.text;
    if (block === null) {
      const h = /^#{1,6}\s+(.*)$/.exec(t);
      if (h) heading = h[1].trim();
      const open = /^\s*```(javascript|js|typescript|ts)\s*$/.exec(t);
      if (open) block = { heading, lang: open[1].startsWith('t') ? 'ts' : 'js', code: [], gaps: 0 };
    } else if (/^\s*```\s*$/.test(t)) {
      found.push({ heading: block.heading, lang: block.lang, gaps: block.gaps, code: block.code.join('\n') + '\n' });
      block = null;
    } else {
      block.code.push(t);
    }
  }
  return found;
}

const list = snippets(newSide(fs.readFileSync(seed, 'utf8')));
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ source: path.basename(seed), snippets: list }, null, 1) + '\n');
console.log(`${list.length} snippets → ${path.relative(process.cwd(), out)}`);
