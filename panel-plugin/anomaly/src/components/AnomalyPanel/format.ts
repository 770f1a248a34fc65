/**
 * Text for values, scores and times, one way everywhere (labels, tooltips, aria-labels): money through the
 * series' field config (unit, decimals, currency) with `formatField`, scores with two decimals (the alert
 * rule's 0.9 and a 0.99 read the same in the strip, the markers and the runbook), times in the dashboard's
 * time zone.
 *
 * @packageDocumentation
 */
import { dateTimeFormat, type GrafanaTheme2, type TimeZone } from '@grafana/data';
import { formatField } from '@meterline/panel-shared';
import type { AnomalySeries } from '../../model';

export interface Formatters {
  /** `$1.23`, as the actual spend field is configured; `–` for no value. */
  money(v: number | null | undefined): string;
  /** `0.99`; `–` for no value. */
  score(v: number | null | undefined): string;
  /** `10:35` (or `03/01 10:35` when the range spans more than a day). */
  time(ms: number): string;
  /** `2026-03-01 10:35`. */
  when(ms: number): string;
}

const NONE = '–';

export function makeFormatters(
  series: AnomalySeries | undefined,
  theme: GrafanaTheme2,
  timeZone: TimeZone,
  rangeMs: number,
): Formatters {
  const field =
    series?.fields.actual ?? series?.fields.expected ?? series?.fields.upper ?? series?.fields.lower;
  const short = rangeMs > 86_400_000 ? 'MM/DD HH:mm' : 'HH:mm';
  return {
    money: (v) =>
      v === null || v === undefined ? NONE : field === undefined ? String(v) : formatField(field, v, theme),
    score: (v) => (v === null || v === undefined ? NONE : v.toFixed(2)),
    time: (ms) => dateTimeFormat(ms, { format: short, timeZone }),
    when: (ms) => dateTimeFormat(ms, { format: 'YYYY-MM-DD HH:mm', timeZone }),
  };
}
