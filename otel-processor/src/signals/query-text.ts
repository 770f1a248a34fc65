/**
 * InfluxQL fragments the signal queries share, built only with the escaping `influxql` template.
 *
 * @packageDocumentation
 */
import { ident, influxql } from '../influx/influxql';
import type { TimeRange } from './time';

/** `time >= '…' AND time < '…'`: the half-open `range`. */
export function timeWhere(range: TimeRange): string {
  return influxql`time >= ${new Date(range.fromMs)} AND time < ${new Date(range.toMs)}`;
}

/** `("k" = 'a' OR "k" = 'b')`, or `undefined` for no values. */
export function anyOf(key: string, values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  return '(' + values.map((v) => influxql`${ident(key)} = ${v}`).join(' OR ') + ')';
}
