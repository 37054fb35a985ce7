'use strict';
// Markdown of the scale bench (lib/scale-runner.js): per size and system the median over
// rounds with the range (min–max) when there was more than one round, failures and notes,
// same-round ratios against uWebSockets.js and ws, and the issue #17 targets.

const { median, pairwiseRatios } = require('./stats');
const { fmt } = require('./report');

const IDLE_COLS = [
  ['rssKBPerConn', 'RSS KB/conn', 2],
  ['heapKBPerConn', 'heap KB/conn', 2],
  ['externalKBPerConn', 'external KB/conn', 2],
  ['cpuUsPerConnect', 'CPU µs/connect', 0],
  ['connectsPerSec', 'connects/s', 0],
  ['held', 'held', 0],
  ['failed', 'failed', 0],
];
const PHASE_COLS = [
  ['cpuUsPerDelivery', 'CPU µs/delivery', 3],
  ['deliveriesPerSec', 'deliveries/s', 0],
  ['lost', 'lost', 0],
  ['latencyP50Ms', 'p50 ms', 0],
  ['latencyMaxMs', 'max ms', 0],
];

function values(rounds, sys, key) {
  return rounds.map((r) => r.results[sys] && r.results[sys][key]).filter((v) => typeof v === 'number' && Number.isFinite(v));
}

/** "median" or "median (min–max)". */
function cell(rounds, sys, key, digits) {
  const v = values(rounds, sys, key);
  if (!v.length) return '—';
  const m = fmt(median(v), digits);
  if (v.length < 2) return m;
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? m : `${m} (${fmt(lo, digits)}–${fmt(hi, digits)})`;
}

/** How a fanout phase ended when it did not complete, over the rounds: '' or ' (behind)' etc. */
function phaseEnd(rounds, sys, ph) {
  const why = new Set();
  for (const r of rounds) {
    const n = r.results[sys] && r.results[sys][`${ph}_note`];
    if (!n) continue;
    if (/^skipped/.test(n)) why.add('skipped');
    else if (/stalled/.test(n)) why.add('stalled');
    else if (/did not complete|fell behind/.test(n)) why.add('behind');
    else if (/unresponsive/.test(n)) why.add('unresponsive');
    else why.add('failed');
  }
  return why.size ? ` (${[...why].join(', ')})` : '';
}

function okRounds(rounds, sys) {
  const n = rounds.filter((r) => r.results[sys] && !r.results[sys].error).length;
  const failed = rounds.filter((r) => r.results[sys] && r.results[sys].error);
  const t = failed.filter((r) => r.results[sys].timedOut).length;
  return failed.length ? `${n} (${failed.length} failed${t ? `, ${t} timed out` : ''})` : String(n);
}

function notes(c, labels) {
  const lines = [];
  for (const r of c.rounds) {
    for (const [s, v] of Object.entries(r.results)) {
      if (v.error) lines.push(`- ${c.kind} ${c.size}, round ${r.round + 1}, ${labels[s]}: ${v.timedOut ? 'TIMED OUT' : 'FAILED'}: ${v.error}`);
      else if (v.note) lines.push(`- ${c.kind} ${c.size}, round ${r.round + 1}, ${labels[s]}: ${v.note}`);
    }
  }
  return lines;
}

/** Same-round ratio a ÷ b of `metric` in case `c` (median over rounds), or undefined. */
function ratio(c, a, b, metric) {
  if (!c) return undefined;
  const r = pairwiseRatios(c.rounds, [a, b], metric);
  return r[a] && r[a][b];
}

function ratiosTable(out, keys, metric, label) {
  const refs = ['uws', 'ws'].filter((r) => out.systems.includes(r));
  if (!refs.length) return [];
  const lines = [`Same-round ratios of ${label} (row ÷ reference; < 1 = cheaper than the reference):`, ''];
  lines.push(`| size | system | ${refs.map((r) => `÷ ${out.labels[r]}`).join(' | ')} |`);
  lines.push(`|---|---|${refs.map(() => '---:').join('|')}|`);
  for (const k of keys) {
    const c = out.cases[k];
    for (const s of out.systems) {
      if (refs.includes(s) && refs.length === 1) continue;
      lines.push(`| ${c.size.toLocaleString('en-US')} | ${out.labels[s]} | ${refs.map((r) => (r === s ? '1' : fmt(ratio(c, s, r, metric), 2))).join(' | ')} |`);
    }
  }
  lines.push('');
  return lines;
}

function targets(out) {
  const lines = ['Issue #17 targets (same-run ratios):', '', '| target | measured | met |', '|---|---:|:---:|'];
  const fan = Object.keys(out.cases).filter((k) => out.cases[k].kind === 'fanout').sort((a, b) => out.cases[a].size - out.cases[b].size);
  const idle = Object.keys(out.cases).filter((k) => out.cases[k].kind === 'idle');
  const row = (name, v, limit) => lines.push(`| ${name} | ${fmt(v, 2)} | ${v === undefined ? '—' : v <= limit ? 'yes' : 'no'} |`);
  const has = (s) => out.systems.includes(s);
  if (fan.length && has('uws')) {
    const small = out.cases[fan[0]];
    const big = out.cases[fan[fan.length - 1]];
    for (const s of ['stelar', 'stelar-tcp'].filter(has)) {
      row(`fanout ${small.size.toLocaleString('en-US')} subs at ${out.params.lowRate} msg/s, ${out.labels[s]} ≤ 1.15 × uWS`, ratio(small, s, 'uws', 'low_cpuUsPerDelivery'), 1.15);
    }
    for (const s of ['stelar', 'stelar-tcp'].filter(has)) {
      row(`fanout ${big.size.toLocaleString('en-US')} subs, high rate, ${out.labels[s]} ≤ 1.0 × uWS`, ratio(big, s, 'uws', 'high_cpuUsPerDelivery'), 1.0);
      row(`fanout ${big.size.toLocaleString('en-US')} subs, ${out.params.lowRate} msg/s, ${out.labels[s]} ≤ 1.0 × uWS`, ratio(big, s, 'uws', 'low_cpuUsPerDelivery'), 1.0);
    }
  }
  if (has('stelar') && has('ws')) {
    for (const k of idle) row(`idle RSS per connection at ${out.cases[k].size.toLocaleString('en-US')}, Stelar WS ≤ 0.6 × ws`, ratio(out.cases[k], 'stelar', 'ws', 'rssKBPerConn'), 0.6);
  }
  lines.push('');
  return lines.length > 5 ? lines : [];
}

/** The whole scale report. */
function scaleMarkdown(out) {
  const L = [];
  const p = out.params;
  const idle = Object.keys(out.cases).filter((k) => out.cases[k].kind === 'idle');
  const fan = Object.keys(out.cases).filter((k) => out.cases[k].kind === 'fanout');
  const roundsNote = p.rounds > 1 ? `median (min–max) of ${p.rounds} rounds` : '1 round';
  if (idle.length) {
    L.push('### Scale: idle connections', '');
    L.push(`Server memory per held connection after GC, ${roundsNote}; clients from ${p.sourceAddresses} loopback source addresses in up to ${p.maxClientProcs} client processes, \`ulimit -n ${p.fdLimit}\`.`, '');
    L.push(`| connections | system | ${IDLE_COLS.map((c) => c[1]).join(' | ')} | rounds |`);
    L.push(`|---:|---|${IDLE_COLS.map(() => '---:').join('|')}|---:|`);
    for (const k of idle) {
      const c = out.cases[k];
      for (const s of out.systems) L.push(`| ${c.size.toLocaleString('en-US')} | ${out.labels[s]} | ${IDLE_COLS.map(([key, , d]) => cell(c.rounds, s, key, d)).join(' | ')} | ${okRounds(c.rounds, s)} |`);
    }
    L.push('');
    L.push(...ratiosTable(out, idle, 'rssKBPerConn', 'RSS per idle connection'));
  }
  if (fan.length) {
    L.push('### Scale: fanout', '');
    L.push(
      `One room, one publisher; ${roundsNote}. **low**: ${p.lowMessages} messages at ${p.lowRate}/s, each its own event-loop turn; ` +
        `**high**: a window of ${p.window} messages in flight, ~${p.highDeliveries.toLocaleString('en-US')} deliveries per size. ` +
        `p50/max ms: time from publishing a message until its last subscriber has it. ` +
        `lost: deliveries missing when the phase ended — (stalled): deliveries stopped, they never came; ` +
        `(behind): the phase hit its deadline while deliveries were still arriving (the system fell behind); ` +
        `(skipped): not run because the low-rate phase did not complete.`,
      '',
    );
    L.push(`| subscribers | rate | system | ${PHASE_COLS.map((c) => c[1]).join(' | ')} | rounds |`);
    L.push(`|---:|---|---|${PHASE_COLS.map(() => '---:').join('|')}|---:|`);
    for (const k of fan) {
      const c = out.cases[k];
      for (const ph of ['low', 'high']) {
        for (const s of out.systems) {
          const cells = PHASE_COLS.map(([key, , d]) => cell(c.rounds, s, `${ph}_${key}`, d) + (key === 'lost' ? phaseEnd(c.rounds, s, ph) : ''));
          L.push(`| ${c.size.toLocaleString('en-US')} | ${ph} | ${out.labels[s]} | ${cells.join(' | ')} | ${okRounds(c.rounds, s)} |`);
        }
      }
    }
    L.push('');
    L.push(...ratiosTable(out, fan, 'low_cpuUsPerDelivery', `CPU per delivery at ${p.lowRate} msg/s`));
    L.push(...ratiosTable(out, fan, 'high_cpuUsPerDelivery', 'CPU per delivery at the high rate'));
  }
  if (out.capped && out.capped.length) {
    L.push(
      `**Capped sizes:** \`ulimit -n ${p.fdLimit}\` was refused (a process gets at most ${out.fdLimitEffective} descriptors here: raising the hard limit needs CAP_SYS_RESOURCE), so one server process holds at most ${out.fdLimitEffective - p.fdReserve} connections: ` +
        out.capped.map((c) => `${c.kind} ${c.asked.toLocaleString('en-US')} ran as ${c.size.toLocaleString('en-US')}`).join(', ') + '.',
      '',
    );
  }
  L.push(...targets(out));
  const n = Object.values(out.cases).flatMap((c) => notes(c, out.labels));
  if (n.length) L.push('Notes:', '', ...n, '');
  return L.join('\n');
}

module.exports = { scaleMarkdown, ratio };
