/**
 * Reading InfluxDB answers: the series of the statements of one role, columns by name, times and values.
 *
 * Answers are read as they come from `parseAnswer` (`epoch=ms`: times are epoch-millisecond numbers); a
 * time given as RFC 3339 text (a request without `epoch`) is parsed too.
 *
 * @packageDocumentation
 */
import type { JsonValue } from '@meterline/cost-model';
import type { BuiltStatement, ShapeContext, StatementAnswer } from '../queries/contract';

/** One series of a statement's answer. */
export type InfluxSeries = NonNullable<StatementAnswer['series']>[number];

/** A series with the statement it answers. */
export interface RoleSeries {
  series: InfluxSeries;
  statement: BuiltStatement;
}

/** Every series answering a statement of `role` (in statement order), or none. */
export function seriesOf(ctx: Pick<ShapeContext, 'statements' | 'answers'>, role: string): RoleSeries[] {
  const out: RoleSeries[] = [];
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== role) return;
    for (const series of ctx.answers[i]?.series ?? []) out.push({ series, statement });
  });
  return out;
}

/** The index of column `name`, or -1. */
export function column(series: InfluxSeries, name: string): number {
  return series.columns.indexOf(name);
}

/** A tag of the series (from `GROUP BY`), `''` when absent. */
export function tagOf(series: InfluxSeries, key: string): string {
  return series.tags?.[key] ?? '';
}

/** A time cell as epoch ms, or `null`. */
export function timeMs(v: JsonValue | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** A numeric cell as a number (`null` for anything else). Floats are floats in InfluxDB too. */
export function num(v: JsonValue | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

/** An integer cell (a count such as `events`) exactly, `undefined` when it is not a number (floats rounded). */
export function integer(v: JsonValue | undefined): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Number.isInteger(v) ? v : Math.round(v));
  return undefined;
}

/** A cell as text: `''` for null/absent. */
export function text(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}

/** A boolean cell (`true` only for a JSON `true`). */
export function bool(v: JsonValue | undefined): boolean | null {
  return typeof v === 'boolean' ? v : v === null || v === undefined ? null : Boolean(v);
}

/** The cell of `row` at column index `i` (`undefined` when the column is missing). */
export function cell(row: readonly JsonValue[], i: number): JsonValue | undefined {
  return i < 0 ? undefined : row[i];
}

/** The statement texts of `role`, joined, for `meta.executedQueryString`. */
export function executed(ctx: Pick<ShapeContext, 'statements'>, role?: string): string {
  return ctx.statements
    .filter((s) => role === undefined || s.role === role)
    .map((s) => s.text)
    .join(';\n');
}
