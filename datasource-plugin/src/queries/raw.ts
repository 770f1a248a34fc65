/**
 * Raw InfluxQL for power users, with the same macros and variable escaping as everything else
 * (`influxql/macros.ts`): `$timeFilter`, `$__interval`, `$__from`/`$__to`, and variables escaped for the
 * token they are in.
 *
 * Several statements (`;`-separated) are run as several statements. Columns named `*_nano` are money:
 * converted exactly to currency units, with the unit of the series' `currency` tag (else the default
 * currency).
 *
 * - `time_series`: a frame per series and value column (`Time` + the column, the series' tags as labels),
 *   named `<measurement>.<column> {tag=value, …}`; a series without a `time` column (`SHOW …`) becomes a
 *   table frame.
 * - `table`: a table frame per statement: `time` (when present), the `GROUP BY` tags, then the columns,
 *   the rows of all its series one after the other.
 *
 * @packageDocumentation
 */
import type { DataFrame, Field, FieldConfig, FieldType } from '@grafana/data';
import type { JsonValue } from '@meterline/cost-model';
import { column, num, text, timeMs, type InfluxSeries } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { field, frame, timeField } from '../frames/frame';
import { currencyOf, moneyConfig, nanoToNumber } from '../frames/money';
import { splitStatements } from '../influxql/lexer';
import { expandRawQuery } from '../influxql/macros';
import type { MeterlineOptions, MeterlineQuery } from '../types';
import type { BuildContext, BuiltStatement, QueryTypeHandler, ShapeContext } from './contract';

function build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[] {
  const influxql = query.rawQuery ?? '';
  if (influxql.trim() === '') return [];
  return splitStatements(expandRawQuery(influxql, ctx)).map((s) => ({ role: 'raw', text: s }));
}

function shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  const frames: DataFrame[] = [];
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'raw') return;
    const list = ctx.answers[i]?.series ?? [];
    const meta = { executedQueryString: statement.text };
    if (query.rawFormat === 'table') {
      if (list.length > 0) frames.push(tableFrame(list, ctx, meta));
      return;
    }
    for (const series of list) {
      if (column(series, 'time') < 0) frames.push(tableFrame([series], ctx, meta));
      else frames.push(...seriesFrames(series, ctx, meta));
    }
  });
  return frames;
}

function seriesName(series: InfluxSeries, col: string): string {
  const tags = Object.entries(series.tags ?? {});
  const suffix = tags.length === 0 ? '' : ` {${tags.map(([k, v]) => `${k}=${v}`).join(', ')}}`;
  return `${series.name}.${col}${suffix}`;
}

function seriesFrames(
  series: InfluxSeries,
  ctx: ShapeContext,
  meta: { executedQueryString: string },
): DataFrame[] {
  const t = column(series, 'time');
  const times = series.values.map((r) => timeMs(r[t]) ?? NaN);
  const currency = currencyOf(series.tags, ctx.settings);
  const out: DataFrame[] = [];
  series.columns.forEach((col, c) => {
    if (c === t) return;
    const name = seriesName(series, col);
    const values = series.values.map((r) => r[c] ?? null);
    const f = valueField(col, values, () => currency, ctx.settings, series.tags);
    f.config = { ...f.config, displayNameFromDS: name };
    out.push(frame(ctx.refId, [timeField(times), f], { name, meta }));
  });
  return out;
}

function tableFrame(
  list: InfluxSeries[],
  ctx: ShapeContext,
  meta: { executedQueryString: string },
): DataFrame {
  const hasTime = list.some((s) => column(s, 'time') >= 0);
  const tagKeys = [...new Set(list.flatMap((s) => Object.keys(s.tags ?? {})))];
  const columns = [...new Set(list.flatMap((s) => s.columns.filter((c) => c !== 'time')))];
  const times: number[] = [];
  const tagValues: string[][] = tagKeys.map(() => []);
  const cells: JsonValue[][] = columns.map(() => []);
  const currencies: string[] = [];
  for (const s of list) {
    const t = column(s, 'time');
    const idx = columns.map((c) => column(s, c));
    const currency = currencyOf(s.tags, ctx.settings);
    for (const row of s.values) {
      if (hasTime) times.push(t < 0 ? NaN : (timeMs(row[t]) ?? NaN));
      tagKeys.forEach((k, j) => tagValues[j]!.push(s.tags?.[k] ?? ''));
      idx.forEach((c, j) => cells[j]!.push(c < 0 ? null : (row[c] ?? null)));
      currencies.push(currency);
    }
  }
  const one = new Set(currencies).size === 1 ? currencies[0]! : '';
  const fields: Field[] = [
    ...(hasTime ? [field('time', FieldTypes.time, times)] : []),
    ...tagKeys.map((k, j) => field(k, FieldTypes.string, tagValues[j]!)),
    ...columns.map((c, j) => valueField(c, cells[j]!, () => one, ctx.settings)),
  ];
  return frame(ctx.refId, fields, { meta: { ...meta, preferredVisualisationType: 'table' } });
}

/** A column as a field: money for `*_nano`, else typed by its first non-null value. */
function valueField(
  name: string,
  values: readonly JsonValue[],
  currency: () => string,
  settings: MeterlineOptions,
  labels?: Record<string, string>,
): Field {
  if (name.endsWith('_nano')) {
    return field(
      name,
      FieldTypes.number,
      values.map(nanoToNumber),
      moneyConfig(currency(), settings),
      labels,
    );
  }
  const sample = values.find((v) => v !== null && v !== undefined);
  let type: FieldType = FieldTypes.string;
  let out: unknown[];
  if (typeof sample === 'number' || typeof sample === 'bigint') {
    type = FieldTypes.number;
    out = values.map((v) => num(v));
  } else if (typeof sample === 'boolean') {
    type = FieldTypes.boolean;
    out = values.map((v) => (typeof v === 'boolean' ? v : null));
  } else out = values.map((v) => (v === null || v === undefined ? null : text(v)));
  const config: FieldConfig = {};
  return field(name, type, out, config, labels);
}

/** Raw InfluxQL (see the module doc). */
export const rawQuery: QueryTypeHandler = { build, shape };
