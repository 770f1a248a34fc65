/**
 * The `cost` measurement of the InfluxDB data contract (docs: ARCHITECTURE.md, "InfluxDB data contract"):
 *
 * | time | tags | fields |
 * |---|---|---|
 * | start of the 1-minute bucket | source, tenant, team, center, service, version, sku, env, region, attribution, currency | amount_nano (int), quantity (float), events (int), price_version (string) |
 *
 * A line depends only on the rollup row, so re-writing a row writes the same point (same series and
 * timestamp), which InfluxDB overwrites in place: retries and replays never double count, and a bucket that
 * is rewritten with a larger total replaces the previous total.
 *
 * @packageDocumentation
 */
import { COST_TAG_KEYS, type CostTagKey, type RollupRow } from '@meterline/cost-model';
import {
  DEFAULT_PRECISION,
  MAX_TAG_VALUE_LENGTH,
  encodeFloatField,
  encodeIntField,
  encodeStringField,
  escapeTagValue,
  formatTimestamp,
  sanitizeTagValue,
  type Precision,
} from './line-protocol';

/** Measurement name of priced telemetry rollups. */
export const COST_MEASUREMENT = 'cost';

/**
 * Tag keys of the `cost` measurement (cost-model's `COST_TAG_KEYS`) in byte order, the order InfluxDB
 * recommends writing them in.
 */
export const COST_TAG_KEYS_SORTED: readonly CostTagKey[] = Object.freeze([...COST_TAG_KEYS].sort());

/**
 * What {@link encodeCostPoint} needs from a rollup row: the fields of cost-model's `RollupRow` that the
 * data contract stores (`key` and the exact `amount` are not stored; `amountNano` is).
 */
export type CostPointRow = Readonly<
  Pick<RollupRow, 'tags' | 'bucketMs' | 'amountNano' | 'quantity' | 'events' | 'priceVersion'>
>;

// Rows arrive sorted by bucket, so consecutive rows usually share a timestamp: format it once.
let lastTime = NaN;
let lastPrecision: Precision = DEFAULT_PRECISION;
let lastTimeText = '';

function timestampOf(ms: number, precision: Precision): string {
  if (ms !== lastTime || precision !== lastPrecision) {
    lastTimeText = formatTimestamp(ms, precision);
    lastTime = ms;
    lastPrecision = precision;
  }
  return lastTimeText;
}

// Pre-escaped ",key=" prefixes: the keys are constants, so escaping them per point would be wasted work.
const TAG_PREFIXES = COST_TAG_KEYS_SORTED.map((k) => ',' + k + '=');

// Sanitizing only after escaping failed (or for over-long values) keeps the common path to one pass.
function costTagValue(v: string, key: CostTagKey): string {
  if (v.length <= MAX_TAG_VALUE_LENGTH) {
    try {
      return escapeTagValue(v, key, COST_MEASUREMENT);
    } catch {
      // mapped below
    }
  }
  return escapeTagValue(sanitizeTagValue(v), key, COST_MEASUREMENT);
}

/**
 * Encodes a rollup row as a `cost` line.
 *
 * Tag values that line protocol cannot carry (newlines, a trailing backslash) or that would make the series
 * key too long for InfluxDB (longer than `MAX_TAG_VALUE_LENGTH`) are mapped with `sanitizeTagValue` rather
 * than rejected: a priced rollup is never dropped.
 *
 * @param precision the precision of the write the line goes into (default {@link DEFAULT_PRECISION}).
 * @throws LineProtocolError when a field cannot be encoded (non-finite quantity, amount outside int64,
 *   non-integer events), naming the field.
 */
export function encodeCostPoint(row: CostPointRow, precision: Precision = DEFAULT_PRECISION): string {
  let line = COST_MEASUREMENT;
  const tags = row.tags;
  for (let i = 0; i < COST_TAG_KEYS_SORTED.length; i++) {
    const key = COST_TAG_KEYS_SORTED[i] as CostTagKey;
    const v = tags[key];
    if (v === undefined || v === '') continue;
    line += (TAG_PREFIXES[i] as string) + costTagValue(v, key);
  }
  line +=
    ' amount_nano=' +
    encodeIntField(row.amountNano, 'amount_nano') +
    ',events=' +
    encodeIntField(row.events, 'events') +
    ',price_version=' +
    encodeStringField(row.priceVersion) +
    ',quantity=' +
    encodeFloatField(row.quantity, 'quantity') +
    ' ' +
    timestampOf(row.bucketMs, precision);
  return line;
}

/** Encodes many rows (see {@link encodeCostPoint}). */
export function encodeCostPoints(
  rows: Iterable<CostPointRow>,
  precision: Precision = DEFAULT_PRECISION,
): string[] {
  const out: string[] = [];
  for (const row of rows) out.push(encodeCostPoint(row, precision));
  return out;
}
