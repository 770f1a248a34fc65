/**
 * What `meterline signals --once` prints: the points it wrote, as an aligned table (pure functions of the
 * {@link SignalsReport}).
 *
 * @packageDocumentation
 */
import type { FieldValue } from '../influx/line-protocol';
import { alignTable, printable } from '../reconcile/output';
import { amountText } from './anomaly-event';
import { seriesName } from './anomaly-series';
import type { SignalsReport } from './evaluate';
import type { SignalPoint } from './points';
import { isoText } from './time';

/** Tags shown in their own columns rather than in `series`. */
const OWN_COLUMNS = new Set(['signal', 'kind', 'window']);

function fieldNumber(v: FieldValue | null | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && v.kind === 'int') return Number(v.value);
  return undefined;
}

/** A ratio or score: up to four significant digits, no exponent for ordinary sizes. */
function ratioText(v: number | undefined): string {
  if (v === undefined) return '';
  if (v === 0) return '0';
  if (Math.abs(v) < 1e-4) return v.toFixed(4); // a score of 1.9e-16 is 0 for a reader
  return Math.abs(v) >= 1e6 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

/** The `value` column: the ratio or score, or the budget amount. */
function valueOf(p: SignalPoint): string {
  if (p.measurement === 'cost_budget') {
    return `${amountText(fieldNumber(p.fields.amount_nano) ?? 0)} ${p.tags?.currency ?? ''}`;
  }
  return ratioText(fieldNumber(p.measurement === 'cost_event' ? p.fields.score : p.fields.value));
}

/** The `notes` column: what else matters about the point. */
function notesOf(p: SignalPoint): string {
  const f = p.fields;
  const notes: string[] = [];
  if (p.measurement === 'cost_budget') notes.push(`${String(f.period)} from ${isoText(p.time)}`);
  if (p.tags?.signal === 'projected_ratio') {
    for (const flag of ['page', 'ticket', 'warn', 'escalate']) if (f[flag] === true) notes.push(flag);
    const s = fieldNumber(f.exhaustion_s);
    if (s !== undefined) notes.push(`exhausted in ${(s / 3600).toFixed(1)} h`);
  }
  if (p.tags?.signal === 'anomaly_score') {
    const expected = fieldNumber(f.expected);
    notes.push(`bucket ${isoText(p.time)}: spent ${amountText(fieldNumber(f.amount_nano) ?? 0)}`);
    if (expected !== undefined) notes.push(`expected ${amountText(expected)}`);
    if (f.ready === false) notes.push('not ready');
  }
  if (p.measurement === 'cost_event') {
    notes.push(`since ${isoText(p.time)}`);
    const traces = String(f.trace_ids ?? '');
    notes.push(`${traces === '' ? 0 : traces.split(',').length} trace ids`);
    if (f.deploy_versions) notes.push(`deploys ${String(f.deploy_versions)}`);
  }
  return notes.join(', ');
}

/** The summary: header, one row per point, counts per measurement, skipped series and failed parts. */
export function formatSignalsTable(report: SignalsReport, target: string): string {
  const out = [`Signals at ${isoText(report.atMs)} → ${target}`, ''];
  if (report.points.length === 0) {
    out.push('Nothing to write: no budgets, and no cost or provider_cost data in the windows.');
  } else {
    const rows: string[][] = [['measurement', 'signal', 'window', 'series', 'value', 'notes']];
    for (const p of report.points) {
      const tags = p.tags ?? {};
      const series = Object.keys(tags)
        .filter((k) => !OWN_COLUMNS.has(k) && tags[k])
        .sort()
        .map((k) => `${k}=${tags[k]}`)
        .join(' ');
      rows.push([
        p.measurement,
        String(tags.signal ?? tags.kind ?? ''),
        String(tags.window ?? ''),
        printable(series),
        valueOf(p),
        printable(notesOf(p)),
      ]);
    }
    out.push(alignTable(rows, [4]));
  }
  const counts = new Map<string, number>();
  for (const p of report.points) counts.set(p.measurement, (counts.get(p.measurement) ?? 0) + 1);
  const n = report.points.length;
  out.push(
    '',
    `Wrote ${n} point${n === 1 ? '' : 's'}` +
      (n === 0
        ? '.'
        : `: ${[...counts]
            .sort()
            .map(([m, c]) => `${c} ${m}`)
            .join(', ')}.`),
  );
  if (report.anomalyBucket !== undefined) {
    out.push(
      `Anomaly scores are for the bucket ${isoText(report.anomalyBucket.fromMs)} – ${isoText(report.anomalyBucket.toMs)}.`,
    );
  }
  if (report.skippedSeries.length > 0) {
    const shown = report.skippedSeries.slice(0, 5).map((s) => printable(seriesName(s)));
    out.push(
      `Skipped the ${report.skippedSeries.length} least costly series (over signals.anomaly.maxSeries): ${shown.join(', ')}${report.skippedSeries.length > shown.length ? ', …' : ''}.`,
    );
  }
  for (const { part, error } of report.errors) out.push(`FAILED: ${part}: ${printable(error.message)}`);
  return out.join('\n') + '\n';
}
