import { D, INTERNAL_PRECISION, NANO_DECIMALS } from '@meterline/cost-model';
import type Decimal from 'decimal.js';
import { plainDigits, POW10_EXACT } from '../instrument/exact-amount';

/**
 * Exact money as an integer mantissa at a decimal scale (value = mantissa × 10^-scale), for the rollup hot
 * path: summing and rounding to nano-units without Decimal.
 *
 * Why this equals the cost model's Decimal arithmetic (precision {@link DECIMAL_DIGITS} significant digits,
 * half-even): a Decimal sum `a.plus(b)` is the exact sum rounded to 40 significant digits, so it *is* the exact
 * sum whenever that has at most 40 significant digits. Starting from the exact zero, a running sum kept in
 * integers therefore equals the Decimal fold `((0 + a₁) + a₂) + …` for as long as every partial sum (and every
 * addend) has at most 40 significant digits; {@link ExactTotal} checks that on every addition and, at the
 * first one that breaks it, hands over to Decimal from the exact (still equal) previous sum, so from there on
 * the same Decimal operations as before run in the same order. Rounding to nano-units happens once, from the
 * exact value, half-to-even ({@link nanoOfScaled}, {@link nanoOfBig}), as `toNano` does.
 */

/** The cost model's Decimal precision, significant digits (module-local alias for the hot path). */
const DECIMAL_DIGITS = INTERNAL_PRECISION;
/** 10^40: a mantissa below it has at most 40 digits, so at most 40 significant digits. */
const BIG_DIGITS_LIMIT = 10n ** BigInt(DECIMAL_DIGITS);
/** `10^0` … `10^22`: exact doubles. */
const BIG_POW10: bigint[] = Array.from({ length: 64 }, (_, i) => 10n ** BigInt(i));
const NANO_SCALE = NANO_DECIMALS;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

function bigPow10(n: number): bigint {
  return BIG_POW10[n] ?? 10n ** BigInt(n);
}

/**
 * `m × 10^-scale` rounded half-to-even to nano-units (`toNano` of that exact value): a number when the result
 * is a safe integer, else a bigint. `m` must be a safe integer (any sign), `scale` an integer ≥ 0.
 *
 * Exact in doubles: `m % d` is exact for doubles (the remainder is always representable), `m − r` is an
 * integer no larger in magnitude than `m`, and `(m − r) / d` divides exactly; `2r` is an exact doubling.
 */
export function nanoOfScaled(m: number, scale: number): number | bigint {
  if (scale <= NANO_SCALE) {
    const nano = m * POW10_EXACT[NANO_SCALE - scale]!;
    // A product past 2^53 - 1 rounds to at least 2^53: exact when it reads as a safe integer.
    return nano <= Number.MAX_SAFE_INTEGER && nano >= -Number.MAX_SAFE_INTEGER
      ? nano
      : BigInt(m) * bigPow10(NANO_SCALE - scale);
  }
  const k = scale - NANO_SCALE;
  // |m| < 2^53 < 10^16: for k ≥ 17 the value is below half a nano-unit.
  if (k > 16) return 0;
  const d = POW10_EXACT[k]!;
  const negative = m < 0;
  const a = negative ? -m : m;
  const r = a % d;
  let q = (a - r) / d;
  const twice = 2 * r;
  if (twice > d || (twice === d && q % 2 === 1)) q++;
  return negative ? (q === 0 ? 0 : -q) : q;
}

/** `m × 10^-scale` (any integer `scale`) rounded half-to-even to nano-units. */
export function nanoOfBig(m: bigint, scale: number): bigint {
  if (scale <= NANO_SCALE) return m * bigPow10(NANO_SCALE - scale);
  const d = bigPow10(scale - NANO_SCALE);
  const negative = m < 0n;
  const a = negative ? -m : m;
  let q = a / d;
  const r = a - q * d;
  const twice = 2n * r;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  return negative ? -q : q;
}

/** The exact value `m × 10^-scale` as a Decimal (a string with an exponent: the constructor never rounds). */
export function decimalOfScaled(m: number | bigint, scale: number): Decimal {
  return new D(`${m}e${-scale}`);
}

/** The exact value of `d` as `big × 10^-scale` (scale ≥ 0), from decimal.js's documented `d`/`e`/`s` fields. */
export function scaledOfDecimal(d: Decimal): { big: bigint; scale: number } {
  const words = d.d;
  if (words.length === 0 || (words.length === 1 && words[0] === 0)) return { big: 0n, scale: 0 };
  // `d` holds base-10^7 words, the first unpadded; `e` is the exponent of the leading digit.
  let digits = String(words[0]);
  for (let i = 1; i < words.length; i++) digits += String(words[i]).padStart(7, '0');
  let scale = digits.length - 1 - d.e;
  // The last word is padded with zeros: drop those of the fraction.
  let end = digits.length;
  while (scale > 0 && digits.charCodeAt(end - 1) === 48) {
    end--;
    scale--;
  }
  let big = BigInt(end === digits.length ? digits : digits.slice(0, end));
  if (scale < 0) {
    big *= bigPow10(-scale);
    scale = 0;
  }
  return { big: d.s < 0 ? -big : big, scale };
}

/** `text`, a plain decimal literal without exponent (`-0.00125`, `42`), as `big × 10^-scale`. */
export function scaledOfPlain(text: string): { big: bigint; scale: number } {
  const dot = text.indexOf('.');
  return { big: BigInt(plainDigits(text)), scale: dot < 0 ? 0 : text.length - dot - 1 };
}

/** Significant digits of an integer (its digits without trailing zeros); 0 for zero. */
function significantDigits(m: bigint): number {
  if (m === 0n) return 0;
  const s = (m < 0n ? -m : m).toString();
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  return end;
}

/**
 * An exact running sum that reads exactly as the Decimal fold of the same amounts (see the module comment):
 * a safe-integer mantissa (`m`) while it fits, then a bigint (`big`), and Decimal (`dec`) once a partial sum
 * has more than 40 significant digits (where Decimal rounds). Scales only grow; zero adds nothing.
 */
export class ExactTotal {
  /** Safe-integer mantissa, while `big` and `dec` are undefined. */
  private m = 0;
  private big: bigint | undefined = undefined;
  private scale = 0;
  private dec: Decimal | undefined = undefined;

  /** Adds `mantissa × 10^-scale`: `mantissa` a safe integer (any sign), `scale` an integer ≥ 0. */
  addScaled(mantissa: number, scale: number): void {
    if (mantissa === 0) return;
    if (this.big === undefined && this.dec === undefined) {
      const s = this.scale;
      let t: number;
      if (scale === s) t = this.m + mantissa;
      else if (scale > s) t = scale - s > 22 ? Infinity : this.m * POW10_EXACT[scale - s]! + mantissa;
      else t = s - scale > 22 ? Infinity : this.m + mantissa * POW10_EXACT[s - scale]!;
      // Exact while it reads as a safe integer: a product or sum past 2^53 - 1 rounds to at least 2^53.
      // A safe integer has at most 16 digits: far within Decimal's 40.
      if (t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER) {
        this.m = t;
        if (scale > s) this.scale = scale;
        return;
      }
    }
    this.addBig(BigInt(mantissa), scale);
  }

  /** Adds `mantissa × 10^-scale` for any integer mantissa and integer `scale` ≥ 0. */
  addBig(mantissa: bigint, scale: number): void {
    if (mantissa === 0n) return;
    if (this.dec !== undefined) {
      this.dec = this.dec.plus(decimalOfScaled(mantissa, scale));
      return;
    }
    const current = this.big ?? BigInt(this.m);
    const s = this.scale;
    const newScale = scale > s ? scale : s;
    const sum =
      (scale > s ? current * bigPow10(scale - s) : current) +
      (s > scale ? mantissa * bigPow10(s - scale) : mantissa);
    // Decimal's sum is the exact sum rounded to 40 significant digits: the exact sum when it has no more.
    if ((sum < BIG_DIGITS_LIMIT && sum > -BIG_DIGITS_LIMIT) || significantDigits(sum) <= DECIMAL_DIGITS) {
      this.setExact(sum, newScale);
      return;
    }
    // Decimal rounds here: continue from the exact previous sum, exactly as the Decimal fold does.
    this.dec = decimalOfScaled(current, s).plus(decimalOfScaled(mantissa, scale));
    this.big = undefined;
  }

  /** Adds an exact Decimal amount (as the cost model produced it). */
  addDecimal(amount: Decimal): void {
    if (amount.isZero()) return;
    if (this.dec !== undefined) {
      this.dec = this.dec.plus(amount);
      return;
    }
    const { big, scale } = scaledOfDecimal(amount);
    this.addBig(big, scale);
  }

  /** Sets the sum to exactly `amount` (a restored total), unrounded, as a Decimal holding it would be. */
  setDecimal(amount: Decimal): void {
    const { big, scale } = scaledOfDecimal(amount);
    this.m = 0;
    this.dec = undefined;
    if ((big < BIG_DIGITS_LIMIT && big > -BIG_DIGITS_LIMIT) || significantDigits(big) <= DECIMAL_DIGITS) {
      this.setExact(big, scale);
    } else {
      this.big = undefined;
      this.scale = 0;
      this.dec = amount;
    }
  }

  /** Holds the exact `mantissa × 10^-scale`: as a safe integer when it is one. */
  private setExact(mantissa: bigint, scale: number): void {
    if (mantissa <= MAX_SAFE_BIG && mantissa >= -MAX_SAFE_BIG) {
      this.m = Number(mantissa);
      this.big = undefined;
    } else {
      this.big = mantissa;
    }
    this.scale = scale;
  }

  /** The sum as a Decimal (the same value the Decimal fold has). */
  toDecimal(): Decimal {
    if (this.dec !== undefined) return this.dec;
    return decimalOfScaled(this.big ?? this.m, this.scale);
  }
}
