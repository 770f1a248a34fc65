/**
 * Top costly traces: the costliest spans `meterline serve` kept as exemplars (`cost_exemplar`, tags
 * `service`, `tenant`, `sku`; fields `trace_id`, `span_id`, `amount_nano`), as a table whose `trace_id`
 * opens the trace in Tempo.
 *
 * ```sql
 * SELECT "trace_id", "span_id", "amount_nano", "service", "tenant", "sku" FROM "cost_exemplar"
 *   WHERE time … [AND <filters>] ORDER BY time DESC LIMIT 10000;
 * SHOW TAG VALUES FROM "cost" WITH KEY = "currency" [WHERE <filters>]
 * ```
 *
 * InfluxQL's `TOP()` ranks within a series only, so the latest 10,000 exemplars are read and ranked here
 * (exactly, in bigint), `limit` rows kept. Exemplars carry no currency: it is the currency of the matching
 * `cost` series when there is exactly one, else the data source's default currency.
 *
 * @packageDocumentation
 */
import type { DataFrame } from '@grafana/data';
import type { JsonValue } from '@meterline/cost-model';
import { column, text, timeMs, type InfluxSeries } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { field, frame } from '../frames/frame';
import { traceIdConfig } from '../frames/links';
import { currencyOf, moneyConfig, nanoToNumber, toNano } from '../frames/money';
import { and, tagConditions, timeCondition } from '../influxql/where';
import type { MeterlineQuery } from '../types';
import type { BuildContext, BuiltStatement, QueryTypeHandler, ShapeContext } from './contract';

/** How many of the latest exemplars are ranked. */
export const TRACES_READ = 10_000;

function build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[] {
  const filters = tagConditions(query.filters, ctx);
  const currencyWhere = filters.length === 0 ? '' : ` WHERE ${and(filters)}`;
  return [
    {
      role: 'exemplars',
      text:
        `SELECT "trace_id", "span_id", "amount_nano", "service", "tenant", "sku" FROM "cost_exemplar" ` +
        `WHERE ${and(timeCondition(ctx.fromMs, ctx.toMs), filters)} ORDER BY time DESC LIMIT ${TRACES_READ}`,
    },
    { role: 'currency', text: `SHOW TAG VALUES FROM "cost" WITH KEY = "currency"${currencyWhere}` },
  ];
}

interface Row {
  time: number;
  nano: bigint;
  row: readonly JsonValue[];
  series: InfluxSeries;
}

function shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  const rows: Row[] = [];
  const currencies = new Set<string>();
  ctx.statements.forEach((statement, i) => {
    for (const series of ctx.answers[i]?.series ?? []) {
      if (statement.role === 'currency') {
        const v = column(series, 'value');
        for (const r of series.values) if (text(r[v]) !== '') currencies.add(text(r[v]));
        continue;
      }
      if (statement.role !== 'exemplars') continue;
      const t = column(series, 'time');
      const a = column(series, 'amount_nano');
      for (const row of series.values) {
        const time = timeMs(row[t]);
        const nano = toNano(row[a]);
        if (time !== null && nano !== undefined) rows.push({ time, nano, row, series });
      }
    }
  });
  if (rows.length === 0) return [];
  // Costliest first; ties newest first, then by trace ID, so the order never depends on InfluxDB's.
  const traceOf = (r: Row): string => text(r.row[column(r.series, 'trace_id')]);
  rows.sort((x, y) =>
    x.nano !== y.nano
      ? x.nano > y.nano
        ? -1
        : 1
      : y.time - x.time || (traceOf(x) < traceOf(y) ? -1 : traceOf(x) > traceOf(y) ? 1 : 0),
  );
  const top = rows.slice(0, Math.max(0, query.limit ?? 10));
  const currency = currencies.size === 1 ? [...currencies][0]! : currencyOf(undefined, ctx.settings);
  const col = (name: string): string[] =>
    top.map((r) => {
      const c = column(r.series, name);
      return text(c < 0 ? r.series.tags?.[name] : r.row[c]);
    });
  return [
    frame(
      ctx.refId,
      [
        field(
          'time',
          FieldTypes.time,
          top.map((r) => r.time),
        ),
        field('trace_id', FieldTypes.string, col('trace_id'), traceIdConfig(ctx.settings)),
        field(
          'amount',
          FieldTypes.number,
          top.map((r) => nanoToNumber(r.nano)),
          moneyConfig(currency, ctx.settings, { decimals: null }),
        ),
        field('service', FieldTypes.string, col('service')),
        field('tenant', FieldTypes.string, col('tenant')),
        field('sku', FieldTypes.string, col('sku')),
        field('span_id', FieldTypes.string, col('span_id')),
      ],
      {
        name: 'top costly traces',
        meta: {
          preferredVisualisationType: 'table',
          executedQueryString: ctx.statements.map((s) => s.text).join(';\n'),
        },
      },
    ),
  ];
}

/** Top costly traces (see the module doc). */
export const tracesQuery: QueryTypeHandler = { build, shape };
