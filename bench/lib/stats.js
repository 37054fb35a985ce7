'use strict';
// Small statistics helpers: medians across rounds, latency percentiles, per-round ratios.

/** Median of an array of numbers (NaN-free); undefined for an empty array. */
function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Percentile (0..100) of a sorted typed array, nearest-rank. */
function percentileSorted(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** p50/p90/p99/max of a Float64Array of samples (sorted in place). */
function latencySummary(samples) {
  samples.sort();
  return {
    p50: percentileSorted(samples, 50),
    p90: percentileSorted(samples, 90),
    p99: percentileSorted(samples, 99),
    max: samples.length ? samples[samples.length - 1] : undefined,
  };
}

/**
 * For each pair (a, b) of systems, the median over rounds of metric(a) / metric(b), using only
 * rounds where both systems produced the metric: ratios come from the same round, so a noisy
 * round (other load on the machine) affects numerator and denominator alike.
 */
function pairwiseRatios(rounds, systems, metric) {
  const out = {};
  for (const a of systems) {
    out[a] = {};
    for (const b of systems) {
      if (a === b) continue;
      const r = [];
      for (const round of rounds) {
        const ma = round.results[a] && round.results[a][metric];
        const mb = round.results[b] && round.results[b][metric];
        // Ratios of a negative or zero quantity (memory noise around zero) mean nothing.
        if (Number.isFinite(ma) && Number.isFinite(mb) && ma > 0 && mb > 0) r.push(ma / mb);
      }
      out[a][b] = median(r);
    }
  }
  return out;
}

/** Per-system medians over rounds of every numeric metric. */
function medians(rounds, systems) {
  const out = {};
  for (const s of systems) {
    const keys = new Set();
    for (const round of rounds) if (round.results[s]) for (const k of Object.keys(round.results[s])) keys.add(k);
    const m = {};
    for (const k of keys) {
      const vals = rounds.map((r) => r.results[s] && r.results[s][k]).filter((x) => typeof x === 'number');
      if (vals.length) m[k] = median(vals);
    }
    m.rounds = rounds.filter((r) => r.results[s] && !r.results[s].error).length;
    out[s] = m;
  }
  return out;
}

module.exports = { median, percentileSorted, latencySummary, pairwiseRatios, medians };
