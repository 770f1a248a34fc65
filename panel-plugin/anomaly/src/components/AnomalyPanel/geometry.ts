/**
 * Where things go in the panel: the vertical layout for a panel size, the time and value scales, ticks and
 * SVG paths. Pure arithmetic, so the layout is the same in jsdom, in the harness and in Grafana.
 *
 * @packageDocumentation
 */

/** Heights (px) and horizontal plot bounds of the panel's rows, top to bottom. */
export interface PanelLayout {
  header: number;
  chart: number;
  lane: number;
  strip: number;
  axis: number;
  /** Left and right x of the plot area (the y labels sit left of `left`). */
  left: number;
  right: number;
  /** Whether the value axis has labels (not in a very short chart). */
  yLabels: boolean;
}

/** Height of the marker lane: the 16 px marker buttons and a pixel above and below. */
export const LANE_HEIGHT = 18;

/**
 * The rows for a `width`×`height` panel. From a 4×3 grid cell (~300×130: chart, markers and strip, no
 * header) to full width. `hasChart`: whether there is spend to draw (only scores: the strip grows instead);
 * `hasScores`: whether there is a strip at all.
 */
export function layoutFor(
  width: number,
  height: number,
  { hasChart, hasScores }: { hasChart: boolean; hasScores: boolean },
): PanelLayout {
  const header = height >= 180 && width >= 360 ? 24 : 0;
  const axis = height >= 110 ? 16 : 0;
  const rest = Math.max(0, height - header - axis - LANE_HEIGHT);
  let strip = hasScores ? Math.min(16, Math.max(8, Math.round(height * 0.08))) : 0;
  if (hasScores && !hasChart) strip = Math.max(strip, Math.min(48, Math.round(rest * 0.5)));
  const chart = Math.max(0, rest - strip);
  const yLabels = hasChart && chart >= 50 && width >= 240;
  const left = yLabels ? (width >= 480 ? 64 : 48) : 4;
  return {
    header,
    chart,
    lane: LANE_HEIGHT,
    strip,
    axis,
    left,
    right: Math.max(left + 1, width - 8),
    yLabels,
  };
}

/** A linear scale from `[d0, d1]` to `[r0, r1]`, with its inverse. */
export interface Scale {
  (v: number): number;
  invert(px: number): number;
  domain: [number, number];
}

export function linearScale(d0: number, d1: number, r0: number, r1: number): Scale {
  const span = d1 - d0 || 1;
  const f = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as Scale;
  f.invert = (px: number) => d0 + ((px - r0) / (r1 - r0 || 1)) * span;
  f.domain = [d0, d1];
  return f;
}

/**
 * The value range to draw: always including zero (spend is compared with nothing spent; credits go below
 * it), a flat series gets a unit range, and a little headroom above (and below, when negative).
 */
export function valueDomain(values: readonly number[]): [number, number] {
  let min = 0;
  let max = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max === min) return [min, min + 1];
  const pad = (max - min) * 0.08;
  return [min < 0 ? min - pad : min, max > 0 ? max + pad : max];
}

/**
 * Round tick values (1, 2, 2.5, 5 × 10ⁿ apart) inside `[min, max]`: `count` + 1 or fewer, so a range around
 * zero gets a tick on each side of it.
 */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min) || count < 1) return [];
  const raw = (max - min) / (count + 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    // Rounding: 0.1 + 0.2 style drift would print as 0.30000000000000004.
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

const MINUTE = 60_000;
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MINUTE);

/** About `count` time ticks on round minutes/hours/days inside `[from, to]` (UTC-aligned). */
export function timeTicks(from: number, to: number, count: number): number[] {
  if (!(to > from) || count < 1) return [];
  const step = TIME_STEPS.find((s) => (to - from) / s <= count) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const out: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) out.push(t);
  return out;
}

/**
 * SVG path of a line through `points`, broken where a value is missing (`null`), so a gap in the data is a
 * gap in the line rather than a straight line across it. A point alone between gaps (a series that has just
 * started being scored) would draw nothing: it becomes a short horizontal stroke `isolated` px either side.
 */
export function linePath(points: ReadonlyArray<[number, number | null]>, isolated = 0): string {
  let d = '';
  let run: Array<[number, number]> = [];
  const flush = () => {
    if (run.length === 1 && isolated > 0) {
      const [x, y] = run[0]!;
      d += `M${round(x - isolated)},${round(y)}L${round(x + isolated)},${round(y)}`;
    } else {
      d += run.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${round(x)},${round(y)}`).join('');
    }
    run = [];
  };
  for (const [x, y] of points) {
    if (y === null) flush();
    else run.push([x, y]);
  }
  flush();
  return d;
}

/**
 * SVG path of the area between `upper` and `lower`, one closed shape per run of points having both (a lone
 * point: a box `isolated` px either side).
 */
export function bandPath(
  points: ReadonlyArray<[number, number | null, number | null]>,
  isolated = 0,
): string {
  let d = '';
  let run: Array<[number, number, number]> = [];
  const flush = () => {
    if (run.length === 1 && isolated > 0) {
      const [x, u, l] = run[0]!;
      run = [
        [x - isolated, u, l],
        [x + isolated, u, l],
      ];
    }
    if (run.length > 0) {
      d += run.map(([x, u], i) => `${i === 0 ? 'M' : 'L'}${round(x)},${round(u)}`).join('');
      d += [...run]
        .reverse()
        .map(([x, , l]) => `L${round(x)},${round(l)}`)
        .join('');
      d += 'Z';
    }
    run = [];
  };
  for (const [x, u, l] of points) {
    if (u === null || l === null) flush();
    else run.push([x, u, l]);
  }
  flush();
  return d;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Index of the point whose time is nearest to `t` (points sorted by time), or -1 for none. */
export function nearestIndex(times: readonly number[], t: number): number {
  if (times.length === 0) return -1;
  let lo = 0;
  let hi = times.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return Math.abs(times[lo]! - t) <= Math.abs(times[hi]! - t) ? lo : hi;
}
