/**
 * Scoring a detector's output against labelled anomaly windows (Numenta Anomaly Benchmark style: windows are
 * inclusive `[start, end]` intervals; a point is *flagged* when its score is ≥ the threshold).
 *
 * - precision: flagged points inside a window / flagged points (point-wise: how much of what is flagged
 *   is real);
 * - recall: windows with at least one flagged point / windows (window-wise: an incident is caught once);
 * - detection delay of a window: the earliest flagged timestamp inside it minus its start;
 * - false-positive rate: flagged points outside every window / points outside every window;
 * - alarms: maximal runs of consecutive flagged rows, the unit an on-call engineer sees; a true alarm starts
 *   inside a window.
 *
 * Pure: no I/O, so the harness (`tools/eval-anomaly.ts`) and the tests share it.
 */

/** An inclusive label window. */
export interface LabelWindow {
  startMs: number;
  endMs: number;
}

/** The evaluation of one series (or, from {@link combineEvaluations}, of several). */
export interface Evaluation {
  /** Rows with a valid timestamp. */
  points: number;
  windows: number;
  flagged: number;
  flaggedInWindows: number;
  falsePositives: number;
  pointsOutsideWindows: number;
  /** Windows with at least one flagged point. */
  detected: number;
  /** Per window, in the order given: detection delay in ms, or null if missed. */
  delaysMs: (number | null)[];
  alarms: number;
  trueAlarms: number;
  /** null when nothing was flagged. */
  precision: number | null;
  /** null when there are no windows. */
  recall: number | null;
  /** null when every point is inside a window. */
  falsePositiveRate: number | null;
  /** true alarms / alarms; null without alarms. */
  alarmPrecision: number | null;
}

/**
 * Evaluates scores against windows. `timestamps[i]` and `scores[i]` describe row i in file order; a row with
 * a non-finite timestamp (a bad row) is left out.
 */
export function evaluateSeries(
  timestamps: ArrayLike<number>,
  scores: ArrayLike<number>,
  windows: readonly LabelWindow[],
  threshold: number,
): Evaluation {
  const firstHit: (number | null)[] = windows.map(() => null);
  let points = 0;
  let flagged = 0;
  let inWindows = 0;
  let outside = 0;
  let alarms = 0;
  let trueAlarms = 0;
  let previousFlagged = false;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i]!;
    if (!Number.isFinite(t)) {
      previousFlagged = false;
      continue;
    }
    points++;
    const isFlagged = scores[i]! >= threshold;
    let inside = false;
    for (let w = 0; w < windows.length; w++) {
      const win = windows[w]!;
      if (t >= win.startMs && t <= win.endMs) {
        inside = true;
        if (isFlagged && (firstHit[w] === null || t < firstHit[w]!)) firstHit[w] = t;
      }
    }
    if (!inside) outside++;
    if (isFlagged) {
      flagged++;
      if (inside) inWindows++;
      if (!previousFlagged) {
        alarms++;
        if (inside) trueAlarms++;
      }
    }
    previousFlagged = isFlagged;
  }
  const delaysMs = firstHit.map((hit, w) => (hit === null ? null : hit - windows[w]!.startMs));
  return finish({
    points,
    windows: windows.length,
    flagged,
    flaggedInWindows: inWindows,
    pointsOutsideWindows: outside,
    detected: delaysMs.filter((d) => d !== null).length,
    delaysMs,
    alarms,
    trueAlarms,
  });
}

/** Pools several evaluations (sums of counts; ratios recomputed from the sums; delays concatenated). */
export function combineEvaluations(parts: readonly Evaluation[]): Evaluation {
  const sum = (k: keyof Evaluation) => parts.reduce((acc, p) => acc + (p[k] as number), 0);
  return finish({
    points: sum('points'),
    windows: sum('windows'),
    flagged: sum('flagged'),
    flaggedInWindows: sum('flaggedInWindows'),
    pointsOutsideWindows: sum('pointsOutsideWindows'),
    detected: sum('detected'),
    delaysMs: parts.flatMap((p) => p.delaysMs),
    alarms: sum('alarms'),
    trueAlarms: sum('trueAlarms'),
  });
}

type Counts = Omit<
  Evaluation,
  'precision' | 'recall' | 'falsePositiveRate' | 'alarmPrecision' | 'falsePositives'
>;

function finish(c: Counts): Evaluation {
  const falsePositives = c.flagged - c.flaggedInWindows;
  return {
    ...c,
    falsePositives,
    precision: c.flagged > 0 ? c.flaggedInWindows / c.flagged : null,
    recall: c.windows > 0 ? c.detected / c.windows : null,
    falsePositiveRate: c.pointsOutsideWindows > 0 ? falsePositives / c.pointsOutsideWindows : null,
    alarmPrecision: c.alarms > 0 ? c.trueAlarms / c.alarms : null,
  };
}

/** Mean, median and max of the detection delays of detected windows (ms), or nulls if none. */
export function delayStats(delaysMs: readonly (number | null)[]): {
  mean: number | null;
  median: number | null;
  max: number | null;
} {
  const d = delaysMs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (d.length === 0) return { mean: null, median: null, max: null };
  const mid = d.length >> 1;
  return {
    mean: d.reduce((a, b) => a + b, 0) / d.length,
    median: d.length % 2 === 1 ? d[mid]! : (d[mid - 1]! + d[mid]!) / 2,
    max: d[d.length - 1]!,
  };
}
