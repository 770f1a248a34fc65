/**
 * The period of a report: one calendar month in UTC, `[first day 00:00Z, first day of the next month)`.
 * UTC because the `cost` and `provider_cost` points are summed per UTC day, and a report must add up to the
 * same totals whoever runs it, wherever.
 *
 * @packageDocumentation
 */
import { UsageError } from '../reconcile/command-io';

const DAY_MS = 86_400_000;

/** A report period. */
export interface ReportPeriod {
  /** `YYYY-MM`. */
  label: string;
  /** First instant, epoch ms (inclusive). */
  fromMs: number;
  /** First instant after the period, epoch ms (exclusive). */
  toMs: number;
  /** Start of every UTC day of the period, ascending. */
  days: number[];
}

/**
 * Parses `--period YYYY-MM`.
 *
 * @throws UsageError `--period: expected YYYY-MM, got "2024-13"`.
 */
export function parsePeriod(text: string | undefined): ReportPeriod {
  if (text === undefined) throw new UsageError('--period YYYY-MM is required');
  const m = /^(\d{4})-(\d{2})$/.exec(text);
  const month = m === null ? 0 : Number(m[2]);
  if (m === null || month < 1 || month > 12) {
    throw new UsageError(`--period: expected YYYY-MM, got ${JSON.stringify(text)}`);
  }
  const year = Number(m[1]);
  // Date.UTC maps years 0–99 to 1900–1999, and InfluxDB holds nothing that old anyway.
  if (year < 1970)
    throw new UsageError(`--period: expected a year from 1970 on, got ${JSON.stringify(text)}`);
  const fromMs = Date.UTC(year, month - 1, 1);
  const toMs = Date.UTC(year, month, 1);
  const days: number[] = [];
  for (let d = fromMs; d < toMs; d += DAY_MS) days.push(d);
  return { label: text, fromMs, toMs, days };
}
