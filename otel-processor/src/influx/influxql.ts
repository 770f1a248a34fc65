/**
 * Safe InfluxQL construction lives in the cost model, because the Grafana data source builds the same
 * queries in the browser; re-exported here so the store and the commands keep one import path.
 *
 * @packageDocumentation
 */
export {
  Identifier,
  RawInfluxQL,
  RegexValue,
  escapeIdentifier,
  escapeRegexText,
  ident,
  influxql,
  quoteString,
  raw,
  regex,
  regexLiteral,
  toInfluxQL,
  type InfluxQLValue,
} from '@meterline/cost-model';
