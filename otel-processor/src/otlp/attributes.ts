/** Reading OTLP attributes as plain values, and building the `KeyValue`s the engine appends to spans. */
import type { AnyValue, Int64Like, KeyValue } from './model';
import { int64ToNumber, isSafeInt64, nanosKey, toInt64 } from './int64';

/**
 * A primitive attribute value, or a homogeneous array of them (`null` for elements without a value) — the
 * same shapes as OpenTelemetry API attributes, so the result can be handed to code written for those.
 */
export type AttributeValue =
  string | number | boolean | Array<string | null> | Array<number | null> | Array<boolean | null>;

/** Attributes as a plain record. */
export type Attributes = Record<string, AttributeValue>;

/**
 * An `AnyValue` as a primitive: strings, booleans and doubles as they are; ints as numbers when exact, as
 * decimal strings beyond ±2^53; bytes as base64; key-value lists and nested arrays as JSON text. `undefined`
 * for an empty value.
 */
export function anyValueToPrimitive(v: AnyValue | null | undefined): string | number | boolean | undefined {
  if (v == null) return undefined;
  if (v.stringValue != null) return v.stringValue;
  if (v.intValue != null) return isSafeInt64(v.intValue) ? int64ToNumber(v.intValue) : nanosKey(v.intValue);
  if (v.doubleValue != null) return v.doubleValue;
  if (v.boolValue != null) return v.boolValue;
  if (v.bytesValue != null)
    return Buffer.from(v.bytesValue.buffer, v.bytesValue.byteOffset, v.bytesValue.byteLength).toString(
      'base64',
    );
  if (v.arrayValue != null || v.kvlistValue != null) return JSON.stringify(anyValueToJsonable(v));
  return undefined;
}

/** A structured value as JSON-able data (for the JSON text of kvlists and nested arrays). */
function anyValueToJsonable(v: AnyValue | null | undefined): unknown {
  if (v == null) return null;
  if (v.arrayValue != null) return v.arrayValue.values.map(anyValueToJsonable);
  if (v.kvlistValue != null) {
    const o: Record<string, unknown> = {};
    for (const kv of v.kvlistValue.values) o[kv.key] = anyValueToJsonable(kv.value);
    return o;
  }
  return anyValueToPrimitive(v) ?? null;
}

/**
 * OTLP attributes → a plain record. Arrays of primitives stay arrays (other elements become their JSON/base64
 * text; an array mixing types becomes an array of strings); attributes without a value are left out; a later
 * duplicate key wins.
 */
export function toAttributes(kvs: readonly KeyValue[]): Attributes {
  const out: Attributes = {};
  for (let i = 0; i < kvs.length; i++) {
    const kv = kvs[i] as KeyValue;
    const v = kv.value;
    if (v == null) continue;
    if (v.arrayValue != null) {
      const values = v.arrayValue.values;
      const arr: Array<string | number | boolean | null> = new Array(values.length);
      let type: string | undefined;
      let mixed = false;
      for (let j = 0; j < values.length; j++) {
        const p = anyValueToPrimitive(values[j]) ?? null;
        arr[j] = p;
        if (p !== null) {
          if (type === undefined) type = typeof p;
          else if (type !== typeof p) mixed = true;
        }
      }
      if (mixed) for (let j = 0; j < arr.length; j++) if (arr[j] !== null) arr[j] = String(arr[j]);
      out[kv.key] = arr as AttributeValue;
    } else {
      const p = anyValueToPrimitive(v);
      if (p !== undefined) out[kv.key] = p;
    }
  }
  return out;
}

/** `{ key, value: { stringValue } }`. */
export function stringKeyValue(key: string, value: string): KeyValue {
  return { key, value: { stringValue: value } };
}

/** `{ key, value: { doubleValue } }`. */
export function doubleKeyValue(key: string, value: number): KeyValue {
  return { key, value: { doubleValue: value } };
}

/** `{ key, value: { intValue } }` (exact for `bigint`/decimal strings). */
export function intKeyValue(key: string, value: Int64Like): KeyValue {
  return { key, value: { intValue: toInt64(value) } };
}

/** `{ key, value: { boolValue } }`. */
export function boolKeyValue(key: string, value: boolean): KeyValue {
  return { key, value: { boolValue: value } };
}

/**
 * `{ key, value: { arrayValue } }` from primitives: strings → `stringValue`, booleans → `boolValue`, numbers →
 * `doubleValue` (as the OTel JS SDK exports numbers that are not integers; pass `ints: true` for `intValue`).
 */
export function arrayKeyValue(
  key: string,
  values: ReadonlyArray<string | number | boolean>,
  opts: { ints?: boolean } = {},
): KeyValue {
  return {
    key,
    value: {
      arrayValue: {
        values: values.map((v): AnyValue =>
          typeof v === 'string'
            ? { stringValue: v }
            : typeof v === 'boolean'
              ? { boolValue: v }
              : opts.ints === true
                ? { intValue: toInt64(v) }
                : { doubleValue: v },
        ),
      },
    },
  };
}

/**
 * Sets attributes in place: a key already present is replaced (so re-enriching a forwarded/replayed span never
 * duplicates `cost.*` keys), new keys are appended.
 */
export function upsertAttributes(target: KeyValue[], kvs: readonly KeyValue[]): void {
  for (const kv of kvs) {
    let found = false;
    for (let i = 0; i < target.length; i++) {
      if ((target[i] as KeyValue).key === kv.key) {
        target[i] = kv;
        found = true;
        break;
      }
    }
    if (!found) target.push(kv);
  }
}
