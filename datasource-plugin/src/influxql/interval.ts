/**
 * Bucket widths for `GROUP BY time(…)`.
 *
 * Meterline's rollups are per minute (one `cost` point per series and minute), so a bucket is never finer
 * than one minute and always a whole number of minutes: a 90 s bucket would hold one or two rollup points
 * alternately and draw a saw-tooth that is not in the data.
 *
 * @packageDocumentation
 */
import { QueryBuildError } from '../queries/contract';
import type { BuildContext } from '../queries/contract';

/** The rollup resolution: no bucket is finer. */
export const MIN_BUCKET_MS = 60_000;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+)(ms|s|m|h|d|w)/g;

/**
 * Milliseconds of an InfluxQL-style duration: `30s`, `5m`, `1h`, `1h30m`, `7d`, `2w`. Throws a
 * {@link QueryBuildError} naming `what` and the text otherwise.
 */
export function parseDuration(text: string, what: string): number {
  const t = text.trim();
  if (!DURATION.test(t)) {
    throw new QueryBuildError(
      `${what}: '${text}' is not a duration (use a number and a unit: ms, s, m, h, d or w, e.g. 5m or 1h)`,
    );
  }
  let ms = 0;
  for (const m of t.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new QueryBuildError(`${what}: '${text}' must be longer than zero and reasonably short`);
  }
  return ms;
}

/** A whole number of minutes as the shortest InfluxQL duration: `1m`, `90m` → `90m`, `120m` → `2h`, `1d`. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', UNIT_MS.d!],
    ['h', UNIT_MS.h!],
    ['m', UNIT_MS.m!],
    ['s', UNIT_MS.s!],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `ms` rounded up to whole minutes, at least one. */
export function toBucketMs(ms: number): number {
  if (!Number.isFinite(ms) || ms <= MIN_BUCKET_MS) return MIN_BUCKET_MS;
  return Math.ceil(ms / MIN_BUCKET_MS) * MIN_BUCKET_MS;
}

/** A bucket width and how InfluxQL writes it. */
export interface Bucket {
  ms: number;
  /** e.g. `5m`, for `GROUP BY time(5m)`. */
  text: string;
}

/** Texts that mean "Grafana's interval": empty, `auto`, and the interval variables themselves. */
const AUTO = new Set(['', 'auto', '$__interval', '${__interval}', '$interval', '${interval}']);

/**
 * The bucket of a query: its `interval` (variables resolved, e.g. `$bucket` → `1h`) or, when empty,
 * Grafana's `$__interval` (`ctx.intervalMs`, which already respects max data points) — either way at
 * least one minute and a whole number of minutes.
 */
export function bucketInterval(
  interval: string | undefined,
  ctx: Pick<BuildContext, 'intervalMs' | 'vars' | 'scopedVars'>,
): Bucket {
  const typed = (interval ?? '').trim();
  let ms: number;
  if (AUTO.has(typed)) ms = ctx.intervalMs;
  else {
    const resolved = ctx.vars.raw(typed, ctx.scopedVars).trim();
    ms = AUTO.has(resolved) ? ctx.intervalMs : parseDuration(resolved, `interval '${typed}'`);
  }
  const bucket = toBucketMs(ms);
  return { ms: bucket, text: formatDuration(bucket) };
}
