/**
 * Reconciliation drift, as `meterline reconcile` writes it (otel-processor `reconcile/signals.ts`):
 * `cost_signal signal=drift_ratio window=1d` at the start of each UTC day, tags `provider`, `account`,
 * `team` (team rows only), `currency`; fields `value` (|billed − modelled| / billed; absent on a "no
 * bill" day), `billed_nano`, `modelled_nano`, `no_bill`.
 *
 * Points are daily already, so they are read as written. Account-level rows are selected (`"team" = ''`)
 * unless a filter names `team`: then team rows are, grouped by team too — mixing both would count a day
 * twice. The range starts at its first UTC midnight, so the day the range starts in is shown.
 *
 * Frames: one per provider × account (× team) × currency with `drift` (percentunit), `billed` and
 * `modelled` (currency), `no_bill` (boolean).
 *
 * @packageDocumentation
 */
import type { DataFrame } from '@grafana/data';
import { bool, column, num, tagOf, timeMs } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { displayName, field, frame, timeField } from '../frames/frame';
import { currencyOf, moneyConfig, nanoToNumber } from '../frames/money';
import { and, eq, tagConditions, timeCondition } from '../influxql/where';
import type { MeterlineQuery } from '../types';
import type { BuildContext, BuiltStatement, QueryTypeHandler, ShapeContext } from './contract';

const DAY_MS = 86_400_000;

function byTeam(query: MeterlineQuery): boolean {
  return (query.filters ?? []).some((f) => f.key.trim() === 'team');
}

function build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[] {
  const team = byTeam(query);
  const dayStart = Math.floor(ctx.fromMs / DAY_MS) * DAY_MS;
  const where = and(
    timeCondition(dayStart, ctx.toMs),
    eq('signal', 'drift_ratio'),
    eq('window', '1d'),
    team ? undefined : `"team" = ''`,
    tagConditions(query.filters, ctx),
  );
  const groupBy = team ? '"provider", "account", "team", "currency"' : '"provider", "account", "currency"';
  return [
    {
      role: 'drift',
      text: `SELECT "value", "billed_nano", "modelled_nano", "no_bill" FROM "cost_signal" WHERE ${where} GROUP BY ${groupBy}`,
    },
  ];
}

function shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  const team = byTeam(query);
  const frames: DataFrame[] = [];
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'drift') return;
    for (const series of ctx.answers[i]?.series ?? []) {
      if (series.values.length === 0) continue;
      const currency = currencyOf(series.tags, ctx.settings);
      const parts = [
        tagOf(series, 'provider'),
        tagOf(series, 'account'),
        ...(team ? [tagOf(series, 'team')] : []),
      ];
      const name = (what: string): string => displayName([...parts, what]);
      const col = (c: string): number => column(series, c);
      const [t, v, b, m, nb] = [
        col('time'),
        col('value'),
        col('billed_nano'),
        col('modelled_nano'),
        col('no_bill'),
      ];
      const rows = series.values;
      const labels = { ...series.tags };
      frames.push(
        frame(
          ctx.refId,
          [
            timeField(rows.map((r) => timeMs(r[t]) ?? NaN)),
            field(
              'drift',
              FieldTypes.number,
              rows.map((r) => (v < 0 ? null : num(r[v]))),
              {
                unit: 'percentunit',
                decimals: 2,
                min: 0,
                displayNameFromDS: name('drift'),
              },
              labels,
            ),
            field(
              'billed',
              FieldTypes.number,
              rows.map((r) => (b < 0 ? null : nanoToNumber(r[b]))),
              moneyConfig(currency, ctx.settings, { displayName: name(`billed ${currency}`.trim()) }),
              labels,
            ),
            field(
              'modelled',
              FieldTypes.number,
              rows.map((r) => (m < 0 ? null : nanoToNumber(r[m]))),
              moneyConfig(currency, ctx.settings, { displayName: name(`modelled ${currency}`.trim()) }),
              labels,
            ),
            field(
              'no_bill',
              FieldTypes.boolean,
              rows.map((r) => (nb < 0 ? null : bool(r[nb]))),
              { displayNameFromDS: name('no bill') },
              labels,
            ),
          ],
          {
            name: displayName([...parts, currency || 'no currency']),
            meta: { executedQueryString: statement.text },
          },
        ),
      );
    }
  });
  return frames;
}

/** Reconciliation drift (see the module doc). */
export const driftQuery: QueryTypeHandler = { build, shape };
