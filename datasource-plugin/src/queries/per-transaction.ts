/**
 * Cost per transaction: a service's spend per bucket divided by its request count in the same bucket.
 *
 * ```sql
 * SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE … AND "service" = 'checkout'
 *   GROUP BY time(<bucket>), "currency" fill(none);
 * SELECT SUM("events") AS "events" FROM "cost" WHERE … AND "service" = 'checkout' [AND "sku" = 'requests']
 *   GROUP BY time(<bucket>) fill(none)
 * ```
 *
 * Requests are the `events` of the service's rollups. A priced span yields one rollup row per SKU it is
 * charged for, so without `requestSku` a span charged for three SKUs counts three times: set `requestSku`
 * to the SKU that is charged once per request (e.g. `requests`) for a true count. Requests are counted
 * across currencies; each currency's spend is divided by them. Buckets without requests are skipped (no
 * value rather than infinity). The quotient is computed in integers (see `nanoPerUnit`).
 *
 * @packageDocumentation
 */
import type { DataFrame } from '@grafana/data';
import { column, integer, timeMs } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { displayName, field, frame, timeField } from '../frames/frame';
import { currencyOf, moneyConfig, nanoPerUnit, toNano } from '../frames/money';
import { bucketInterval } from '../influxql/interval';
import { and, equalsCondition, tagConditions, timeCondition } from '../influxql/where';
import type { MeterlineQuery } from '../types';
import {
  QueryBuildError,
  type BuildContext,
  type BuiltStatement,
  type QueryTypeHandler,
  type ShapeContext,
} from './contract';

function build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[] {
  const service = (query.service ?? '').trim();
  if (service === '') {
    throw new QueryBuildError('cost per transaction: choose a service (the "service" field is empty)');
  }
  const bucket = bucketInterval(query.interval, ctx);
  const base = and(
    timeCondition(ctx.fromMs, ctx.toMs),
    equalsCondition('service', service, ctx),
    tagConditions(query.filters, ctx),
  );
  const sku = equalsCondition('sku', query.requestSku, ctx);
  return [
    {
      role: 'spend',
      text: `SELECT SUM("amount_nano") AS "amount_nano" FROM "cost" WHERE ${base} GROUP BY time(${bucket.text}), "currency" fill(none)`,
    },
    {
      role: 'events',
      text: `SELECT SUM("events") AS "events" FROM "cost" WHERE ${and(base, sku)} GROUP BY time(${bucket.text}) fill(none)`,
    },
  ];
}

function shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  const events = new Map<number, bigint>();
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'events') return;
    for (const series of ctx.answers[i]?.series ?? []) {
      const t = column(series, 'time');
      const e = column(series, 'events');
      for (const row of series.values) {
        const time = timeMs(row[t]);
        const count = integer(row[e]);
        if (time !== null && count !== undefined) events.set(time, (events.get(time) ?? 0n) + count);
      }
    }
  });
  const service = ctx.vars.raw(query.service ?? '', ctx.scopedVars);
  const frames: DataFrame[] = [];
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'spend') return;
    for (const series of ctx.answers[i]?.series ?? []) {
      const t = column(series, 'time');
      const a = column(series, 'amount_nano');
      const times: number[] = [];
      const values: number[] = [];
      for (const row of series.values) {
        const time = timeMs(row[t]);
        const nano = toNano(row[a]);
        if (time === null || nano === undefined) continue;
        const count = events.get(time);
        if (count === undefined || count === 0n) continue;
        times.push(time);
        values.push(nanoPerUnit(nano, count)!);
      }
      if (times.length === 0) continue;
      const currency = currencyOf(series.tags, ctx.settings);
      const name = displayName([service, 'cost per transaction', currency || 'no currency']);
      // No fixed decimals: a cost per request is often a fraction of a cent.
      const config = moneyConfig(currency, ctx.settings, { decimals: null, displayName: name });
      frames.push(
        frame(
          ctx.refId,
          [
            timeField(times),
            field('cost per transaction', FieldTypes.number, values, config, { service, currency }),
          ],
          {
            name,
            meta: { executedQueryString: ctx.statements.map((s) => s.text).join(';\n') },
          },
        ),
      );
    }
  });
  return frames;
}

/** Cost per transaction (see the module doc). */
export const perTransactionQuery: QueryTypeHandler = { build, shape };
