/**
 * The ratio's trend over the time range as an inline SVG line, with the target as a dashed line (and zero
 * when credits push the ratio below it), so "how long has it been over target" is visible at a glance.
 */
import { useStyles2 } from '@grafana/ui';
import type { RatioStatus, TrendPoint } from '../../model';
import { getStyles } from './styles';

/** Where things go in a `width` × `height` box (pixels). */
export interface SparkGeometry {
  /** SVG path of the trend (`M x y L x y …`). */
  line: string;
  /** y of the target line. */
  targetY: number;
  /** y of zero, only when the trend goes below it. */
  zeroY: number | undefined;
  /** The last point (marked with a dot). */
  last: { x: number; y: number };
}

const round = (n: number): number => Math.round(n * 10) / 10;

/**
 * The geometry of `points` against `target` (both ratios) in `width` × `height` pixels with `pad` around.
 * The y axis spans 0 (or the lowest value, if negative) to the highest value or the target, plus 10%
 * headroom, so the target line is always in view. `undefined` below two points or without room to draw.
 */
export function sparkGeometry(
  points: readonly TrendPoint[],
  target: number,
  width: number,
  height: number,
  pad = 3,
): SparkGeometry | undefined {
  const w = width - 2 * pad;
  const h = height - 2 * pad;
  if (points.length < 2 || w < 2 || h < 2) return undefined;
  let lo = Math.min(0, target);
  let hi = Math.max(0, target);
  for (const p of points) {
    lo = Math.min(lo, p.value);
    hi = Math.max(hi, p.value);
  }
  if (hi === lo) hi = lo + 1;
  hi += (hi - lo) * 0.1;
  const t0 = points[0]!.time;
  const t1 = points[points.length - 1]!.time;
  // Equal timestamps (a frame without a time field uses indexes; or one bucket): spread by position.
  const xOf = (p: TrendPoint, i: number): number =>
    pad + (t1 > t0 ? (p.time - t0) / (t1 - t0) : i / (points.length - 1)) * w;
  const yOf = (v: number): number => pad + ((hi - v) / (hi - lo)) * h;
  const coords = points.map((p, i) => ({ x: round(xOf(p, i)), y: round(yOf(p.value)) }));
  return {
    line: coords.map((c, i) => `${i === 0 ? 'M' : 'L'}${c.x} ${c.y}`).join(' '),
    targetY: round(yOf(target)),
    zeroY: lo < 0 ? round(yOf(0)) : undefined,
    last: coords[coords.length - 1]!,
  };
}

/** Props of {@link Sparkline}. */
export interface SparklineProps {
  points: readonly TrendPoint[];
  /** The target as a ratio (0.05). */
  target: number;
  /** Colours the line like the big number. */
  status: RatioStatus;
  width: number;
  height: number;
  /** What a screen reader hears, e.g. "Trend over the time range: from 3.1% to 7.3%; target 5%". */
  label: string;
}

/** The trend line; renders nothing when there is not enough to draw. */
export function Sparkline({ points, target, status, width, height, label }: SparklineProps) {
  const styles = useStyles2(getStyles);
  const g = sparkGeometry(points, target, width, height);
  if (g === undefined) return null;
  return (
    <svg
      className={styles.svg}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      data-testid="attribution-sparkline"
    >
      <title>{label}</title>
      {g.zeroY !== undefined && (
        <line
          className={styles.zero}
          x1={0}
          x2={width}
          y1={g.zeroY}
          y2={g.zeroY}
          data-testid="sparkline-zero"
        />
      )}
      <line
        className={styles.target}
        x1={0}
        x2={width}
        y1={g.targetY}
        y2={g.targetY}
        data-testid="sparkline-target"
      />
      <path className={styles.line(status)} d={g.line} data-testid="sparkline-line" />
      <circle className={styles.dot(status)} cx={g.last.x} cy={g.last.y} r={2.5} />
    </svg>
  );
}
