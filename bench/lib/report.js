'use strict';
// Markdown rendering of scenario results: a table of per-system medians and a table of
// same-round ratios of the primary metric.

function fmt(v, digits) {
  if (v === undefined || v === null || Number.isNaN(v)) return '—';
  if (typeof v !== 'number') return String(v);
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/**
 * @param {object} scenario module (title, unit, primary, columns)
 * @param {object} result { params, rounds, medians, ratios, systems, labels }
 */
function scenarioMarkdown(scenario, result) {
  const lines = [];
  const ran = result.systems.filter((s) => result.medians[s] && result.medians[s].rounds > 0);
  lines.push(`### ${scenario.title}`);
  lines.push('');
  lines.push(`Primary metric: ${scenario.unit} (median of ${result.roundsRun} round(s)). ` +
    `Parameters: ${Object.entries(result.params).map(([k, v]) => `${k}=${v}`).join(', ')}.`);
  lines.push('');
  lines.push(`| system | ${scenario.columns.map((c) => c[1]).join(' | ')} | rounds |`);
  lines.push(`|---|${scenario.columns.map(() => '---:').join('|')}|---:|`);
  for (const s of result.systems) {
    const m = result.medians[s] || {};
    const errors = result.rounds.map((r) => r.results[s] && r.results[s].error).filter(Boolean);
    const cells = scenario.columns.map(([k, , d]) => fmt(m[k], d));
    lines.push(`| ${result.labels[s]} | ${cells.join(' | ')} | ${m.rounds || 0}${errors.length ? ` (${errors.length} failed)` : ''} |`);
  }
  if (ran.length > 1) {
    lines.push('');
    lines.push(`Ratio of ${scenario.primary} (row ÷ column, median of same-round ratios; < 1 = row is better):`);
    lines.push('');
    lines.push(`| | ${ran.map((s) => result.labels[s]).join(' | ')} |`);
    lines.push(`|---|${ran.map(() => '---:').join('|')}|`);
    for (const a of ran) {
      lines.push(`| ${result.labels[a]} | ${ran.map((b) => (a === b ? '1' : fmt(result.ratios[a][b], 2))).join(' | ')} |`);
    }
  }
  const notes = [];
  for (const r of result.rounds) {
    for (const [s, v] of Object.entries(r.results)) {
      if (v.error) notes.push(`round ${r.round + 1}, ${result.labels[s]}: error: ${v.error.split('\n')[0]}`);
      else if (v.note) notes.push(`round ${r.round + 1}, ${result.labels[s]}: ${v.note}`);
    }
  }
  if (notes.length) {
    lines.push('');
    for (const n of notes) lines.push(`- ${n}`);
  }
  lines.push('');
  return lines.join('\n');
}

module.exports = { scenarioMarkdown, fmt };
