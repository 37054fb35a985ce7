/**
 * Unknown option names are caller mistakes (`{ prot: 3000 }`, `{ reconection: false }`): they
 * throw a TypeError naming the closest known option, instead of being silently ignored. The known
 * names come from one table per options type (`Record<keyof Options, …>`), so the compiler makes
 * every new option add its entry.
 */

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[] = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}

/**
 * The known name closest to `input`, when it is close enough to be a typo: within
 * `max(1, floor(length / 3))` edits, or `input` is a prefix of it (at least 4 characters).
 */
export function closestName(input: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const budget = Math.max(1, Math.floor(input.length / 3));
  for (const name of known) {
    const d = editDistance(input, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= budget) return best;
  if (input.length >= 4) {
    const lower = input.toLowerCase();
    for (const name of known) if (name.toLowerCase().startsWith(lower)) return name;
  }
  return undefined;
}

/** `unknown option "prot" (did you mean "port"?)`, or the list of known names when none is close. */
export function unknownNameMessage(kind: string, input: string, known: readonly string[]): string {
  const guess = closestName(input, known);
  return guess !== undefined
    ? `unknown ${kind} "${input}" (did you mean "${guess}"?)`
    : `unknown ${kind} "${input}" (known: ${known.join(', ')})`;
}

/** Throws a TypeError (`<who>: unknown option "x" (did you mean "y"?)`) for the first unknown key. */
export function assertKnownKeys(who: string, kind: string, input: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new TypeError(`${who}: ${unknownNameMessage(kind, key, [...known])}`);
  }
}
