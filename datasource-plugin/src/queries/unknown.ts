/**
 * Unknown attribution: the share of spend no attribution rule owns, and where it comes from (otel-processor
 * `signals/unknown.ts` writes the ratio and issues the same top-sources query).
 *
 * - `ratio` view: `cost_signal signal=unknown_ratio`, tags `window` (1h | 1d), `source` (telemetry |
 *   export | all), `currency`; field `value` = unknown / total. One series per currency, `percentunit`.
 * - `sources` view: unknown spend over the whole range per source of it — `cost` (`amount_nano`) per
 *   service, SKU, region; `provider_cost` (`billed_nano`) also per provider and account — as a table,
 *   costliest first, with each row's share of the unknown total of its currency, `limit` rows.
 *
 * InfluxQL cannot order groups by their sum, so the sort (exact, in bigint) and the limit are done here.
 * Rows of different currencies are ranked by their nano amounts; filter on `currency` to rank one.
 *
 * @packageDocumentation
 */
import type { DataFrame } from '@grafana/data';
import { column, num, tagOf, timeMs } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { displayName, field, frame, timeField } from '../frames/frame';
import { currencyOf, moneyConfig, nanoToNumber, toNano } from '../frames/money';
import { bucketInterval } from '../influxql/interval';
import { ident } from '@meterline/cost-model';
import { and, eq, tagConditions, timeCondition } from '../influxql/where';
import { UNKNOWN_WINDOWS, type MeterlineQuery, type UnknownSource } from '../types';
import {
  QueryBuildError,
  type BuildContext,
  type BuiltStatement,
  type QueryTypeHandler,
  type ShapeContext,
} from './contract';

/** How each source of unknown spend is read (the same as the signals loop). */
const SOURCES = {
  telemetry: { measurement: 'cost', field: 'amount_nano', groupBy: ['service', 'sku', 'region'] },
  export: {
    measurement: 'provider_cost',
    field: 'billed_nano',
    groupBy: ['provider', 'account', 'service', 'sku', 'region'],
  },
} as const;

const UNKNOWN_SOURCES: readonly UnknownSource[] = ['telemetry', 'export', 'all'];

function sourceOf(query: MeterlineQuery): UnknownSource {
  const s = query.unknownSource ?? 'all';
  if (!UNKNOWN_SOURCES.includes(s)) {
    throw new QueryBuildError(
      `unknown attribution: unknown source '${String(s)}' (telemetry, export or all)`,
    );
  }
  return s;
}

function build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[] {
  const source = sourceOf(query);
  const time = timeCondition(ctx.fromMs, ctx.toMs);
  if (query.unknownView === 'sources') {
    const filters = tagConditions(query.filters, ctx);
    const which = source === 'all' ? (['telemetry', 'export'] as const) : [source];
    return which.map((s) => {
      const spec = SOURCES[s];
      const groupBy = [...spec.groupBy, 'currency'].map((t) => ident(t).toString()).join(', ');
      return {
        role: `sources:${s}`,
        text:
          `SELECT SUM(${ident(spec.field)}) AS "amount_nano" FROM ${ident(spec.measurement)} ` +
          `WHERE ${and(time, eq('attribution', 'unknown'), filters)} GROUP BY ${groupBy}`,
      };
    });
  }
  const window = query.unknownWindow ?? '1h';
  if (!(UNKNOWN_WINDOWS as readonly string[]).includes(window)) {
    throw new QueryBuildError(
      `unknown attribution: unknown window '${String(window)}' (${UNKNOWN_WINDOWS.join(' or ')})`,
    );
  }
  const bucket = bucketInterval(query.interval, ctx);
  return [
    {
      role: 'ratio',
      text:
        `SELECT LAST("value") AS "value", LAST("unknown_nano") AS "unknown_nano", LAST("total_nano") AS "total_nano" ` +
        `FROM "cost_signal" WHERE ${and(time, eq('signal', 'unknown_ratio'), eq('window', window), eq('source', source))} ` +
        `GROUP BY time(${bucket.text}), "currency" fill(none)`,
    },
  ];
}

function shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  return query.unknownView === 'sources'
    ? [sourcesTable(query, ctx)].filter((f) => f.length > 0)
    : ratioFrames(query, ctx);
}

function ratioFrames(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  const frames: DataFrame[] = [];
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'ratio') return;
    for (const series of ctx.answers[i]?.series ?? []) {
      if (series.values.length === 0) continue;
      const t = column(series, 'time');
      const v = column(series, 'value');
      const currency = currencyOf(series.tags, ctx.settings);
      // e.g. `unknown · all · 1h · USD`
      const name = displayName([
        'unknown',
        query.unknownSource ?? 'all',
        query.unknownWindow ?? '1h',
        currency || 'no currency',
      ]);
      frames.push(
        frame(
          ctx.refId,
          [
            timeField(series.values.map((r) => timeMs(r[t]) ?? NaN)),
            field(
              'unknown ratio',
              FieldTypes.number,
              series.values.map((r) => num(r[v])),
              {
                unit: 'percentunit',
                decimals: 1,
                min: 0,
                displayNameFromDS: name,
              },
              { ...series.tags },
            ),
          ],
          { name, meta: { executedQueryString: statement.text } },
        ),
      );
    }
  });
  return frames;
}

interface SourceRow {
  source: string;
  tags: Record<string, string>;
  currency: string;
  nano: bigint;
}

const TABLE_TAGS = ['provider', 'account', 'service', 'sku', 'region'] as const;

function sourcesTable(query: MeterlineQuery, ctx: ShapeContext): DataFrame {
  const rows: SourceRow[] = [];
  ctx.statements.forEach((statement, i) => {
    if (!statement.role.startsWith('sources:')) return;
    const source = statement.role.slice('sources:'.length);
    for (const series of ctx.answers[i]?.series ?? []) {
      const c = column(series, 'amount_nano');
      for (const r of series.values) {
        const nano = toNano(r[c]);
        if (nano === undefined) continue;
        const tags: Record<string, string> = {};
        for (const k of TABLE_TAGS) tags[k] = tagOf(series, k);
        rows.push({ source, tags, currency: currencyOf(series.tags, ctx.settings), nano });
      }
    }
  });
  // Each currency's unknown total, for the share column (amounts of different currencies never add up).
  const totals = new Map<string, bigint>();
  for (const r of rows) totals.set(r.currency, (totals.get(r.currency) ?? 0n) + r.nano);
  const key = (r: SourceRow): string =>
    [r.source, r.currency, ...TABLE_TAGS.map((k) => r.tags[k])].join('\u0000');
  rows.sort((a, b) =>
    a.nano > b.nano ? -1 : a.nano < b.nano ? 1 : key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
  );
  const top = rows.slice(0, Math.max(0, query.limit ?? 10));
  const currencies = new Set(top.map((r) => r.currency));
  const one = currencies.size === 1 ? [...currencies][0]! : '';
  const moneyCfg = one === '' ? { decimals: 2 } : moneyConfig(one, ctx.settings);
  const fields = [
    field(
      'source',
      FieldTypes.string,
      top.map((r) => r.source),
    ),
    ...TABLE_TAGS.map((k) =>
      field(
        k,
        FieldTypes.string,
        top.map((r) => r.tags[k]!),
      ),
    ),
    field(
      'currency',
      FieldTypes.string,
      top.map((r) => r.currency),
    ),
    field(
      'amount',
      FieldTypes.number,
      top.map((r) => nanoToNumber(r.nano)),
      moneyCfg,
    ),
    field(
      'share',
      FieldTypes.number,
      top.map((r) => share(r.nano, totals.get(r.currency) ?? 0n)),
      {
        unit: 'percentunit',
        decimals: 1,
      },
    ),
  ];
  return frame(ctx.refId, fields, {
    name: 'unknown sources',
    meta: {
      preferredVisualisationType: 'table',
      executedQueryString: ctx.statements.map((s) => s.text).join(';\n'),
    },
  });
}

/** `part / total` as a float, exact enough beyond 2^53 (both scaled down together); `null` for no total. */
export function share(part: bigint, total: bigint): number | null {
  if (total === 0n) return null;
  const abs = total < 0n ? -total : total;
  const shift = abs > 2n ** 52n ? BigInt(abs.toString(2).length - 52) : 0n;
  return Number(part >> shift) / Number(total >> shift);
}

/** Unknown attribution (see the module doc). */
export const unknownQuery: QueryTypeHandler = { build, shape };
