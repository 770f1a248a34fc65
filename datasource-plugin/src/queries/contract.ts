/**
 * The contract between the query types (`queries/<type>.ts`: what InfluxQL to run, and how to turn its
 * answer into frames) and the data source class that runs them. Each query type is one module with a
 * `build` and a `shape`, so the InfluxQL columns a builder selects and the shaper reads stay side by side.
 *
 * @packageDocumentation
 */
import type { DataFrame, ScopedVars } from '@grafana/data';
import type { JsonValue } from '@meterline/cost-model';
import type { MeterlineOptions, MeterlineQuery } from '../types';

/**
 * Interpolates Grafana template variables. Implemented over `TemplateSrv.replace` in the data source, and
 * by a plain map in tests. The result is always safe for the context it is asked for.
 */
export interface Interpolator {
  /**
   * The value(s) of `text` after replacing variables, one entry per selected value of a multi-value
   * variable (a text without variables gives one entry). `allValue` is returned as `undefined` entries
   * when "All" is selected and the variable has no custom all value, meaning "no condition".
   */
  values(text: string, scopedVars?: ScopedVars): string[] | undefined;
  /** `text` with every variable replaced by its raw value (for durations, limits, raw InfluxQL macros). */
  raw(text: string, scopedVars?: ScopedVars): string;
}

/** Everything a builder needs besides the query. */
export interface BuildContext {
  /** The dashboard's time range, epoch ms. */
  fromMs: number;
  toMs: number;
  /** Grafana's `$__interval` in ms (already respecting maxDataPoints). */
  intervalMs: number;
  scopedVars?: ScopedVars;
  vars: Interpolator;
  settings: MeterlineOptions;
}

/** One InfluxQL statement to run, and what its answer is for. */
export interface BuiltStatement {
  /** The InfluxQL, fully escaped, ready for `/query?q=`. */
  text: string;
  /** Free-form tag the query type's `shape` uses to tell its statements apart. */
  role: string;
}

/** The `results[i]` of an InfluxDB `/query` answer, with int64 values kept exact (bigint when unsafe). */
export interface StatementAnswer {
  statement_id?: number;
  series?: Array<{
    name: string;
    tags?: Record<string, string>;
    columns: string[];
    values: JsonValue[][];
  }>;
  error?: string;
}

/** What the data source passes to `shape`. */
export interface ShapeContext extends BuildContext {
  refId: string;
  /** The statements that were run, in order, with their answers (same index). */
  statements: BuiltStatement[];
  answers: StatementAnswer[];
}

/** A query type: pure functions, unit-tested beside each module. */
export interface QueryTypeHandler {
  /** The statements to run for `query` (already migrated and defaulted). Throws `QueryBuildError` on bad input. */
  build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[];
  /** The frames for the answers. Money columns (`*_nano`) become decimal currency values with units. */
  shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[];
}

/** A query that cannot be built (a missing service for cost per transaction, a bad duration…). */
export class QueryBuildError extends Error {
  override name = 'QueryBuildError';
}
