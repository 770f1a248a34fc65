/**
 * InfluxDB line protocol encoding: `measurement,tag=v field=1i 1700000000000`.
 *
 * Escaping follows what InfluxDB's parser (1.x and 2.x share it) actually does, verified against a real
 * `influxd` 1.6 in `test/integration/influx-store.test.ts`:
 *
 * - measurements and field keys: `,`, `=`, space and `"` are escaped with a backslash;
 * - tag keys and tag values: `,`, `=` and space are escaped with a backslash;
 * - string field values are double-quoted; `"` and `\` are escaped with a backslash, and newlines are
 *   carried raw inside the quotes (they round-trip);
 * - everywhere else a backslash is literal: InfluxDB only strips a backslash in front of one of the
 *   characters above, so `a\b` round-trips unchanged and backslashes are never doubled.
 *
 * Three things cannot be expressed outside a string field value, so they are rejected with a
 * {@link LineProtocolError} naming the input, never silently altered:
 *
 * - a newline (`\n`) or carriage return (`\r`): a raw one ends the line, and the `\n` that other clients
 *   write is stored as the two characters backslash + `n`, so it would not come back unchanged;
 * - a trailing backslash: it would escape the delimiter that follows it (`k=a\,` is one value);
 * - a backslash right before a character that gets escaped (`a\ b` → `a\\ b`): InfluxDB's line splitter
 *   and field scanner read `\\` as an escaped backslash while its tag scanner reads `\ ` as an escaped
 *   space; the mismatch makes it reject the line or, with a quote or newline later in the line, merge it
 *   with the next one.
 *
 * Callers that must never drop a point (the cost pipeline) map such values first with
 * {@link sanitizeTagValue}.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

/** Timestamp precision of a write (the `precision` parameter of `/write`). */
export type Precision = 'ns' | 'us' | 'ms' | 's';

/** The precision Meterline writes with unless told otherwise: every point it writes is at most ms-precise. */
export const DEFAULT_PRECISION: Precision = 'ms';

/** An integer field value (`123i`); created with {@link int}. */
export interface IntField {
  readonly kind: 'int';
  readonly value: number | bigint;
}

/**
 * A field value. The JavaScript type decides the InfluxDB type:
 * `bigint` and {@link int}`(n)` → integer, `number` → float (as InfluxDB itself reads an untyped number),
 * `string` → string, `boolean` → boolean. `undefined`/`null` fields are omitted.
 */
export type FieldValue = number | bigint | string | boolean | IntField;

/** One point to encode. */
export interface PointInput {
  measurement: string;
  /** Empty, `undefined` and `null` values are omitted (InfluxDB rejects empty tag values). */
  tags?: Readonly<Record<string, string | undefined | null>>;
  /** At least one field must remain after omitting `undefined`/`null`. */
  fields: Readonly<Record<string, FieldValue | undefined | null>>;
  /** `number`: epoch milliseconds (an integer); `bigint`: epoch nanoseconds. Absent: the server's clock. */
  time?: number | bigint;
}

/** A value could not be encoded; `input` says which measurement, key or value it was. */
export class LineProtocolError extends Error {
  constructor(
    message: string,
    /** What was being encoded, e.g. `tag "tenant" of measurement "cost"`. */
    readonly input: string,
  ) {
    super(`${input}: ${message}`);
    this.name = 'LineProtocolError';
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Marks a number (or bigint) as an integer field (`123i`). Validated when encoded. */
export function int(value: number | bigint): IntField {
  return { kind: 'int', value };
}

const STRING_SPECIAL = /["\\]/;

// What is being escaped, for error messages (built only when an error is thrown).
const Part = { Measurement: 0, TagKey: 1, TagValue: 2, FieldKey: 3 } as const;
type Part = (typeof Part)[keyof typeof Part];

function describePart(part: Part, s: string, key: string, measurement: string): string {
  switch (part) {
    case Part.Measurement:
      return `measurement ${JSON.stringify(s)}`;
    case Part.TagKey:
      return `tag key ${JSON.stringify(s)} of measurement ${JSON.stringify(measurement)}`;
    case Part.TagValue:
      return `value ${JSON.stringify(s)} of tag "${key}" of measurement ${JSON.stringify(measurement)}`;
    case Part.FieldKey:
      return `field key ${JSON.stringify(s)} of measurement ${JSON.stringify(measurement)}`;
  }
}

/**
 * The one escaping loop: a single pass over char codes that allocates nothing when there is nothing to
 * escape (the common case), which is several times faster than regex tests plus replace.
 */
function escapeName(s: string, part: Part, key: string, measurement: string): string {
  const n = s.length;
  if (n === 0) throw new LineProtocolError('must not be empty', describePart(part, s, key, measurement));
  // InfluxDB unescapes `\"` in measurements and field keys (not in tags), so a quote is escaped there.
  const escapeQuote = part === Part.Measurement || part === Part.FieldKey;
  let out: string | undefined;
  let from = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 61) continue; // every special character is <= '=' (61)
    if (c === 44 || c === 32 || c === 61 || (c === 34 && escapeQuote)) {
      if (i > 0 && s.charCodeAt(i - 1) === 92) {
        throw new LineProtocolError(
          `has a backslash right before ${JSON.stringify(s[i])} at index ${i}, which InfluxDB's parsers read inconsistently (see sanitizeTagValue)`,
          describePart(part, s, key, measurement),
        );
      }
      out = (out ?? '') + s.slice(from, i) + '\\';
      from = i;
    } else if (c === 10 || c === 13) {
      throw new LineProtocolError(
        `contains a ${c === 10 ? 'newline' : 'carriage return'} at index ${i}, which line protocol cannot carry outside a string field (see sanitizeTagValue)`,
        describePart(part, s, key, measurement),
      );
    }
  }
  if (s.charCodeAt(n - 1) === 92) {
    throw new LineProtocolError(
      'ends with a backslash, which line protocol cannot express (it would escape the next delimiter)',
      describePart(part, s, key, measurement),
    );
  }
  return out === undefined ? s : out + s.slice(from);
}

/**
 * Escapes a measurement name (`,`, `=`, space, `"`). Throws on empty names, newlines, a backslash before an
 * escaped character or at the end, and a leading `#` or tab.
 */
export function escapeMeasurement(name: string): string {
  const c0 = name.charCodeAt(0);
  // A line starting with '#' is a comment, and leading tabs are trimmed: neither can be escaped.
  if (c0 === 35 || c0 === 9) {
    throw new LineProtocolError(
      'must not start with "#" or a tab',
      describePart(Part.Measurement, name, '', name),
    );
  }
  return escapeName(name, Part.Measurement, '', name);
}

/** Escapes a tag key (`,`, `=`, space). Throws like {@link escapeTagValue}. */
export function escapeTagKey(key: string, measurement = '?'): string {
  return escapeName(key, Part.TagKey, key, measurement);
}

/**
 * Escapes a tag value (`,`, `=`, space). Throws, naming the tag, on empty values, newlines and a backslash
 * right before an escaped character or at the end (see the module notes; {@link sanitizeTagValue} maps
 * those first when dropping is not an option).
 */
export function escapeTagValue(value: string, key = '?', measurement = '?'): string {
  return escapeName(value, Part.TagValue, key, measurement);
}

/** Escapes a field key (`,`, `=`, space, `"`). Throws like {@link escapeTagValue}. */
export function escapeFieldKey(key: string, measurement = '?'): string {
  return escapeName(key, Part.FieldKey, key, measurement);
}

/** Encodes a string field value: double-quoted, `"` and `\` escaped; newlines and unicode are kept as-is. */
export function encodeStringField(value: string): string {
  if (!STRING_SPECIAL.test(value)) return '"' + value + '"';
  let out = '"';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 || c === 92) {
      out += value.slice(from, i) + '\\';
      from = i;
    }
  }
  return out + value.slice(from) + '"';
}

/** Encodes a float field value; throws naming the field on NaN and ±Infinity (InfluxDB cannot store them). */
export function encodeFloatField(value: number, field = '?'): string {
  if (!Number.isFinite(value)) {
    throw new LineProtocolError(`float must be finite, got ${value}`, `field "${field}"`);
  }
  // String() gives the shortest round-tripping form; InfluxDB parses exponents such as 1e-7 and 1e+21.
  return String(value);
}

/** Encodes an integer field value (`123i`); throws naming the field unless it is a safe integer or an int64 bigint. */
export function encodeIntField(value: number | bigint, field = '?'): string {
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) {
      throw new LineProtocolError(`integer ${value} is outside int64`, `field "${field}"`);
    }
    return value.toString() + 'i';
  }
  if (!Number.isSafeInteger(value)) {
    throw new LineProtocolError(
      `integer must be a safe integer (or a bigint), got ${value}`,
      `field "${field}"`,
    );
  }
  return String(value) + 'i';
}

/** Encodes any {@link FieldValue}. */
export function encodeFieldValue(value: FieldValue, field = '?'): string {
  switch (typeof value) {
    case 'number':
      return encodeFloatField(value, field);
    case 'bigint':
      return encodeIntField(value, field);
    case 'string':
      return encodeStringField(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value !== null && typeof value === 'object' && value.kind === 'int') {
        return encodeIntField(value.value, field);
      }
      throw new LineProtocolError(`unsupported field value ${String(value)}`, `field "${field}"`);
  }
}

const NS_PER: Record<Precision, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n };

/**
 * Formats a timestamp for a write with `precision`. `number` is epoch ms (an integer), `bigint` epoch ns.
 * Throws when the time cannot be expressed exactly in `precision` (it would silently move the point).
 */
export function formatTimestamp(time: number | bigint, precision: Precision = DEFAULT_PRECISION): string {
  if (typeof time === 'number') {
    if (!Number.isSafeInteger(time)) {
      throw new LineProtocolError(`time must be integer epoch milliseconds, got ${time}`, 'timestamp');
    }
    if (precision === 'ms') return String(time);
    if (precision === 'ns') return time === 0 ? '0' : String(time) + '000000';
    if (precision === 'us') return time === 0 ? '0' : String(time) + '000';
    if (time % 1000 !== 0) {
      throw new LineProtocolError(`time ${time} ms is not a whole number of seconds`, 'timestamp');
    }
    return String(time / 1000);
  }
  const unit = NS_PER[precision];
  if (time % unit !== 0n) {
    throw new LineProtocolError(`time ${time} ns is not a whole number of ${precision}`, 'timestamp');
  }
  return (time / unit).toString();
}

// Byte-order comparison as InfluxDB recommends (Go's bytes.Compare); UTF-16 order differs from it only
// for astral vs. U+E000–U+FFFF characters, which never occur in Meterline's tag keys.
function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Encodes one point as a line (no trailing newline). Tags are sorted by key, empty tag values omitted.
 *
 * @throws LineProtocolError naming the measurement, key or value that cannot be encoded.
 */
export function encodeLine(point: PointInput, precision: Precision = DEFAULT_PRECISION): string {
  const m = point.measurement;
  let line = escapeMeasurement(m);
  if (point.tags !== undefined) {
    const keys = Object.keys(point.tags).sort(byKey);
    for (const k of keys) {
      const v = point.tags[k];
      if (v === undefined || v === null || v === '') continue;
      line += ',' + escapeTagKey(k, m) + '=' + escapeTagValue(v, k, m);
    }
  }
  let sep = ' ';
  for (const k of Object.keys(point.fields)) {
    const v = point.fields[k];
    if (v === undefined || v === null) continue;
    line += sep + escapeFieldKey(k, m) + '=' + encodeFieldValue(v, k);
    sep = ',';
  }
  if (sep === ' ') {
    throw new LineProtocolError('a point needs at least one field', `measurement ${JSON.stringify(m)}`);
  }
  if (point.time !== undefined) line += ' ' + formatTimestamp(point.time, precision);
  return line;
}

const UNSAFE_TAG_CHARS = /[\n\r]|\\(?=[,= ]|$)/;

/**
 * Longest tag value {@link sanitizeTagValue} lets through, in UTF-16 code units. InfluxDB rejects a point
 * whose series key (measurement and escaped tags) exceeds 65,535 bytes ("max key length exceeded") with
 * HTTP 400, and a flush loop that rewrites totals would then retry that point forever. A value of at most
 * 1,024 code units takes at most 3,072 bytes escaped (3 UTF-8 bytes per code unit, 2 for an escaped ASCII
 * character), so even the eleven tags of `cost` stay far below the limit.
 */
export const MAX_TAG_VALUE_LENGTH = 1024;

/** Cuts `mapped` to {@link MAX_TAG_VALUE_LENGTH} and appends `…#` + 16 hex digits of SHA-256 of `original`. */
function boundTagValue(mapped: string, original: string): string {
  const suffix = `…#${createHash('sha256').update(original).digest('hex').slice(0, 16)}`;
  let end = MAX_TAG_VALUE_LENGTH - suffix.length;
  const c = mapped.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--; // do not split a surrogate pair
  return mapped.slice(0, end) + suffix;
}

/**
 * Maps a tag value that line protocol cannot carry to one it can, for callers that must never drop a
 * point (cost rollups). Unchanged unless the value contains a newline or carriage return, or a backslash
 * right before `,`, `=`, space or the end, or is longer than {@link MAX_TAG_VALUE_LENGTH}:
 *
 * - `\n` and `\r` become the two characters `\` `n` / `\` `r` — exactly what the official InfluxDB clients
 *   (influxdb-client-js `Point`, influxdb-python) write, so such a value reads the same whichever client
 *   wrote it;
 * - such a backslash becomes `＼` (U+FF3C FULLWIDTH REVERSE SOLIDUS);
 * - a value longer than {@link MAX_TAG_VALUE_LENGTH} keeps its beginning and ends with `…#` and 16 hex
 *   digits of the SHA-256 of the whole value, so distinct long values stay distinct series (cutting alone
 *   would merge them into one series, where one total would overwrite the other).
 *
 * The mapping is documented rather than reversible for values that already contain those replacement
 * sequences; tag values are bounded identifiers (tenant, team, …), so such collisions do not occur in
 * practice, and it beats dropping the point. The result is deterministic, so rewrites stay idempotent.
 */
export function sanitizeTagValue(value: string): string {
  const mapped = UNSAFE_TAG_CHARS.test(value)
    ? value
        .replace(/\\(?=[,= \n\r]|$)/g, '\uFF3C')
        .replace(/\n/g, '\\n')
        .replace(/\r/g, '\\r')
    : value;
  return mapped.length > MAX_TAG_VALUE_LENGTH ? boundTagValue(mapped, value) : mapped;
}
