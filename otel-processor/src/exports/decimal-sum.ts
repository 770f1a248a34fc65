/**
 * Exact sums of decimal text as exports write it (`0.0123456789`, `-12`, `1.2E-9`, 28 decimal places),
 * without decimal.js on the hot path: a row's amount becomes an integer mantissa and a power-of-ten scale,
 * summed as a safe integer while it fits and as a bigint beyond. Unlike a Decimal fold (40 significant
 * digits), the sum never rounds, however many digits it grows to: an import's totals are the file's.
 *
 * @packageDocumentation
 */
import { D } from '@meterline/cost-model';
import type Decimal from 'decimal.js';
import { POW10_EXACT } from '../instrument/exact-amount';

/** Digits a mantissa may have and still be a safe integer (2^53 ≈ 9.007e15). */
const SAFE_DIGITS = 15;

/** An exact running sum of decimal text. */
export class DecimalSum {
  /** The sum is `(big ?? m) × 10^-scale`; `m` a safe integer while `big` is undefined. */
  private m = 0;
  private big: bigint | undefined = undefined;
  private scale = 0;

  /**
   * Adds `text`, which must already be valid decimal text (see `checkDecimal`): optional sign, digits with
   * an optional point, optional exponent. Zero adds nothing.
   */
  add(text: string): void {
    const n = text.length;
    let i = 0;
    let negative = false;
    const c0 = text.charCodeAt(0);
    if (c0 === 45 /* - */) {
      negative = true;
      i = 1;
    } else if (c0 === 43 /* + */) i = 1;
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    let seenPoint = false;
    const start = i;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        // Leading zeros add no digits (0.000000001 stays a 1-digit mantissa).
        if (digits > 0 || c !== 48) digits++;
        mantissa = mantissa * 10 + (c - 48);
        if (seenPoint) fraction++;
      } else if (c === 46 /* . */) {
        seenPoint = true;
      } else break; // e or E
    }
    const end = i;
    let exponent = 0;
    if (i < n) exponent = Number(text.slice(i + 1));
    if (digits === 0) return;
    let scale = fraction - exponent;
    if (digits <= SAFE_DIGITS) {
      if (scale < 0) {
        // 1.5E+20: a whole number; still exact as a safe integer only while it has ≤ 15 digits.
        if (digits - scale <= SAFE_DIGITS) {
          mantissa *= 10 ** -scale;
          scale = 0;
        } else {
          this.addBigText(text.slice(start, end), negative, scale);
          return;
        }
      }
      this.addScaled(negative ? -mantissa : mantissa, scale);
      return;
    }
    this.addBigText(text.slice(start, end), negative, scale);
  }

  private addBigText(digitsWithPoint: string, negative: boolean, scale: number): void {
    let big = BigInt(digitsWithPoint.replace('.', '') || '0');
    if (scale < 0) {
      big *= 10n ** BigInt(-scale);
      scale = 0;
    }
    this.addBig(negative ? -big : big, scale);
  }

  private addScaled(mantissa: number, scale: number): void {
    if (this.big === undefined) {
      const s = this.scale;
      let t: number;
      if (scale === s) t = this.m + mantissa;
      else if (scale > s) t = scale - s > 22 ? Infinity : this.m * POW10_EXACT[scale - s]! + mantissa;
      else t = s - scale > 22 ? Infinity : this.m + mantissa * POW10_EXACT[s - scale]!;
      // Exact while the result is a safe integer: anything past 2^53 - 1 rounds to at least 2^53.
      if (t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER) {
        this.m = t;
        if (scale > s) this.scale = scale;
        return;
      }
    }
    this.addBig(BigInt(mantissa), scale);
  }

  private addBig(mantissa: bigint, scale: number): void {
    const current = this.big ?? BigInt(this.m);
    const s = this.scale;
    if (scale > s) {
      this.big = current * 10n ** BigInt(scale - s) + mantissa;
      this.scale = scale;
    } else {
      this.big = current + (s > scale ? mantissa * 10n ** BigInt(s - scale) : mantissa);
    }
  }

  /** Adds another sum. */
  addSum(other: DecimalSum): void {
    const { mantissa, scale } = other.toScaled();
    this.addBig(mantissa, scale);
  }

  /** The exact sum as `mantissa × 10^-scale`. */
  toScaled(): { mantissa: bigint; scale: number } {
    return { mantissa: this.big ?? BigInt(this.m), scale: this.scale };
  }

  /** Whether the sum is zero. */
  isZero(): boolean {
    return this.big === undefined ? this.m === 0 : this.big === 0n;
  }

  /** The exact sum as a Decimal (constructed from its digits, so nothing is rounded). */
  toDecimal(): Decimal {
    const { mantissa, scale } = this.toScaled();
    return new D(`${mantissa}e-${scale}`);
  }
}
