/**
 * Spend: priced telemetry (`cost.amount_nano`) and/or provider bills (`provider_cost.<billed|effective|
 * list>_nano`) summed per bucket, grouped by any tags — and always by `currency`, because nano-units of two
 * currencies never add up.
 *
 * ```sql
 * SELECT SUM("amount_nano") AS "amount_nano" FROM "cost"
 *   WHERE time >= …ms AND time <= …ms [AND <filters>]
 *   GROUP BY time(<bucket>), "team", "currency" fill(none)
 * ```
 *
 * Frames: one per series (source × group tags × currency), `Time` and `amount` in currency units with the
 * currency's unit. `rate` shows the spend of each bucket; `cumulative` the running total from the range
 * start, summed exactly (bigint beyond 2^53 nano-units). With both sources, each series is labelled with its
 * source (`telemetry · payments · USD`, `provider · payments · USD`): telemetry and bills measure the same
 * spend twice, so they are shown side by side, never added.
 *
 * Filters apply to both measurements; a filter on a tag one of them lacks (`env` on `provider_cost`)
 * matches nothing there, which is the truth: that spend cannot be attributed to an `env`.
 *
 * @packageDocumentation
 */
import { ident } from '@meterline/cost-model';
import type { DataFrame } from '@grafana/data';
import { column, timeMs, type InfluxSeries } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { displayName, field, frame, timeField } from '../frames/frame';
import { currencyOf, moneyConfig, nanoToNumber, NanoSum } from '../frames/money';
import { bucketInterval } from '../influxql/interval';
import { and, tagConditions, timeCondition } from '../influxql/where';
import type { MeterlineQuery, ProviderCostField, SpendSource } from '../types';
import {
  QueryBuildError,
  type BuildContext,
  type BuiltStatement,
  type QueryTypeHandler,
  type ShapeContext,
} from './contract';

/** Where each source's money is. */
const MEASUREMENTS: Record<SpendSource, string> = { telemetry: 'cost', provider: 'provider_cost' };
const PROVIDER_FIELDS: readonly ProviderCostField[] = ['billed', 'effective', 'list'];
const ROLE = 'spend:';

/** The money field a source sums. */
export function spendField(source: SpendSource, providerField: ProviderCostField | undefined): string {
  if (source === 'telemetry') return 'amount_nano';
  const f = providerField ?? 'billed';
  if (!PROVIDER_FIELDS.includes(f)) {
    throw new QueryBuildError(
      `spend: unknown provider cost field '${String(f)}' (billed, effective or list)`,
    );
  }
  return `${f}_nano`;
}

/** The group tags of a query: distinct, `currency` removed (it is always appended). */
export function groupTags(query: Pick<MeterlineQuery, 'groupBy'>): string[] {
  return [...new Set((query.groupBy ?? []).map((t) => t.trim()).filter((t) => t !== '' && t !== 'currency'))];
}

function sources(query: MeterlineQuery): SpendSource[] {
  const list = [...new Set(query.sources ?? [])];
  for (const s of list) {
    if (MEASUREMENTS[s] === undefined) {
      throw new QueryBuildError(`spend: unknown source '${String(s)}' (telemetry or provider)`);
    }
  }
  if (list.length === 0) throw new QueryBuildError('spend: no source selected (telemetry and/or provider)');
  return list;
}

function build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[] {
  const bucket = bucketInterval(query.interval, ctx);
  const where = and(timeCondition(ctx.fromMs, ctx.toMs), tagConditions(query.filters, ctx));
  const groupBy = [...groupTags(query), 'currency'].map((t) => ident(t).toString());
  return sources(query).map((source) => ({
    role: ROLE + source,
    text:
      `SELECT SUM(${ident(spendField(source, query.providerField))}) AS "amount_nano" ` +
      `FROM ${ident(MEASUREMENTS[source])} WHERE ${where} ` +
      `GROUP BY time(${bucket.text}), ${groupBy.join(', ')} fill(none)`,
  }));
}

function shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  const tags = groupTags(query);
  const both = new Set(ctx.statements.filter((s) => s.role.startsWith(ROLE)).map((s) => s.role)).size > 1;
  const cumulative = query.mode === 'cumulative';
  const frames: DataFrame[] = [];
  ctx.statements.forEach((statement, i) => {
    if (!statement.role.startsWith(ROLE)) return;
    const source = statement.role.slice(ROLE.length);
    for (const series of ctx.answers[i]?.series ?? []) {
      const f = seriesFrame(series, { source, both, tags, cumulative, ctx, executed: statement.text });
      if (f !== undefined) frames.push(f);
    }
  });
  return frames;
}

interface SeriesOptions {
  source: string;
  both: boolean;
  tags: readonly string[];
  cumulative: boolean;
  ctx: ShapeContext;
  executed: string;
}

/** One series as a frame; the hot loop of large answers, so it reads rows by index and converts inline. */
function seriesFrame(series: InfluxSeries, o: SeriesOptions): DataFrame | undefined {
  const rows = series.values;
  const n = rows.length;
  if (n === 0) return undefined;
  const ti = column(series, 'time');
  const vi = column(series, 'amount_nano');
  const times = new Array<number>(n);
  const values = new Array<number | null>(n);
  const sum = o.cumulative ? new NanoSum() : undefined;
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    const t = row[ti];
    times[i] = typeof t === 'number' ? t : (timeMs(t) ?? NaN);
    const v = row[vi];
    if (sum !== undefined) {
      if (typeof v === 'number' || typeof v === 'bigint') sum.add(v);
      values[i] = sum.toNumber();
    } else values[i] = typeof v === 'number' && Number.isSafeInteger(v) ? v / 1e9 : nanoToNumber(v);
  }
  const currency = currencyOf(series.tags, o.ctx.settings);
  const parts = o.tags.map((t) => series.tags?.[t] ?? '');
  const name = displayName([...(o.both ? [o.source] : []), ...parts, currency || 'no currency']);
  const labels: Record<string, string> = { ...series.tags, source: o.source };
  return frame(
    o.ctx.refId,
    [
      timeField(times),
      field(
        'amount',
        FieldTypes.number,
        values,
        moneyConfig(currency, o.ctx.settings, { displayName: name }),
        labels,
      ),
    ],
    { name, meta: { executedQueryString: o.executed } },
  );
}

/** Spend over time (see the module doc). */
export const spendQuery: QueryTypeHandler = { build, shape };
