/**
 * Money for display: InfluxDB keeps amounts as integer nano-units of a currency (`*_nano` fields with a
 * `currency` tag); panels want decimal numbers with a currency unit.
 *
 * Exactness: a nano amount becomes the double nearest to its exact decimal value. For an integer beyond
 * 2^53 (parsed as `bigint`), the decimal text is built from the integer (`whole = n / 10^9`,
 * `frac = n % 10^9`) and read with `Number()`, which rounds once, correctly. For a safe integer, `n / 1e9`
 * gives the same double: both operands are exact doubles and IEEE division is correctly rounded, so it is
 * the same single rounding of the same exact quotient — and a hundred times faster, which matters for a
 * million points. Sums of nano amounts are exact: in doubles while they stay safe integers, in `bigint`
 * beyond.
 *
 * @packageDocumentation
 */
import type { FieldConfig } from '@grafana/data';
import type { JsonValue } from '@meterline/cost-model';
import type { MeterlineOptions } from '../types';
import { integer } from './answers';

const NANO = 1_000_000_000n;

/** The exact decimal text of `nano` nano-units: `-1234567890` → `-1.23456789`. */
export function nanoToDecimalString(nano: bigint): string {
  const negative = nano < 0n;
  const abs = negative ? -nano : nano;
  const whole = abs / NANO;
  const frac = abs % NANO;
  const fracText = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return (negative ? '-' : '') + whole.toString() + fracText;
}

/**
 * A nano amount as a decimal number of currency units (the nearest double), `null` for anything that is
 * not a number (a missing field). Floats (estimates such as anomaly bands) are divided as they are.
 */
export function nanoToNumber(v: JsonValue | undefined): number | null {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) || !Number.isInteger(v)) return v / 1e9;
    return Number(nanoToDecimalString(BigInt(v)));
  }
  if (typeof v === 'bigint') return Number(nanoToDecimalString(v));
  return null;
}

/** A cell as an exact integer nano amount, `undefined` when it is not a number (floats are rounded). */
export function toNano(v: JsonValue | undefined): bigint | undefined {
  return integer(v);
}

/** An exact running sum of nano amounts: doubles while every partial sum is a safe integer, then `bigint`. */
export class NanoSum {
  private small = 0;
  private big: bigint | undefined;

  /** Adds an amount (a number or a bigint); non-integer numbers are rounded to the nano-unit. */
  add(v: number | bigint): void {
    if (this.big === undefined && typeof v === 'number' && Number.isSafeInteger(v)) {
      // Exact: when the true sum is a safe integer, the double sum is that integer; when it is not, the
      // rounded double is not a safe integer either (rounding never crosses 2^53), so we switch to bigint.
      const s = this.small + v;
      if (Number.isSafeInteger(s)) {
        this.small = s;
        return;
      }
    }
    const add = typeof v === 'bigint' ? v : BigInt(Number.isInteger(v) ? v : Math.round(v));
    this.big = (this.big ?? BigInt(this.small)) + add;
  }

  /** The exact sum. */
  get nano(): bigint {
    return this.big ?? BigInt(this.small);
  }

  /** The sum as a decimal number of currency units (see {@link nanoToNumber}). */
  toNumber(): number {
    return this.big === undefined ? this.small / 1e9 : Number(nanoToDecimalString(this.big));
  }
}

/** Exact sum of nano amounts. */
export function sumNano(values: Iterable<bigint>): bigint {
  let s = 0n;
  for (const v of values) s += v;
  return s;
}

/**
 * `nano / count` as a decimal number of currency units (cost per transaction): the quotient is computed
 * in integers to 18 more decimal places than the nano-unit (truncated there, far below what a double
 * holds), then read as decimal text. `null` for a zero count.
 */
export function nanoPerUnit(nano: bigint, count: bigint): number | null {
  if (count === 0n) return null;
  const negative = nano < 0n !== count < 0n;
  const n = nano < 0n ? -nano : nano;
  const c = count < 0n ? -count : count;
  const SCALE = 10n ** 18n;
  const q = (n * SCALE) / c; // nano-units × 10^18
  const digits = 9 + 18;
  const text = q.toString().padStart(digits + 1, '0');
  const decimal = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return Number((negative && q !== 0n ? '-' : '') + decimal);
}

/**
 * `nano` as text rounded to `decimals` places (half away from zero) with its currency code:
 * `812340000000n` → `812.34 USD`. For annotation texts and titles.
 */
export function formatNano(nano: bigint, currency: string, decimals = currencyDecimals(currency)): string {
  const d = Math.max(0, Math.min(9, Math.trunc(decimals)));
  const negative = nano < 0n;
  const abs = negative ? -nano : nano;
  const unit = 10n ** BigInt(9 - d);
  const rounded = (abs + unit / 2n) / unit; // in units of 10^-d
  const scale = 10n ** BigInt(d);
  const whole = rounded / scale;
  const frac = rounded % scale;
  const number =
    (negative && rounded !== 0n ? '-' : '') +
    whole.toString() +
    (d > 0 ? '.' + frac.toString().padStart(d, '0') : '');
  return currency === '' ? number : `${number} ${currency}`;
}

/** ISO 4217 codes Grafana has a `currency<CODE>` unit for (`@grafana/data` value formats). */
const GRAFANA_CURRENCY_UNITS: ReadonlySet<string> = new Set([
  'USD', 'GBP', 'EUR', 'JPY', 'RUB', 'UAH', 'BRL', 'DKK', 'ISK', 'NOK', 'SEK', 'CZK', 'CHF', 'PLN', 'ZAR',
  'INR', 'KRW', 'IDR', 'PHP', 'VND', 'TRY', 'MYR', 'XPF', 'BGN', 'PYG', 'UYU', 'ILS',
]); // prettier-ignore

/** ISO 4217 currencies without minor units, and those with three. Everything else has two. */
const ZERO_DECIMALS: ReadonlySet<string> = new Set([
  'BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF',
  'XOF', 'XPF',
]); // prettier-ignore
const THREE_DECIMALS: ReadonlySet<string> = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/** The usual number of decimals of a currency: 2, 0 for JPY-like currencies, 3 for BHD-like ones. */
export function currencyDecimals(currency: string): number {
  const c = currency.toUpperCase();
  return ZERO_DECIMALS.has(c) ? 0 : THREE_DECIMALS.has(c) ? 3 : 2;
}

/**
 * The Grafana unit of an amount in `currency`: `currencyUSD` style where Grafana has one (symbol display),
 * `suffix:<CODE>` (Grafana puts the space before the code itself) otherwise or when the data source shows codes (`currencyDisplay: 'code'`), none
 * without a currency.
 */
export function currencyUnit(currency: string, settings: MeterlineOptions): string | undefined {
  const c = currency.trim().toUpperCase();
  if (c === '') return undefined;
  if (settings.currencyDisplay === 'code' || !GRAFANA_CURRENCY_UNITS.has(c)) return `suffix:${c}`;
  return `currency${c}`;
}

/** The currency of a series: its `currency` tag, else the data source's default, else `''`. */
export function currencyOf(tags: Record<string, string> | undefined, settings: MeterlineOptions): string {
  const tag = tags?.currency ?? '';
  return tag !== '' ? tag : (settings.defaultCurrency ?? '').trim().toUpperCase();
}

/**
 * Field config of an amount in `currency`: unit and decimals (the currency's, unless `decimals` says
 * otherwise; `null` leaves them to Grafana, for small values such as a cost per transaction).
 */
export function moneyConfig(
  currency: string,
  settings: MeterlineOptions,
  options: { decimals?: number | null; displayName?: string } = {},
): FieldConfig {
  const config: FieldConfig = {};
  const unit = currencyUnit(currency, settings);
  if (unit !== undefined) config.unit = unit;
  const decimals = options.decimals === undefined ? currencyDecimals(currency) : options.decimals;
  if (decimals !== null) config.decimals = decimals;
  if (options.displayName !== undefined) config.displayNameFromDS = options.displayName;
  return config;
}

/** Converts a column of nano cells into decimal numbers (`null` kept for missing values). */
export function nanoColumn(rows: readonly (readonly JsonValue[])[], index: number): Array<number | null> {
  const out = new Array<number | null>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = index < 0 ? undefined : rows[i]![index];
    // Inline fast path of nanoToNumber: most cells are safe integers.
    out[i] = typeof v === 'number' && Number.isSafeInteger(v) ? v / 1e9 : nanoToNumber(v);
  }
  return out;
}
