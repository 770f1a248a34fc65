/**
 * Annotations: deploys and anomalies from `cost_event`, and budget crossings derived from the budget
 * projections in `cost_signal`.
 *
 * - `deploy` / `anomaly`: `cost_event kind=…` (fields `title`, `text`, `trace_ids`, `score`, `version`,
 *   `previous_version`; tags `kind`, `service`, `team`, `tenant`, `env`), one annotation per event; an
 *   anomaly's trace IDs are appended to its text.
 * - `budget`: `cost_signal signal=projected_ratio window=period` per budget, read from ten minutes before
 *   the range (so a crossing right at its start has a point before it). A crossing is a point where
 *   `spent_nano / budget_nano` reaches 50%, 80% or 100% while the point before it was below (compared
 *   exactly, in integers), or where the `page` or `ticket` flag turns true. A threshold crossed again
 *   after falling back below it (a new period, credits) is annotated again.
 *
 * `service`, `team` and `tenant` narrow every kind (a tenant filter leaves no deploys: they have no tenant).
 * The frame has the fields Grafana reads annotations from: `time`, `title`, `text`, `tags` (a list).
 *
 * @packageDocumentation
 */
import type { DataFrame } from '@grafana/data';
import type { JsonValue } from '@meterline/cost-model';
import { bool, column, tagOf, text, timeMs, type InfluxSeries } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { field, frame } from '../frames/frame';
import { currencyOf, formatNano, toNano } from '../frames/money';
import { and, eq, equalsCondition, oneOf, timeCondition } from '../influxql/where';
import type { MeterlineAnnotationQuery } from '../types';
import { splitTraceIds } from './anomalies';
import type { BuildContext, BuiltStatement, ShapeContext } from './contract';

/** The budget thresholds (percent of the budget spent) that make an annotation. */
export const BUDGET_THRESHOLDS = [50, 80, 100] as const;
/** How far before the range budget points are read, to see the state just before it. */
export const BUDGET_LOOKBACK_MS = 10 * 60_000;

type EventKind = NonNullable<MeterlineAnnotationQuery['events']>[number];
const ALL_EVENTS: readonly EventKind[] = ['deploy', 'anomaly', 'budget'];

function scope(q: MeterlineAnnotationQuery, ctx: BuildContext): Array<string | undefined> {
  return [
    equalsCondition('service', q.service, ctx),
    equalsCondition('team', q.team, ctx),
    equalsCondition('tenant', q.tenant, ctx),
  ];
}

function build(q: MeterlineAnnotationQuery, ctx: BuildContext): BuiltStatement[] {
  const events = new Set(q.events ?? ALL_EVENTS);
  const kinds = (['deploy', 'anomaly'] as const).filter((k) => events.has(k));
  const out: BuiltStatement[] = [];
  if (kinds.length > 0) {
    out.push({
      role: 'events',
      text:
        `SELECT "title", "text", "trace_ids", "score", "version", "previous_version", "kind", "service", "team", "tenant", "env" ` +
        `FROM "cost_event" WHERE ${and(timeCondition(ctx.fromMs, ctx.toMs), oneOf('kind', kinds), scope(q, ctx))}`,
    });
  }
  if (events.has('budget')) {
    const budgetScope = scope(q, ctx);
    out.push(
      {
        role: 'budget-signal',
        text:
          `SELECT "spent_nano", "budget_nano", "page", "ticket" FROM "cost_signal" ` +
          `WHERE ${and(timeCondition(ctx.fromMs - BUDGET_LOOKBACK_MS, ctx.toMs), eq('signal', 'projected_ratio'), eq('window', 'period'), budgetScope)} ` +
          `GROUP BY "budget"`,
      },
      {
        role: 'budget-currency',
        text:
          `SELECT LAST("amount_nano") AS "amount_nano" FROM "cost_budget" ` +
          `WHERE ${and(`time <= ${Math.floor(ctx.toMs)}ms`, budgetScope)} GROUP BY "budget", "currency"`,
      },
    );
  }
  return out;
}

interface Annotation {
  time: number;
  title: string;
  text: string;
  tags: string[];
}

function shape(_q: MeterlineAnnotationQuery, ctx: ShapeContext): DataFrame[] {
  const out: Annotation[] = [];
  const currencies = new Map<string, string>();
  ctx.statements.forEach((s, i) => {
    if (s.role !== 'budget-currency') return;
    for (const series of ctx.answers[i]?.series ?? [])
      currencies.set(tagOf(series, 'budget'), tagOf(series, 'currency'));
  });
  ctx.statements.forEach((s, i) => {
    for (const series of ctx.answers[i]?.series ?? []) {
      if (s.role === 'events') out.push(...eventAnnotations(series));
      else if (s.role === 'budget-signal') {
        const budget = tagOf(series, 'budget');
        const currency = currencies.get(budget) || currencyOf(undefined, ctx.settings);
        out.push(...budgetCrossings(series, budget, currency, ctx.fromMs));
      }
    }
  });
  if (out.length === 0) return [];
  out.sort((a, b) => a.time - b.time || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  return [
    frame(
      ctx.refId,
      [
        field(
          'time',
          FieldTypes.time,
          out.map((a) => a.time),
        ),
        field(
          'title',
          FieldTypes.string,
          out.map((a) => a.title),
        ),
        field(
          'text',
          FieldTypes.string,
          out.map((a) => a.text),
        ),
        field(
          'tags',
          FieldTypes.other,
          out.map((a) => a.tags),
        ),
      ],
      { name: 'annotations', meta: { executedQueryString: ctx.statements.map((s) => s.text).join(';\n') } },
    ),
  ];
}

function eventAnnotations(series: InfluxSeries): Annotation[] {
  const get = (row: readonly JsonValue[], name: string): string => {
    const c = column(series, name);
    return text(c < 0 ? series.tags?.[name] : row[c]);
  };
  const out: Annotation[] = [];
  for (const row of series.values) {
    const time = timeMs(row[column(series, 'time')]);
    if (time === null) continue;
    const kind = get(row, 'kind');
    const traces = splitTraceIds(get(row, 'trace_ids'));
    const body = get(row, 'text');
    const tags = [kind || 'event'];
    for (const k of ['service', 'team', 'tenant', 'env']) {
      const v = get(row, k);
      if (v !== '') tags.push(`${k}:${v}`);
    }
    out.push({
      time,
      title: get(row, 'title') || kind,
      text: traces.length === 0 ? body : `${body}${body === '' ? '' : '\n'}Traces: ${traces.join(', ')}`,
      tags,
    });
  }
  return out;
}

/** Crossings of one budget's points (see the module doc); only those at or after `fromMs`. */
export function budgetCrossings(
  series: InfluxSeries,
  budget: string,
  currency: string,
  fromMs: number,
): Annotation[] {
  const [t, s, b, p, k] = ['time', 'spent_nano', 'budget_nano', 'page', 'ticket'].map((c) =>
    column(series, c),
  ) as [number, number, number, number, number];
  const out: Annotation[] = [];
  const tags = (...extra: string[]): string[] => ['budget', `budget:${budget}`, ...extra];
  let prev: { reached: Set<number>; page: boolean; ticket: boolean } | undefined;
  for (const row of series.values) {
    const time = timeMs(row[t]);
    const spent = toNano(row[s]);
    const amount = toNano(row[b]);
    if (time === null) continue;
    const reached = new Set<number>();
    if (spent !== undefined && amount !== undefined && amount > 0n) {
      for (const pct of BUDGET_THRESHOLDS) if (spent * 100n >= amount * BigInt(pct)) reached.add(pct);
    }
    const page = bool(row[p]) === true;
    const ticket = bool(row[k]) === true;
    if (prev !== undefined && time >= fromMs) {
      const spentText =
        spent !== undefined && amount !== undefined
          ? `spent ${formatNano(spent, currency)} of ${formatNano(amount, currency)} (${percent(spent, amount)})`
          : '';
      for (const pct of BUDGET_THRESHOLDS) {
        if (reached.has(pct) && !prev.reached.has(pct)) {
          out.push({
            time,
            title: `Budget ${budget} reached ${pct}%`,
            text: `Budget ${budget}: ${spentText}.`,
            tags: tags(`threshold:${pct}%`),
          });
        }
      }
      for (const [flag, on, was] of [
        ['page', page, prev.page],
        ['ticket', ticket, prev.ticket],
      ] as const) {
        if (on && !was) {
          out.push({
            time,
            title: `Budget ${budget}: ${flag} alert`,
            text: `Budget ${budget} burns fast enough to ${flag === 'page' ? 'page' : 'open a ticket'}${spentText === '' ? '' : `; ${spentText}`}.`,
            tags: tags(`alert:${flag}`),
          });
        }
      }
    }
    prev = { reached, page, ticket };
  }
  return out;
}

/** `spent / budget` as a percentage with one decimal, computed in integers: `81.2%`. */
function percent(spent: bigint, budget: bigint): string {
  if (budget === 0n) return 'no budget';
  const tenths = (spent * 1000n + budget / 2n) / budget;
  const sign = tenths < 0n ? '-' : '';
  const abs = tenths < 0n ? -tenths : tenths;
  return `${sign}${abs / 10n}.${abs % 10n}%`;
}

/** Annotation queries: build the statements, shape the answers into one annotation frame. */
export const annotationQuery = {
  build,
  shape,
};
