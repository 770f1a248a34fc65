/**
 * Small constructors for data frames: plain objects (no `MutableDataFrame`, no field-by-field copying),
 * because shaping a large answer must stay within twice the time of parsing it.
 *
 * @packageDocumentation
 */
import type { DataFrame, Field, FieldConfig, FieldType, Labels, QueryResultMeta } from '@grafana/data';
import { FieldTypes } from './field-type';

/** A field over `values` (the array is used as is, not copied). */
export function field<T>(
  name: string,
  type: FieldType,
  values: T[],
  config: FieldConfig = {},
  labels?: Labels,
): Field<T> {
  return labels === undefined ? { name, type, config, values } : { name, type, config, values, labels };
}

/** The `Time` field of a time series frame (epoch ms). */
export function timeField(values: number[], name = 'Time'): Field<number> {
  return field(name, FieldTypes.time, values);
}

/** A frame of `fields`; its length is the first field's. */
export function frame(
  refId: string,
  fields: Field[],
  options: { name?: string; meta?: QueryResultMeta } = {},
): DataFrame {
  const out: DataFrame = { refId, fields, length: fields[0]?.values.length ?? 0 };
  if (options.name !== undefined) out.name = options.name;
  if (options.meta !== undefined) out.meta = options.meta;
  return out;
}

/** How a series is named in legends: its parts joined with ` · `, an empty part shown as `(none)`. */
export function displayName(parts: readonly string[]): string {
  return parts.map((p) => (p === '' ? '(none)' : p)).join(' · ');
}
