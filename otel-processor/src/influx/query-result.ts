/**
 * The JSON that InfluxDB's v1 `/query` endpoint returns, parsed into typed results, with statement
 * errors (which arrive inside an HTTP 200) turned into thrown {@link InfluxQueryError}s.
 *
 * @packageDocumentation
 */
import { InfluxQueryError } from './errors';
import { parseJsonBigInt, type JsonValue } from './json-bigint';

/** A cell: integers beyond ±(2^53 − 1) are `bigint` (see json-bigint.ts), so int64 sums stay exact. */
export type InfluxValue = string | number | bigint | boolean | null;

/** One series of a statement result. */
export interface InfluxSeries {
  /** Measurement name (absent for some meta queries). */
  name?: string;
  /** Group-by tag values, when the query grouped by tags. */
  tags?: Record<string, string>;
  columns: string[];
  values: InfluxValue[][];
  /** True when InfluxDB truncated the series (max-row-limit). */
  partial?: boolean;
}

/** The result of one statement of a query. */
export interface StatementResult {
  statementId: number;
  /** Empty when the statement returned nothing. */
  series: InfluxSeries[];
  messages?: { level: string; text: string }[];
  partial?: boolean;
}

interface RawStatement {
  statement_id?: number;
  series?: InfluxSeries[];
  messages?: { level: string; text: string }[];
  partial?: boolean;
  error?: string;
}

function shorten(q: string): string {
  return q.length > 300 ? q.slice(0, 300) + '…' : q;
}

/**
 * Parses a `/query` response body. Throws {@link InfluxQueryError} naming the query (and statement) when
 * the body carries an `error`, at the top level or in any statement.
 */
export function parseQueryResponse(body: string, query: string): StatementResult[] {
  let json: JsonValue;
  try {
    json = parseJsonBigInt(body);
  } catch (e) {
    throw new InfluxQueryError(
      `query ${JSON.stringify(shorten(query))}: unreadable response (${(e as Error).message}): ${body.slice(0, 200)}`,
      false,
      query,
      undefined,
      undefined,
      undefined,
      undefined,
      { cause: e },
    );
  }
  const doc = json as { results?: RawStatement[]; error?: string } | null;
  if (doc === null || typeof doc !== 'object') {
    throw new InfluxQueryError(
      `query ${JSON.stringify(shorten(query))}: unexpected response ${body.slice(0, 200)}`,
      false,
      query,
    );
  }
  if (typeof doc.error === 'string') {
    throw new InfluxQueryError(
      `query ${JSON.stringify(shorten(query))} failed: ${doc.error}`,
      false,
      query,
      doc.error,
    );
  }
  const out: StatementResult[] = [];
  for (const [i, st] of (doc.results ?? []).entries()) {
    const id = st.statement_id ?? i;
    if (typeof st.error === 'string') {
      throw new InfluxQueryError(
        `query ${JSON.stringify(shorten(query))} failed in statement ${id}: ${st.error}`,
        false,
        query,
        st.error,
        id,
      );
    }
    const r: StatementResult = { statementId: id, series: st.series ?? [] };
    if (st.messages !== undefined) r.messages = st.messages;
    if (st.partial !== undefined) r.partial = st.partial;
    out.push(r);
  }
  return out;
}

/** Turns a series into row objects (`{ time, amount_nano, …, tenant }`), group-by tags included. */
export function seriesRows(series: InfluxSeries): Record<string, InfluxValue>[] {
  return series.values.map((vals) => {
    const row: Record<string, InfluxValue> = { ...series.tags };
    series.columns.forEach((c, j) => {
      row[c] = vals[j] ?? null;
    });
    return row;
  });
}

/**
 * Reads an integer cell as `bigint`, whatever size it had (a `number` for safe integers, a `bigint`
 * beyond). Throws naming the value when it is not an integer.
 */
export function toBigInt(value: InfluxValue | undefined): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(
    `expected an integer, got ${typeof value === 'bigint' ? value : JSON.stringify(value)}`,
  );
}
