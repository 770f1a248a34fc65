/**
 * The query types of `meterline-cost-datasource`, by `queryType`, and the two entry points the data
 * source uses: {@link buildQuery} (migrate, default, build InfluxQL) and {@link shapeQuery} (answers →
 * frames).
 *
 * @packageDocumentation
 */
import type { DataFrame } from '@grafana/data';
import type { MeterlineQuery, QueryType } from '../types';
import { anomaliesQuery } from './anomalies';
import { burnQuery } from './burn';
import {
  QueryBuildError,
  type BuildContext,
  type BuiltStatement,
  type QueryTypeHandler,
  type ShapeContext,
} from './contract';
import { driftQuery } from './drift';
import { migrateQuery } from './migrate';
import { perTransactionQuery } from './per-transaction';
import { rawQuery } from './raw';
import { spendQuery } from './spend';
import { tracesQuery } from './traces';
import { unknownQuery } from './unknown';

/** Every query type's builder and shaper. */
export const QUERY_HANDLERS: Record<QueryType, QueryTypeHandler> = {
  spend: spendQuery,
  burn: burnQuery,
  unknown: unknownQuery,
  anomalies: anomaliesQuery,
  drift: driftQuery,
  perTransaction: perTransactionQuery,
  traces: tracesQuery,
  raw: rawQuery,
};

/** The handler of a query's type; a {@link QueryBuildError} naming the type when there is none. */
export function handlerOf(query: Pick<MeterlineQuery, 'queryType'>): QueryTypeHandler {
  const type = query.queryType ?? 'spend';
  const handler = Object.prototype.hasOwnProperty.call(QUERY_HANDLERS, type)
    ? QUERY_HANDLERS[type as QueryType]
    : undefined;
  if (handler === undefined) {
    throw new QueryBuildError(
      `unknown query type '${String(type)}' (one of ${Object.keys(QUERY_HANDLERS).join(', ')})`,
    );
  }
  return handler;
}

/**
 * The InfluxQL statements of a saved query (any version: it is migrated and defaulted first), in the order
 * they must be sent. Throws {@link QueryBuildError} for a query that cannot be built. An empty list means
 * nothing to run (an empty raw query).
 */
export function buildQuery(query: unknown, ctx: BuildContext): BuiltStatement[] {
  const q = migrateQuery(query);
  return handlerOf(q).build(q, ctx);
}

/**
 * The frames of a query's answers. `ctx.statements` are what {@link buildQuery} returned and
 * `ctx.answers[i]` answers `ctx.statements[i]`. Empty answers give no frames.
 */
export function shapeQuery(query: unknown, ctx: ShapeContext): DataFrame[] {
  const q = migrateQuery(query);
  return handlerOf(q).shape(q, ctx);
}

export { migrateQuery } from './migrate';
export { parseAnswer, InfluxAnswerError } from '../frames/parse';
export { annotationQuery } from './annotations';
export { variableQuery } from './variables';
export { QueryBuildError } from './contract';
export type { BuildContext, BuiltStatement, ShapeContext, StatementAnswer } from './contract';
