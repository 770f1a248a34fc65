/**
 * Reading the values of export cells the same way for every provider: `NULL` and empty cells, decimal
 * text (validated, never parsed through a float), and the date shapes exports use.
 *
 * @packageDocumentation
 */
import { RowError } from './charge';

/** Whether a cell holds no value: empty, only blanks, or FOCUS's literal `NULL`. */
export function isNull(cell: string | undefined): cell is undefined | '' {
  if (cell === undefined || cell.length === 0) return true;
  // Only a cell that starts with a blank can be all blanks: no trim (a new string) for every other cell.
  if (cell.charCodeAt(0) > 32) return cell === 'NULL';
  return cell.trim() === '';
}

/** Decimal text as exports write it: optional sign, digits with an optional point, optional exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The decimal text of a money or quantity cell, checked: `1.25`, `-0.000000000000000000000000001`,
 * `1.2E-9` all pass unchanged (exactness is the caller's: never `Number()` it for money).
 * A null cell gives `fallback` (default `'0'`: an empty cost cell costs nothing).
 *
 * @throws RowError naming `column` and the cell for anything else (`1,234.50`, `12 USD`, `NaN`).
 */
export function checkDecimal(cell: string | undefined, column: string, fallback = '0'): string {
  if (isNull(cell)) return fallback;
  const text =
    cell.length > 0 && (cell.charCodeAt(0) <= 32 || cell.charCodeAt(cell.length - 1) <= 32)
      ? cell.trim()
      : cell;
  if (!DECIMAL.test(text))
    throw new RowError(`${column}: not a decimal number: ${JSON.stringify(cell)}`, column);
  return text;
}

const CURRENCY = /^[A-Z]{3}$/;

/**
 * An ISO 4217 code, upper-cased: money without a currency cannot be stored.
 * @throws RowError naming `column` for an empty cell or anything but three letters.
 */
export function readCurrency(cell: string | undefined, column: string): string {
  if (isNull(cell)) throw new RowError(`${column}: empty`, column);
  if (CURRENCY.test(cell)) return cell;
  const code = cell.trim().toUpperCase();
  if (!CURRENCY.test(code))
    throw new RowError(`${column}: not an ISO 4217 currency code: ${JSON.stringify(cell)}`, column);
  return code;
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM)?)?\s*(Z|UTC)?$/i;
/** `YYYYMM` (GCP's `invoice.month`). */
const MONTH = /^(\d{4})(\d{2})$/;

function utc(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Date.UTC rolls 31 April over to 1 May: a date that does not exist is an error, not another day.
  if (new Date(t).getUTCDate() !== d && h < 24) return undefined;
  return t;
}

/**
 * Epoch ms of an export timestamp: ISO 8601 with or without time, seconds, fraction or zone (no zone
 * means UTC, as every provider's billing data is UTC), `2024-06-01 00:00:00 UTC`, US `M/D/YYYY` with an
 * optional time (Azure), and `YYYYMM`. Returns `undefined` for anything else.
 */
export function parseExportTime(text: string): number | undefined {
  const s = text.trim();
  let m = ISO.exec(s);
  if (m !== null) {
    const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    const t = utc(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), frac);
    if (t === undefined) return undefined;
    const zone = m[8];
    if (zone === undefined || /^(z|utc)$/i.test(zone)) return t;
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    return t - sign * offsetMin * 60_000;
  }
  m = US.exec(s);
  if (m !== null) {
    let h = +(m[4] ?? 0);
    const ampm = m[7]?.toUpperCase();
    if (ampm !== undefined) {
      if (h < 1 || h > 12) return undefined;
      h = (h % 12) + (ampm === 'PM' ? 12 : 0);
    }
    return utc(+m[3]!, +m[1]!, +m[2]!, h, +(m[5] ?? 0), +(m[6] ?? 0), 0);
  }
  m = MONTH.exec(s);
  if (m !== null) return utc(+m[1]!, +m[2]!, 1, 0, 0, 0, 0);
  return undefined;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch ms of the one shape most exports use, `2024-06-01T00:00:00Z` (also `.000Z`), read digit by
 * digit; NaN for anything else (then {@link parseExportTime} decides). Hashing the cell for a cache
 * costs more than this.
 */
export function fastIsoTime(s: string): number {
  const n = s.length;
  if ((n !== 20 && n !== 24) || s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(10) !== 84 /* T */)
    return NaN;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58)
    return NaN;
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  let ms = 0;
  if (n === 24) {
    if (s.charCodeAt(19) !== 46 /* . */) return NaN;
    ms = digits(s, 20, 3);
  }
  if (
    y < 0 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    h < 0 ||
    h > 23 ||
    mi < 0 ||
    mi > 59 ||
    sec < 0 ||
    sec > 59 ||
    ms < 0
  )
    return NaN;
  // 29 February only in leap years; other days up to the month's length.
  if (
    d > DAYS_IN_MONTH[mo - 1]! ||
    (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)))
  )
    return NaN;
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms;
}

/**
 * {@link parseExportTime} with a cache: exports repeat the same few timestamps (one per hour or day) on
 * millions of rows. One per mapper.
 */
export class TimeReader {
  private readonly cache = new Map<string, number>();
  /** The last cell read per column and its time: most columns repeat their value row after row. */
  private readonly last = new Map<string, { cell: string; time: number }>();

  /**
   * Epoch ms of `cell`.
   * @throws RowError naming `column` when the cell is empty or not a date.
   */
  read(cell: string | undefined, column: string): number {
    if (cell === undefined) throw new RowError(`${column}: missing`, column);
    // Comparing with the last value is cheaper than hashing a new string for the cache.
    const last = this.last.get(column);
    if (last !== undefined && last.cell === cell) return last.time;
    const fast = fastIsoTime(cell);
    if (fast === fast) {
      this.remember(column, cell, fast);
      return fast;
    }
    const hit = this.cache.get(cell);
    if (hit !== undefined) {
      this.remember(column, cell, hit);
      return hit;
    }
    if (isNull(cell)) throw new RowError(`${column}: empty`, column);
    const t = parseExportTime(cell);
    if (t === undefined) throw new RowError(`${column}: not a date: ${JSON.stringify(cell)}`, column);
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(cell, t);
    this.remember(column, cell, t);
    return t;
  }

  private remember(column: string, cell: string, time: number): void {
    const last = this.last.get(column);
    if (last === undefined) this.last.set(column, { cell, time });
    else {
      last.cell = cell;
      last.time = time;
    }
  }

  /** Like {@link read}, but a null cell gives `fallback`. */
  readOr(cell: string | undefined, column: string, fallback: number): number {
    return isNull(cell) ? fallback : this.read(cell, column);
  }
}

/** Start of the UTC month holding `ms`, and of the next one: a billing period when an export has none. */
export function monthOf(ms: number): { start: number; end: number } {
  const d = new Date(ms);
  return {
    start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/**
 * Tags written as JSON by exports: an object (`{"team":"payments"}`), Azure's object without braces
 * (`"team": "payments","env": "prod"`), or an array of `{key, value}` (GCP labels). Non-string values
 * are kept as their JSON text. Returns `{}` for a null cell.
 *
 * @throws RowError naming `column` when the cell is none of these.
 */
export function parseJsonTags(cell: string | undefined, column: string): Record<string, string> {
  if (isNull(cell) || cell.trim() === '{}' || cell.trim() === '[]') return {};
  const text = cell.trim();
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('{') || text.startsWith('[') ? text : `{${text}}`);
  } catch {
    throw new RowError(`${column}: tags are not JSON: ${JSON.stringify(cell.slice(0, 200))}`, column);
  }
  const out: Record<string, string> = {};
  const put = (k: unknown, v: unknown): void => {
    if (typeof k !== 'string' || k === '' || v === null || v === undefined) return;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  };
  if (Array.isArray(value)) {
    for (const item of value)
      if (item !== null && typeof item === 'object')
        put((item as { key?: unknown }).key, (item as { value?: unknown }).value);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) put(k, v);
  } else {
    throw new RowError(
      `${column}: tags are not a JSON object or list: ${JSON.stringify(cell.slice(0, 200))}`,
      column,
    );
  }
  return out;
}
