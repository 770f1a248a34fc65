/**
 * Time arithmetic of signal evaluation: aligning evaluation times, trailing windows and anomaly buckets.
 *
 * Every signal is a function of the data in InfluxDB and of one evaluation time `at`. `at` is aligned down
 * to the evaluation interval, so two evaluations within the same interval (a retry, the CLI run next to
 * the service loop, a re-run with the same `--at`) compute the same windows and write the same points at
 * the same timestamps, which InfluxDB overwrites in place: signals are idempotent like every other write.
 *
 * @packageDocumentation
 */
import type { TimeRange } from '../reconcile/query';

/** Milliseconds in a minute, an hour and a day. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type { TimeRange };

/**
 * `ms` aligned down to a multiple of `stepMs` since the Unix epoch (the alignment InfluxDB uses for
 * `GROUP BY time(…)`), also for times before 1970.
 *
 * @throws RangeError for a non-positive or non-integer step, or a non-finite time.
 */
export function alignDown(ms: number, stepMs: number): number {
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) {
    throw new RangeError(`alignment step must be a positive whole number of ms, got ${stepMs}`);
  }
  if (!Number.isFinite(ms)) throw new RangeError(`cannot align the time ${ms}`);
  return Math.floor(ms / stepMs) * stepMs;
}

/** The trailing window of `lengthMs` that ends at `atMs` (exclusive): `[atMs − lengthMs, atMs)`. */
export function windowEndingAt(atMs: number, lengthMs: number): TimeRange {
  return { fromMs: atMs - lengthMs, toMs: atMs };
}

/**
 * Parses an anomaly bucket such as `5m` or `1h` (whole minutes or hours; the config schema also checks it
 * divides a day) into milliseconds.
 *
 * @throws RangeError naming the text when it is not such a duration.
 */
export function bucketMs(text: string): number {
  const m = /^([1-9]\d*)([mh])$/.exec(text);
  if (m === null)
    throw new RangeError(`invalid anomaly bucket ${JSON.stringify(text)}: expected e.g. 5m or 1h`);
  return Number(m[1]) * (m[2] === 'h' ? HOUR_MS : MINUTE_MS);
}

/**
 * The last bucket of `bucketMs` that is complete at `atMs`: the one ending at or before `atMs`. Its data
 * can still change while the service folds in late spans, which is why the loop re-scores it on every
 * evaluation until the next bucket completes (each time rewriting the same point).
 */
export function lastCompleteBucket(atMs: number, bucketMs: number): TimeRange {
  const toMs = alignDown(atMs, bucketMs);
  return { fromMs: toMs - bucketMs, toMs };
}

/** ISO-8601 UTC text of an instant without a `.000` millisecond part (`2026-03-01T10:20:00Z`). */
export function isoText(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
