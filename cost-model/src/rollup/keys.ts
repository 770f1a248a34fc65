/** Tags of the `cost` measurement, in the fixed order used by {@link seriesKey}. */
export const COST_TAG_KEYS = [
  'source',
  'tenant',
  'team',
  'center',
  'service',
  'version',
  'sku',
  'env',
  'region',
  'attribution',
  'currency',
] as const;

export type CostTagKey = (typeof COST_TAG_KEYS)[number];
export type CostTags = Record<CostTagKey, string>;

/** Default rollup bucket: one minute. */
export const DEFAULT_BUCKET_MS = 60_000;

const SEPARATOR = '|';
const ESCAPE = '\\';

/** Escapes `\` and `|` with `\`, so joined values split back unambiguously. */
function escapeValue(value: string): string {
  if (value.indexOf(SEPARATOR) < 0 && value.indexOf(ESCAPE) < 0) return value;
  let out = '';
  for (const ch of value) out += ch === SEPARATOR || ch === ESCAPE ? ESCAPE + ch : ch;
  return out;
}

/**
 * A deterministic, injective key of a series: the tag values in {@link COST_TAG_KEYS} order, each with `\`
 * and `|` escaped, joined by `|`. Different tags never give the same key (`{a: 'x|', b: 'y'}` and
 * `{a: 'x', b: '|y'}` differ), and the same tags always give the same key, whatever their object key order.
 * A missing value counts as the empty string.
 */
export function seriesKey(tags: CostTags): string {
  let key = escapeValue(tags.source ?? '');
  for (let i = 1; i < COST_TAG_KEYS.length; i++)
    key += SEPARATOR + escapeValue(tags[COST_TAG_KEYS[i]!] ?? '');
  return key;
}

/** Start of the bucket containing `timeMs` (floor, so times before 1970 land in the right bucket too). */
export function bucketStart(timeMs: number, bucketMs: number = DEFAULT_BUCKET_MS): number {
  if (!(bucketMs > 0) || !Number.isInteger(bucketMs)) {
    throw new RangeError(`bucket size must be a positive integer of ms, got ${bucketMs}`);
  }
  return Math.floor(timeMs / bucketMs) * bucketMs;
}
