/**
 * Template variable queries: the values of one tag (tenants, teams, services, SKUs, envs of `cost`;
 * budgets of `cost_budget`; providers of `provider_cost`; any tag of `cost`), optionally narrowed by
 * filters — `services` where `team = $team` — with the same escaping as every other query.
 *
 * ```sql
 * SHOW TAG VALUES FROM "cost" WITH KEY = "tenant" [WHERE <filters>]
 * ```
 *
 * `SHOW TAG VALUES` reads InfluxDB's index, not the points, so it is fast but not limited to the time range.
 *
 * @packageDocumentation
 */
import type { MetricFindValue } from '@grafana/data';
import { ident } from '@meterline/cost-model';
import { column, text } from '../frames/answers';
import { and, tagConditions } from '../influxql/where';
import type { MeterlineVariableQuery } from '../types';
import { QueryBuildError, type BuildContext, type BuiltStatement, type ShapeContext } from './contract';

/** Measurement and tag of each kind (`tagValues`: the query's `tag` of `cost`). */
const KINDS: Record<
  Exclude<MeterlineVariableQuery['kind'], 'tagValues'>,
  { measurement: string; tag: string }
> = {
  tenants: { measurement: 'cost', tag: 'tenant' },
  teams: { measurement: 'cost', tag: 'team' },
  services: { measurement: 'cost', tag: 'service' },
  skus: { measurement: 'cost', tag: 'sku' },
  envs: { measurement: 'cost', tag: 'env' },
  budgets: { measurement: 'cost_budget', tag: 'budget' },
  providers: { measurement: 'provider_cost', tag: 'provider' },
};

function target(query: MeterlineVariableQuery, ctx: BuildContext): { measurement: string; tag: string } {
  if (query.kind === 'tagValues') {
    const tag = ctx.vars.raw(query.tag ?? '', ctx.scopedVars).trim();
    if (tag === '') throw new QueryBuildError('variable query: "tag values" needs a tag (e.g. region)');
    return { measurement: 'cost', tag };
  }
  const known = Object.prototype.hasOwnProperty.call(KINDS, query.kind) ? KINDS[query.kind] : undefined;
  if (known === undefined) {
    throw new QueryBuildError(
      `variable query: unknown kind '${String(query.kind)}' (one of ${[...Object.keys(KINDS), 'tagValues'].join(', ')})`,
    );
  }
  return known;
}

function build(query: MeterlineVariableQuery, ctx: BuildContext): BuiltStatement[] {
  const { measurement, tag } = target(query, ctx);
  const where = and(tagConditions(query.filters, ctx));
  return [
    {
      role: 'values',
      text: `SHOW TAG VALUES FROM ${ident(measurement)} WITH KEY = ${ident(tag)}${where === '' ? '' : ` WHERE ${where}`}`,
    },
  ];
}

/** The distinct values, sorted, as `{ text, value }`; empty values are dropped. */
function shape(_query: MeterlineVariableQuery, ctx: ShapeContext): MetricFindValue[] {
  const values = new Set<string>();
  ctx.statements.forEach((s, i) => {
    if (s.role !== 'values') return;
    for (const series of ctx.answers[i]?.series ?? []) {
      const c = column(series, 'value');
      if (c < 0) continue;
      for (const row of series.values) {
        const v = text(row[c]);
        if (v !== '') values.add(v);
      }
    }
  });
  return [...values].sort().map((v) => ({ text: v, value: v }));
}

/** Template variable queries: build the `SHOW TAG VALUES` statement, shape its answer into values. */
export const variableQuery = {
  build,
  shape,
};
