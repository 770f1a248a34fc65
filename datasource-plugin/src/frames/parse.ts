/**
 * The text of an InfluxDB `/query` answer → one {@link StatementAnswer} per statement.
 *
 * - Integers stay exact: int64 values beyond 2^53 come back as `bigint` (money sums do get there), through
 *   `parseJsonBigInt` when the text has any (see {@link parseExact}); everything else as `JSON.parse` reads it.
 * - Chunked answers (`chunked=true`) are several JSON documents, one per line; a statement's results may
 *   be split over several documents (`"partial": true` on the result), and so may one series (`"partial":
 *   true` on the series, continued by the same name and tags in the next document). They are merged back
 *   into one answer per statement.
 * - An `error` at top level throws an {@link InfluxAnswerError} with InfluxDB's message (and the statements
 *   when given). An `error` on a statement throws one naming that statement's text when the statements
 *   are given; without them it stays on the answer's `error`, for a caller that reports it with its own
 *   statement list (the data source's `InfluxClient` does).
 *
 * @packageDocumentation
 */
import { parseJsonBigInt, type JsonValue } from '@meterline/cost-model';
import type { StatementAnswer } from '../queries/contract';
import type { InfluxSeries } from './answers';

/** InfluxDB refused a statement (or the whole request). */
export class InfluxAnswerError extends Error {
  override name = 'InfluxAnswerError';
  constructor(
    /** InfluxDB's own message. */
    readonly influxMessage: string,
    /** The statement that failed, or all of them for a request-level error; `''` when not known. */
    readonly statement: string,
    /** `statement_id` of the failing statement (absent for a request-level error). */
    readonly statementId?: number,
  ) {
    const where = statementId === undefined ? '' : ` in statement ${statementId}`;
    super(`InfluxDB error${where}: ${influxMessage}${statement === '' ? '' : `\nStatement: ${statement}`}`);
  }
}

interface RawResult extends StatementAnswer {
  partial?: boolean;
  series?: Array<InfluxSeries & { partial?: boolean }>;
}

interface RawDocument {
  results?: RawResult[];
  error?: string;
}

// Chunks are written one JSON document per line; a raw newline cannot occur inside a JSON string, and an
// indented (`pretty=true`) single document never has a `{` at the start of a line after a `}`.
const CHUNK_BOUNDARY = /\}\r?\n\{/;

/**
 * Parses an answer. With `statements` (the texts that were sent, in order), a statement's error throws an
 * {@link InfluxAnswerError} naming it, and there is one answer per statement. An empty text is no answer.
 */
export function parseAnswer(text: string, statements: readonly string[] = []): StatementAnswer[] {
  if (text.trim() === '') return [];
  const documents = CHUNK_BOUNDARY.test(text)
    ? text.split('\n').filter((line) => line.trim() !== '')
    : [text];
  const byId = new Map<number, { answer: StatementAnswer; openSeries: boolean }>();
  let next = 0;
  for (const doc of documents) {
    const parsed = parseDocument(doc, statements);
    for (const result of parsed.results ?? []) {
      const id = typeof result.statement_id === 'number' ? result.statement_id : next;
      next = Math.max(next, id + 1);
      if (result.error !== undefined && statements.length > 0) {
        throw new InfluxAnswerError(String(result.error), statements[id] ?? '', id);
      }
      const acc = byId.get(id);
      if (acc === undefined) {
        byId.set(id, { answer: strip(result, id), openSeries: lastIsPartial(result) });
        continue;
      }
      acc.openSeries = merge(acc.answer, result, acc.openSeries);
    }
  }
  const out: StatementAnswer[] = [];
  // One answer per statement sent, so answers[i] is always statement i's.
  const count = Math.max(next, statements.length);
  for (let i = 0; i < count; i++) out.push(byId.get(i)?.answer ?? { statement_id: i });
  return out;
}

/**
 * `JSON.parse`, or `parseJsonBigInt` when the text holds an integer beyond 2^53.
 *
 * `parseJsonBigInt` decides by searching the text for 16 digits in a row, and on a 25 MB answer full of
 * 13-digit timestamps that regex search alone takes twice as long as `JSON.parse` (the regex engine retries
 * at every digit of every number). Parsing first and looking at the numbers is exact and far cheaper: an
 * integer literal beyond 2^53 − 1 always parses to a double that is not a safe integer (rounding never
 * goes below 2^53), so any such double means the text needs the exact parser. A float such as `1e20` also
 * triggers it, harmlessly.
 */
function parseExact(doc: string): JsonValue {
  const fast = JSON.parse(doc) as JsonValue;
  return hasUnsafeInteger(fast as RawDocument) ? parseJsonBigInt(doc) : fast;
}

/**
 * Whether a parsed answer holds a number beyond ±(2^53 − 1). Numbers of an answer are only in its series'
 * `values` rows, so only those are read (a generic walk of the whole document costs as much as the parse).
 * Every double beyond 2^53 is an integer, so a magnitude test is enough.
 */
function hasUnsafeInteger(doc: RawDocument): boolean {
  if (doc === null || typeof doc !== 'object' || !Array.isArray(doc.results)) return false;
  for (const result of doc.results) {
    for (const series of result?.series ?? []) {
      const rows = series?.values;
      if (!Array.isArray(rows)) continue;
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        for (let i = 0; i < row.length; i++) {
          const x = row[i];
          if (typeof x === 'number' && (x > Number.MAX_SAFE_INTEGER || x < -Number.MAX_SAFE_INTEGER))
            return true;
        }
      }
    }
  }
  return false;
}

function parseDocument(doc: string, statements: readonly string[]): RawDocument {
  let value: JsonValue;
  try {
    value = parseExact(doc);
  } catch (err) {
    const head = doc.slice(0, 120);
    throw new Error(`InfluxDB answer is not JSON (${(err as Error).message}): ${head}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`InfluxDB answer is not a JSON object: ${doc.slice(0, 120)}`);
  }
  const parsed = value as unknown as RawDocument;
  if (typeof parsed.error === 'string') {
    throw new InfluxAnswerError(parsed.error, statements.join(';\n'));
  }
  return parsed;
}

function lastIsPartial(result: RawResult): boolean {
  const series = result.series;
  return series !== undefined && series.length > 0 && series[series.length - 1]!.partial === true;
}

/** The answer of a first chunk (the parsed objects are reused: no copy of large value arrays). */
function strip(result: RawResult, id: number): StatementAnswer {
  const answer: StatementAnswer = { statement_id: id };
  if (result.series !== undefined) answer.series = result.series;
  if (result.error !== undefined) answer.error = String(result.error);
  return answer;
}

/** Appends a later chunk of a statement; returns whether its last series continues in the next chunk. */
function merge(answer: StatementAnswer, result: RawResult, openSeries: boolean): boolean {
  if (result.error !== undefined) answer.error = String(result.error);
  const incoming = result.series ?? [];
  if (incoming.length === 0) return openSeries;
  const series = (answer.series ??= []);
  let start = 0;
  const last = series[series.length - 1];
  const first = incoming[0]!;
  if (openSeries && last !== undefined && sameSeries(last, first)) {
    // The same series continued: append its rows (a loop, not push(...rows): rows can outnumber the
    // engine's argument limit).
    const values = last.values;
    for (const row of first.values ?? []) values.push(row);
    start = 1;
  }
  for (let i = start; i < incoming.length; i++) series.push(incoming[i]!);
  return lastIsPartial(result);
}

function sameSeries(a: InfluxSeries, b: InfluxSeries): boolean {
  if (a.name !== b.name) return false;
  const at = a.tags ?? {};
  const bt = b.tags ?? {};
  const keys = Object.keys(at);
  if (keys.length !== Object.keys(bt).length) return false;
  return keys.every((k) => at[k] === bt[k]);
}
