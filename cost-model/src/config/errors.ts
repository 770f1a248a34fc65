/** One problem in a configuration, located by its key path (e.g. `catalog.skus[2].prices[0].unitPrice`). */
export interface ConfigIssue {
  /** Key path; `''` for the document itself. */
  path: string;
  message: string;
}

/** An invalid configuration. The message lists every issue as `path: message`; `issues` holds them. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const n = issues.length;
    super(
      `invalid Meterline configuration (${n} issue${n === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Known key closest to `key` (ignoring case, `_` and `-`; edit distance with transpositions), if close enough. */
export function closest(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '');
  const k = norm(key);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(k, norm(candidate));
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  // Close enough to be a typo, and not a wholesale replacement of a short word.
  return bestDistance <= Math.max(1, Math.floor(k.length / 3)) && bestDistance < k.length ? best : undefined;
}

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
