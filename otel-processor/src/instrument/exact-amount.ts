/**
 * Exact `unit price × quantity` (and sums of such products) for the span hot path, without Decimal or BigInt.
 *
 * The cost model prices with `decimal.js`: `unitPrice.times(new D(quantity))`, where a JS number becomes the
 * decimal of its shortest round-trip string (`String(quantity)`). Both factors are short decimals, so the
 * product is an integer mantissa × 10^-scale. Mantissas here are little-endian base-10⁴ limbs in a reused
 * typed array: a limb product is below 10⁸, so double arithmetic on them is exact, and printing a limb is a
 * table lookup. The result string is byte-for-byte what `formatAmount` prints for the Decimal product (plain
 * notation, no trailing zeros, `0` for zero); the unit tests check it against `decimal.js` on many values.
 * Whatever does not fit (negative values, more than {@link MAX_DIGITS} digits, |quantity| ≥ 1e21) is
 * declined, and the caller prices it with Decimal.
 */
import { INTERNAL_PRECISION } from '@meterline/cost-model';

const BASE = 10_000;
/** Limbs per number: 64 decimal digits, past the cost model's 40-digit precision. */
const CAPACITY = 16;
/** The cost model's Decimal precision, in significant digits (module-local alias for the hot path). */
const MAX_DIGITS = INTERNAL_PRECISION;
/** `0000` … `9999`: a limb below the leading one prints as exactly four digits. */
const PADDED: readonly string[] = Array.from({ length: BASE }, (_, i) => String(i).padStart(4, '0'));
/** `0` … `9999` unpadded: the leading limb. */
const PLAIN: readonly string[] = Array.from({ length: BASE }, (_, i) => String(i));
/** By width w (1–4): `0…0` … `9…9` padded to w digits, for the lowest limb once its trailing zeros are cut. */
const PADDED_BY_WIDTH: readonly (readonly string[])[] = [0, 1, 2, 3, 4].map((w) =>
  Array.from({ length: 10 ** w }, (_, i) => String(i).padStart(w, '0')),
);
const POW10: readonly number[] = [1, 10, 100, 1000];
const ZEROS: readonly string[] = Array.from({ length: 2 * CAPACITY * 4 }, (_, i) => '0'.repeat(i));

function zeros(n: number): string {
  return ZEROS[n] ?? '0'.repeat(n);
}

/** A decimal compiled for {@link ExactSum}: value = mantissa × 10^-scale, mantissa in base-10⁴ limbs. */
export interface CompiledDecimal {
  /** Little-endian base-10⁴ limbs of |mantissa|, without leading zero limbs (empty for zero). */
  readonly limbs: readonly number[];
  readonly scale: number;
  readonly negative: boolean;
  /** The value as a double, for metrics (which are floats by nature). */
  readonly approx: number;
}

/**
 * Compiles a plain or scientific decimal literal (`0.0000004`, `1.2E-9`, `-3`).
 *
 * @throws naming `text` and `where` when it is not a decimal literal.
 */
export function compileDecimal(text: string, where: string): CompiledDecimal {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null || (match[2] === '' && (match[3] ?? '') === '')) {
    throw new RangeError(`invalid decimal ${JSON.stringify(text)} at ${where}`);
  }
  const frac = match[3] ?? '';
  let digits = ((match[2] ?? '') + frac).replace(/^0+/, '');
  let scale = frac.length - Number(match[4] ?? '0');
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  // Normalise (no trailing zeros in the fraction), so equal values compile equally and stay short.
  while (scale > 0 && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale--;
  }
  if (digits === '') scale = 0;
  const limbs: number[] = [];
  for (let end = digits.length; end > 0; end -= 4)
    limbs.push(Number(digits.slice(Math.max(0, end - 4), end)));
  return { limbs, scale, negative: match[1] === '-' && digits !== '', approx: Number(text) };
}

/** `10^0` … `10^22`: every one exactly a double (shared by the exact-arithmetic fast paths). */
export const POW10_EXACT: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** The digits of a plain decimal literal without exponent, point removed (`-0.0125` → `-00125`). */
export function plainDigits(text: string): string {
  const dot = text.indexOf('.');
  return dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1);
}

/**
 * The mantissa of `value` as a double when it is a safe integer (≤ 2^53 − 1), else -1 (and -1 for negatives).
 * With the value's `scale`, it lets the hot path sum small amounts in plain double arithmetic, exactly.
 */
export function safeMantissa(value: CompiledDecimal): number {
  if (value.negative) return -1;
  const limbs = value.limbs;
  let m = 0;
  for (let i = limbs.length - 1; i >= 0; i--) {
    m = m * BASE + limbs[i]!;
    if (m > Number.MAX_SAFE_INTEGER) return -1;
  }
  return m;
}

/**
 * The shortest decimal of a duration-based quantity without `String(quantity)`, when it is provable.
 *
 * A duration quantity is the double `(durationNs / 1e9) × factor`. Its candidate exact decimal is
 * `durationNs × factorMantissa × 10^-(9 + factorScale)` (`factor`'s shortest decimal in mantissa/scale form). If
 * that candidate has at most 15 significant digits and rounds to exactly `quantity` (a correctly rounded
 * division of two exact doubles), it *is* `String(quantity)`'s value: two distinct decimals of ≤ 15 significant
 * digits never round to the same double, so no shorter or equally short decimal can round to it too. Then the
 * product with a price is exact from integers — the same result as parsing `String(quantity)`, faster.
 *
 * Returns the candidate mantissa (an integer < 10^15; its scale is `9 + factorScale`), or -1 when not provable
 * (non-integer or negative nanoseconds, too many digits, or the quantity's float arithmetic rounded otherwise):
 * the caller then reads `String(quantity)` as usual.
 */
export function durationMantissa(
  quantity: number,
  durationNs: number,
  factorMantissa: number,
  factorScale: number,
): number {
  const k = 9 + factorScale;
  if (!(durationNs >= 0) || durationNs !== Math.floor(durationNs) || k > 22) return -1;
  const m = durationNs * factorMantissa;
  if (!(m < 1e15) || m / POW10_EXACT[k]! !== quantity) return -1;
  return m;
}

/**
 * `mantissa × 10^-scale` as a plain decimal string (no exponent, no trailing zeros, `0` for zero), as
 * `formatAmount` prints it. `mantissa` must be a non-negative safe integer (≤ 2^53 − 1), `scale` ≥ 0.
 * Digit work is on two int32 halves and table strings; no number formatting.
 */
export function formatScaled(mantissa: number, scale: number): string {
  if (mantissa === 0) return '0';
  // Two halves below 10^8 (hi < 9.01e7): everything below stays small-integer arithmetic.
  let hi = Math.floor(mantissa / 1e8);
  let lo = mantissa - hi * 1e8;
  while (scale > 0 && lo % 10 === 0) {
    lo = (hi % 10) * 1e7 + lo / 10;
    hi = (hi - (hi % 10)) / 10;
    scale--;
  }
  // Limbs of 10^4, most significant first.
  const l3 = (hi / BASE) | 0;
  const l2 = hi - l3 * BASE;
  const l1 = (lo / BASE) | 0;
  const l0 = lo - l1 * BASE;
  let digits: string;
  if (l3 !== 0) digits = PLAIN[l3]! + PADDED[l2]! + PADDED[l1]! + PADDED[l0]!;
  else if (l2 !== 0) digits = PLAIN[l2]! + PADDED[l1]! + PADDED[l0]!;
  else if (l1 !== 0) digits = PLAIN[l1]! + PADDED[l0]!;
  else digits = PLAIN[l0]!;
  if (scale === 0) return digits;
  const n = digits.length;
  if (n > scale) return digits.slice(0, n - scale) + '.' + digits.slice(n - scale);
  return (FRACTION_PREFIX[scale - n] ?? '0.' + zeros(scale - n)) + digits;
}

/** `0.`, `0.0`, `0.00`, …: the start of a value below 1 whose digits follow `k` zeros. */
const FRACTION_PREFIX: readonly string[] = Array.from({ length: 32 }, (_, k) => '0.' + '0'.repeat(k));

/**
 * An exact running sum of `price × quantity` products (and compiled amounts). Reused across spans
 * (`reset()`): adding allocates nothing; only {@link ExactSum.format} builds the result string.
 */
export class ExactSum {
  /** The sum's mantissa. */
  private readonly acc = new Float64Array(CAPACITY + 2);
  private len = 0;
  private scale = 0;
  /** Scratch: the quantity's limbs, and one product. */
  private readonly q = new Float64Array(8);
  private readonly product = new Float64Array(CAPACITY + 2);

  /** Starts a new sum at zero. */
  reset(): void {
    this.len = 0;
    this.scale = 0;
  }

  /**
   * Adds `price × quantity` exactly. False when it cannot (negative, not finite, |quantity| ≥ 1e21, or past
   * the capacity): the sum is then unusable until `reset()`, and the caller prices with Decimal instead.
   */
  addProduct(price: CompiledDecimal, quantity: number): boolean {
    if (price.negative || !(quantity >= 0 && quantity < Infinity)) return false;
    const qLen = this.parseQuantity(quantity);
    if (qLen < 0) return false;
    return this.multiplyAdd(price, qLen);
  }

  /** Adds `price × (this.q[0..qLen) × 10^-qScale)`. */
  private multiplyAdd(price: CompiledDecimal, qLen: number): boolean {
    const p = price.limbs;
    const pLen = p.length;
    if (pLen === 0 || qLen === 0) return true; // zero
    const out = this.product;
    const n = pLen + qLen;
    if (n > CAPACITY) return false;
    const q = this.q;
    for (let k = 0; k < n; k++) out[k] = 0;
    for (let i = 0; i < pLen; i++) {
      const a = p[i]!;
      let carry = 0;
      for (let j = 0; j < qLen; j++) {
        // < 10⁴ + 10⁸ + 10⁴: exact, and the quotient fits an int32, so `| 0` is floor.
        const t = out[i + j]! + a * q[j]! + carry;
        carry = (t / BASE) | 0;
        out[i + j] = t - carry * BASE;
      }
      out[i + qLen] = carry;
    }
    return this.addLimbs(out, out[n - 1] === 0 ? n - 1 : n, price.scale + this.qScale);
  }

  /**
   * Adds `price × mantissa × 10^-scale` exactly, for a non-negative safe-integer `mantissa` (see
   * {@link durationMantissa}). False as for {@link ExactSum.addProduct}.
   */
  addIntegerProduct(price: CompiledDecimal, mantissa: number, scale: number): boolean {
    if (price.negative || !(mantissa >= 0 && mantissa <= Number.MAX_SAFE_INTEGER)) return false;
    const q = this.q;
    let qLen = 0;
    let m = mantissa;
    while (m > 0) {
      const rest = Math.floor(m / BASE);
      q[qLen++] = m - rest * BASE;
      m = rest;
    }
    this.qScale = qLen === 0 ? 0 : scale;
    return this.multiplyAdd(price, qLen);
  }

  /** Adds an exact compiled decimal (an amount priced before). False as for {@link ExactSum.addProduct}. */
  addDecimal(value: CompiledDecimal): boolean {
    if (value.negative) return false;
    return this.addLimbs(value.limbs, value.limbs.length, value.scale);
  }

  /**
   * The sum as a plain decimal string: no exponent, no trailing zeros, `0` for zero (as `formatAmount`).
   * Undefined when it has more than `maxDigits` significant digits: the cost model rounds its Decimal results
   * to that precision (40), so such a sum must be priced with Decimal to read the same.
   * Built from table strings by concatenation only (no number formatting, no slicing) in the usual cases.
   */
  format(maxDigits = MAX_DIGITS): string | undefined {
    const acc = this.acc;
    const len = this.len;
    if (len === 0) return '0';
    // Trailing zeros of the fraction go (Decimal prints none): whole zero limbs, then digits of one limb.
    let scale = this.scale;
    let low = 0;
    while (scale >= 4 && acc[low] === 0) {
      low++;
      scale -= 4;
    }
    let lowLimb = acc[low]!;
    let lowWidth = 4;
    while (scale > 0 && lowLimb % 10 === 0 && (lowLimb !== 0 || low < len - 1)) {
      lowLimb /= 10;
      lowWidth--;
      scale--;
    }
    let digits: string;
    let n: number;
    if (low === len - 1) {
      digits = PLAIN[lowLimb]!;
      n = digits.length;
    } else {
      const top = PLAIN[acc[len - 1]!]!;
      digits = top;
      for (let i = len - 2; i > low; i--) digits += PADDED[acc[i]!]!;
      digits += PADDED_BY_WIDTH[lowWidth]![lowLimb]!;
      n = top.length + 4 * (len - 2 - low) + lowWidth;
    }
    if (n > maxDigits) return undefined;
    if (scale === 0) return digits;
    if (n > scale) return digits.slice(0, n - scale) + '.' + digits.slice(n - scale);
    return '0.' + zeros(scale - n) + digits;
  }

  private qScale = 0;

  /**
   * Reads `quantity`'s shortest round-trip digits (`String(quantity)`, as Decimal does) into base-10⁴ limbs in
   * `this.q`; sets `qScale`. One right-to-left pass: digits fill limbs, `.` fixes the scale, and `e` turns the
   * digits read so far into the exponent. Returns the limb count, or -1 when it needs a negative scale (≥ 1e21).
   */
  private parseQuantity(quantity: number): number {
    const s = String(quantity);
    const q = this.q;
    let len = 0;
    let limb = 0;
    let mul = 1;
    let count = 0;
    let frac = 0;
    let exp = 0;
    let negativeExp = false;
    for (let i = s.length - 1; i >= 0; i--) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        limb += (c - 48) * mul;
        mul *= 10;
        count++;
        if (mul === BASE) {
          if (len === q.length) return -1;
          q[len++] = limb;
          limb = 0;
          mul = 1;
        }
      } else if (c === 46 /* . */) {
        frac = count;
      } else if (c === 45 /* - */) {
        negativeExp = true;
      } else if (c === 101 /* e */) {
        // At most three exponent digits: all in `limb`.
        exp = negativeExp ? -limb : limb;
        len = 0;
        limb = 0;
        mul = 1;
        count = 0;
      } // `+` of the exponent: nothing to do
    }
    if (mul !== 1) {
      if (len === q.length) return -1;
      q[len++] = limb;
    }
    while (len > 0 && q[len - 1] === 0) len--;
    const scale = frac - exp;
    if (scale < 0 && len > 0) return -1;
    this.qScale = len === 0 ? 0 : scale;
    return len;
  }

  /** Adds `limbs` × 10^-scale into the sum, aligning scales by shifting whichever has fewer decimals. */
  private addLimbs(limbs: ArrayLike<number>, len: number, scale: number): boolean {
    if (len === 0) return true;
    const acc = this.acc;
    if (scale > this.scale) {
      if (!this.shiftAcc(scale - this.scale)) return false;
      this.scale = scale;
    }
    const shift = this.scale - scale;
    const limbShift = shift >> 2;
    const mul = POW10[shift & 3]!;
    const top = limbShift + len + 1;
    if (top > CAPACITY) return false;
    for (let i = this.len; i < top; i++) acc[i] = 0;
    if (top > this.len) this.len = top;
    let carry = 0;
    let i = 0;
    for (; i < len; i++) {
      const t = acc[limbShift + i]! + limbs[i]! * mul + carry;
      carry = (t / BASE) | 0;
      acc[limbShift + i] = t - carry * BASE;
    }
    for (let k = limbShift + i; carry !== 0; k++) {
      if (k >= CAPACITY) return false;
      if (k >= this.len) {
        acc[k] = 0;
        this.len = k + 1;
      }
      const t = acc[k]! + carry;
      carry = (t / BASE) | 0;
      acc[k] = t - carry * BASE;
    }
    while (this.len > 0 && acc[this.len - 1] === 0) this.len--;
    return true;
  }

  /** Multiplies the sum by 10^digits (and raises its scale by the caller). */
  private shiftAcc(digits: number): boolean {
    const acc = this.acc;
    if (this.len === 0) return true;
    const limbShift = digits >> 2;
    const mul = POW10[digits & 3]!;
    if (this.len + limbShift + 1 > CAPACITY) return false;
    let carry = 0;
    for (let i = 0; i < this.len; i++) {
      const t = acc[i]! * mul + carry;
      carry = (t / BASE) | 0;
      acc[i] = t - carry * BASE;
    }
    let len = this.len;
    if (carry !== 0) acc[len++] = carry;
    if (limbShift > 0) {
      for (let i = len - 1; i >= 0; i--) acc[i + limbShift] = acc[i]!;
      for (let i = 0; i < limbShift; i++) acc[i] = 0;
      len += limbShift;
    }
    this.len = len;
    return true;
  }
}
