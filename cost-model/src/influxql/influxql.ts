/**
 * Safe InfluxQL construction: quoting of identifiers, string literals and regex literals, and the
 * {@link influxql} tagged template that applies them to every interpolated value.
 *
 * InfluxQL's scanner reads quoted identifiers and string literals the same way: `\\`, `\"`, `\'` and
 * `\n` are escapes, any other backslash sequence is an error, and a raw newline ends the token with an
 * error. So both escape the backslash, their quote character and the newline.
 *
 * @packageDocumentation
 */

/** Quotes an identifier (measurement, tag key, field key, database, retention policy): always `"…"`. */
export function escapeIdentifier(name: string): string {
  return '"' + name.replace(/[\\"\n]/g, escapeChar) + '"';
}

/** Quotes a string literal: `'…'`, escaping `\`, `'` and newlines. */
export function quoteString(value: string): string {
  return "'" + value.replace(/[\\'\n]/g, escapeChar) + "'";
}

function escapeChar(c: string): string {
  return c === '\n' ? '\\n' : '\\' + c;
}

/**
 * A regex literal `/…/` from a regular-expression source (RE2 syntax, as InfluxDB uses Go's regexp).
 * Only `/` needs escaping in InfluxQL; newlines are written as `\n`, which RE2 reads as a newline. Escape
 * sequences already in the source are kept as pairs, so a source that escapes its own slashes (`a\/b`)
 * stays one literal. Throws a `TypeError` for a source ending in a lone backslash, which would escape the
 * closing `/`.
 */
export function regexLiteral(source: string): string {
  let out = '/';
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined)
        throw new TypeError(`regex ${JSON.stringify(source)} ends with a lone backslash`);
      out += next === '\n' ? '\\n' : c + next;
      i++;
    } else if (c === '/') out += '\\/';
    else if (c === '\n') out += '\\n';
    else out += c;
  }
  return out + '/';
}

/** Escapes text so that a regex matches it literally (RE2 metacharacters), for use in {@link regexLiteral}. */
export function escapeRegexText(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** An identifier to be double-quoted by {@link influxql}; create with {@link ident}. */
export class Identifier {
  constructor(readonly name: string) {}
  toString(): string {
    return escapeIdentifier(this.name);
  }
}

/** A regex to be written as a regex literal by {@link influxql}; create with {@link regex}. */
export class RegexValue {
  constructor(readonly source: string) {}
  toString(): string {
    return regexLiteral(this.source);
  }
}

/** Trusted InfluxQL text inserted verbatim by {@link influxql}; create with {@link raw}. */
export class RawInfluxQL {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Marks `name` as an identifier: `influxql\`SELECT ${ident('amount_nano')} FROM …\`` → `"amount_nano"`. */
export function ident(name: string): Identifier {
  return new Identifier(name);
}

/** Marks `source` as a regex: `WHERE "team" =~ ${regex('^pay')}` → `=~ /^pay/`. */
export function regex(source: string): RegexValue {
  return new RegexValue(source);
}

/** Inserts trusted text verbatim (durations such as `1m`, keywords). Never pass user input. */
export function raw(text: string): RawInfluxQL {
  return new RawInfluxQL(text);
}

/** What may be interpolated into {@link influxql}. Arrays are joined with `, `. */
export type InfluxQLValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | Identifier
  | RegexValue
  | RawInfluxQL
  | readonly InfluxQLValue[];

/** Renders one interpolated value as InfluxQL. */
export function toInfluxQL(value: InfluxQLValue): string {
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TypeError(`influxql: cannot interpolate non-finite number ${value}`);
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('influxql: cannot interpolate an invalid Date');
    return quoteString(value.toISOString());
  }
  if (value instanceof Identifier || value instanceof RegexValue || value instanceof RawInfluxQL) {
    return value.toString();
  }
  if (Array.isArray(value)) return value.map(toInfluxQL).join(', ');
  throw new TypeError(`influxql: cannot interpolate ${String(value)}`);
}

/**
 * Tagged template for InfluxQL: strings become quoted literals, numbers/bigints/booleans literals,
 * `Date`s RFC 3339 string literals, {@link ident} quoted identifiers, {@link regex} regex literals.
 *
 * @example
 * influxql`SELECT SUM("amount_nano") FROM "cost" WHERE "tenant" = ${tenant} AND time >= ${from}`
 */
export function influxql(strings: TemplateStringsArray, ...values: InfluxQLValue[]): string {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += toInfluxQL(values[i] as InfluxQLValue) + (strings[i + 1] ?? '');
  }
  return out;
}
