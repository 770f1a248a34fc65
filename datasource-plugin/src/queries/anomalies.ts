/**
 * Anomalies, from what `meterline signals` writes (otel-processor `signals/anomaly.ts`,
 * `signals/anomaly-event.ts`) and the exemplars `meterline serve` keeps.
 *
 * `series` view — `cost_signal signal=anomaly_score`, one series per value of the dimension tag (`team`,
 * `service` or `tenant`; each point carries exactly one) and `currency`; one point per scored bucket
 * (5 minutes) with `value` (score 0..1), `expected`, `lower`, `upper` (nano-units per bucket, estimates)
 * and `amount_nano` (the bucket's actual spend). The points are read as written, not re-bucketed: a
 * score averaged or summed over a wider bucket would no longer mean anything. Frames per series:
 * `score`, `expected`, `lower`, `upper` (the band: `upper` fills down to `lower`), `actual` — and one
 * `exemplar` frame (`meta.custom.resultType: 'exemplar'`, `dataTopic: annotations`, as Grafana's
 * "convert to exemplars" makes them) from `cost_exemplar`: the costliest span per Grafana interval, with a
 * `trace_id` field linking to Tempo, so time series panels draw clickable exemplars.
 *
 * Exemplars carry `service` and `tenant` but no `team`: a team's series gets no exemplars when one team
 * is selected (they could not be told apart from other teams'), and all exemplars otherwise.
 *
 * `events` view — `cost_event kind=anomaly` (title, text, score, trace_ids, deploys) and the deploys in
 * the range (`kind=deploy`: version, previous_version) as one table, newest first, the first trace ID in
 * its own linked `trace_id` field and all of them as a list in `trace_ids`.
 *
 * @packageDocumentation
 */
import { DataTopic } from '@grafana/schema';
import { ident } from '@meterline/cost-model';
import type { DataFrame, Field, FieldConfig } from '@grafana/data';
import type { JsonValue } from '@meterline/cost-model';
import { column, num, tagOf, text, timeMs, type InfluxSeries } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { displayName, field, frame, timeField } from '../frames/frame';
import { traceIdConfig } from '../frames/links';
import { currencyOf, moneyConfig, nanoToNumber, toNano } from '../frames/money';
import { MIN_BUCKET_MS } from '../influxql/interval';
import { and, eq, equalsCondition, timeCondition } from '../influxql/where';
import type { AnomalyDimension, MeterlineQuery } from '../types';
import {
  QueryBuildError,
  type BuildContext,
  type BuiltStatement,
  type QueryTypeHandler,
  type ShapeContext,
} from './contract';

const DIMENSIONS: readonly AnomalyDimension[] = ['team', 'service', 'tenant'];

/** How many exemplar points are read before the costliest per interval are kept. */
export const EXEMPLARS_READ = 10_000;

function dimensionOf(query: MeterlineQuery): AnomalyDimension {
  const d = query.dimension ?? 'team';
  if (!DIMENSIONS.includes(d)) {
    throw new QueryBuildError(`anomalies: unknown dimension '${String(d)}' (team, service or tenant)`);
  }
  return d;
}

function build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[] {
  const dimension = dimensionOf(query);
  const time = timeCondition(ctx.fromMs, ctx.toMs);
  const selected = equalsCondition(dimension, query.dimensionValue, ctx);
  // Points of this dimension: the tag is present (`!= ''`), unless a value is selected anyway.
  const ofDimension = selected ?? `${ident(dimension)} != ''`;
  if (query.anomalyView === 'events') {
    const deployFilter = dimension === 'tenant' ? undefined : selected;
    return [
      {
        role: 'anomaly-events',
        text:
          `SELECT "title", "text", "score", "trace_ids", "deploys", "team", "service", "tenant", "currency" ` +
          `FROM "cost_event" WHERE ${and(time, eq('kind', 'anomaly'), ofDimension)}`,
      },
      {
        role: 'deploys',
        text:
          `SELECT "title", "text", "version", "previous_version", "service", "team", "env" ` +
          `FROM "cost_event" WHERE ${and(time, eq('kind', 'deploy'), deployFilter)}`,
      },
    ];
  }
  const out: BuiltStatement[] = [
    {
      role: 'scores',
      text:
        `SELECT "value" AS "score", "expected", "lower", "upper", "amount_nano" FROM "cost_signal" ` +
        `WHERE ${and(time, eq('signal', 'anomaly_score'), ofDimension)} GROUP BY ${ident(dimension)}, "currency"`,
    },
  ];
  if (!(dimension === 'team' && selected !== undefined)) {
    const exemplarFilter = dimension === 'team' ? undefined : selected;
    out.push({
      role: 'exemplars',
      text:
        `SELECT "trace_id", "span_id", "amount_nano", "service", "tenant", "sku" FROM "cost_exemplar" ` +
        `WHERE ${and(time, exemplarFilter)} ORDER BY time DESC LIMIT ${EXEMPLARS_READ}`,
    });
  }
  return out;
}

function shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  return query.anomalyView === 'events' ? eventFrames(ctx) : seriesFrames(query, ctx);
}

// ------------------------------------------------------------------------------------------ series

function seriesFrames(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  const dimension = dimensionOf(query);
  const frames: DataFrame[] = [];
  const currencies = new Set<string>();
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'scores') return;
    for (const series of ctx.answers[i]?.series ?? []) {
      if (series.values.length === 0) continue;
      const currency = currencyOf(series.tags, ctx.settings);
      currencies.add(currency);
      frames.push(...scoreFrames(series, dimension, currency, ctx, statement.text));
    }
  });
  // Exemplars have no currency: the series' one when they share one, else the default.
  const exemplarCurrency = currencies.size === 1 ? [...currencies][0]! : currencyOf(undefined, ctx.settings);
  const exemplars = exemplarFrame(ctx, exemplarCurrency);
  if (exemplars !== undefined) frames.push(exemplars);
  return frames;
}

/** The five frames of one scored series: score, expected, lower, upper (the band), actual. */
function scoreFrames(
  series: InfluxSeries,
  dimension: AnomalyDimension,
  currency: string,
  ctx: ShapeContext,
  executed: string,
): DataFrame[] {
  const value = tagOf(series, dimension);
  const labels = { [dimension]: value, currency };
  const meta = { executedQueryString: executed };
  const t = column(series, 'time');
  const times = series.values.map((r) => timeMs(r[t]) ?? NaN);
  const name = (what: string): string => displayName([value, currency || 'no currency', what]);
  const one = (fieldName: string, values: Array<number | null>, config: FieldConfig): DataFrame =>
    frame(ctx.refId, [timeField(times), field(fieldName, FieldTypes.number, values, config, labels)], {
      name: name(fieldName),
      meta,
    });
  const cells = (col: string, convert: (v: JsonValue | undefined) => number | null): Array<number | null> => {
    const c = column(series, col);
    return series.values.map((r) => (c < 0 ? null : convert(r[c])));
  };
  const money = (fieldName: string, col: string, custom?: Record<string, unknown>): DataFrame => {
    const config = moneyConfig(currency, ctx.settings, { displayName: name(fieldName) });
    if (custom !== undefined) config.custom = custom;
    return one(fieldName, cells(col, nanoToNumber), config);
  };
  return [
    one('score', cells('score', num), {
      displayNameFromDS: name('score'),
      unit: 'none',
      min: 0,
      max: 1,
      decimals: 2,
    }),
    money('expected', 'expected', { lineStyle: { fill: 'dash', dash: [10, 10] } }),
    money('lower', 'lower', { lineWidth: 0 }),
    // The band: Grafana fills from `upper` down to the series whose display name is `lower`'s.
    money('upper', 'upper', { lineWidth: 0, fillOpacity: 20, fillBelowTo: name('lower') }),
    money('actual', 'amount_nano'),
  ];
}

interface Exemplar {
  time: number;
  nano: bigint;
  row: readonly JsonValue[];
  series: InfluxSeries;
}

/**
 * The costliest exemplar per Grafana interval (at least a minute): enough to click through to the traces
 * behind a spike without covering the panel in dots.
 */
function exemplarFrame(ctx: ShapeContext, currency: string): DataFrame | undefined {
  const width = Math.max(MIN_BUCKET_MS, ctx.intervalMs);
  const best = new Map<number, Exemplar>();
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'exemplars') return;
    for (const series of ctx.answers[i]?.series ?? []) {
      const t = column(series, 'time');
      const a = column(series, 'amount_nano');
      for (const row of series.values) {
        const time = timeMs(row[t]);
        const nano = toNano(row[a]);
        if (time === null || nano === undefined) continue;
        const bucket = Math.floor(time / width);
        const current = best.get(bucket);
        if (current === undefined || nano > current.nano) best.set(bucket, { time, nano, row, series });
      }
    }
  });
  if (best.size === 0) return undefined;
  const list = [...best.values()].sort((x, y) => x.time - y.time);
  const col = (e: Exemplar, name: string): string =>
    text(e.row[column(e.series, name)] ?? e.series.tags?.[name]);
  const fields: Field[] = [
    timeField(list.map((e) => e.time)),
    field(
      'Value',
      FieldTypes.number,
      list.map((e) => nanoToNumber(e.nano)),
      moneyConfig(currency, ctx.settings),
    ),
    field(
      'trace_id',
      FieldTypes.string,
      list.map((e) => col(e, 'trace_id')),
      traceIdConfig(ctx.settings),
    ),
    field(
      'span_id',
      FieldTypes.string,
      list.map((e) => col(e, 'span_id')),
    ),
    field(
      'service',
      FieldTypes.string,
      list.map((e) => col(e, 'service')),
    ),
    field(
      'tenant',
      FieldTypes.string,
      list.map((e) => col(e, 'tenant')),
    ),
    field(
      'sku',
      FieldTypes.string,
      list.map((e) => col(e, 'sku')),
    ),
  ];
  return frame(ctx.refId, fields, {
    name: 'exemplar',
    meta: {
      dataTopic: DataTopic.Annotations,
      custom: { resultType: 'exemplar' },
      executedQueryString: ctx.statements.find((s) => s.role === 'exemplars')?.text ?? '',
    },
  });
}

// ------------------------------------------------------------------------------------------ events

interface EventRow {
  time: number;
  kind: string;
  title: string;
  text: string;
  score: number | null;
  traceIds: string[];
  version: string;
  previousVersion: string;
  deploys: string;
  service: string;
  team: string;
  tenant: string;
}

function eventFrames(ctx: ShapeContext): DataFrame[] {
  const rows: EventRow[] = [];
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'anomaly-events' && statement.role !== 'deploys') return;
    const kind = statement.role === 'deploys' ? 'deploy' : 'anomaly';
    for (const series of ctx.answers[i]?.series ?? []) {
      const get = (row: readonly JsonValue[], name: string): JsonValue | undefined => {
        const c = column(series, name);
        return c < 0 ? series.tags?.[name] : row[c];
      };
      for (const row of series.values) {
        const time = timeMs(get(row, 'time'));
        if (time === null) continue;
        rows.push({
          time,
          kind,
          title: text(get(row, 'title')),
          text: text(get(row, 'text')),
          score: num(get(row, 'score')),
          traceIds: splitTraceIds(text(get(row, 'trace_ids'))),
          version: text(get(row, 'version')),
          previousVersion: text(get(row, 'previous_version')),
          deploys: text(get(row, 'deploys')),
          service: text(get(row, 'service')),
          team: text(get(row, 'team')),
          tenant: text(get(row, 'tenant')),
        });
      }
    }
  });
  if (rows.length === 0) return [];
  rows.sort((a, b) => b.time - a.time || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  const col = <T>(f: (r: EventRow) => T): T[] => rows.map(f);
  const fields: Field[] = [
    field(
      'time',
      FieldTypes.time,
      col((r) => r.time),
    ),
    field(
      'kind',
      FieldTypes.string,
      col((r) => r.kind),
    ),
    field(
      'title',
      FieldTypes.string,
      col((r) => r.title),
    ),
    field(
      'text',
      FieldTypes.string,
      col((r) => r.text),
    ),
    field(
      'score',
      FieldTypes.number,
      col((r) => r.score),
      { min: 0, max: 1, decimals: 2 },
    ),
    field(
      'trace_id',
      FieldTypes.string,
      col((r) => r.traceIds[0] ?? ''),
      traceIdConfig(ctx.settings),
    ),
    field(
      'trace_ids',
      FieldTypes.other,
      col((r) => r.traceIds),
    ),
    field(
      'version',
      FieldTypes.string,
      col((r) => r.version),
    ),
    field(
      'previous_version',
      FieldTypes.string,
      col((r) => r.previousVersion),
    ),
    field(
      'deploys',
      FieldTypes.string,
      col((r) => r.deploys),
    ),
    field(
      'service',
      FieldTypes.string,
      col((r) => r.service),
    ),
    field(
      'team',
      FieldTypes.string,
      col((r) => r.team),
    ),
    field(
      'tenant',
      FieldTypes.string,
      col((r) => r.tenant),
    ),
  ];
  return [
    frame(ctx.refId, fields, {
      name: 'anomaly events',
      meta: {
        preferredVisualisationType: 'table',
        executedQueryString: ctx.statements.map((s) => s.text).join(';\n'),
      },
    }),
  ];
}

/** `a,b, c` → `['a', 'b', 'c']` (empty entries dropped). */
export function splitTraceIds(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

/** Anomalies (see the module doc). */
export const anomaliesQuery: QueryTypeHandler = { build, shape };
