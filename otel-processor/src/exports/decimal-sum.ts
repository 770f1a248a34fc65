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

/**
 * The last {@link parseDecimalText} result: `mantissa × 10^-scale` with `mantissa` a safe integer, or,
 * when `big` is set, `big × 10^-scale`. Module state rather than an object per call: this runs for every
 * money cell of every row.
 */
const parsed = { mantissa: 0, scale: 0, big: undefined as bigint | undefined };

/**
 * Parses valid decimal text (see `checkDecimal`: optional sign, digits with an optional point, optional
 * exponent) into {@link parsed}. Returns false for zero (nothing to add).
 */
function parseDecimalText(text: string): boolean {
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
  if (digits === 0) return false;
  let scale = fraction - exponent;
  if (digits <= SAFE_DIGITS && (scale >= 0 || digits - scale <= SAFE_DIGITS)) {
    if (scale < 0) {
      // 1.5E+3: a whole number, exact as a safe integer while it has at most 15 digits.
      mantissa *= 10 ** -scale;
      scale = 0;
    }
    parsed.mantissa = negative ? -mantissa : mantissa;
    parsed.scale = scale;
    parsed.big = undefined;
    return true;
  }
  let big = BigInt(text.slice(start, end).replace('.', '') || '0');
  if (scale < 0) {
    big *= 10n ** BigInt(-scale);
    scale = 0;
  }
  parsed.big = negative ? -big : big;
  parsed.scale = scale;
  return true;
}

/** `current × 10^(to - from)` for `to ≥ from`, exactly, or NaN when it leaves the safe integers. */
function rescaleSafe(current: number, from: number, to: number): number {
  if (to === from) return current;
  if (to - from > 22) return NaN;
  const t = current * POW10_EXACT[to - from]!;
  return t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER ? t : NaN;
}

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
    if (!parseDecimalText(text)) return;
    if (parsed.big === undefined) this.addScaled(parsed.mantissa, parsed.scale);
    else this.addBig(parsed.big, parsed.scale);
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

  /** A sum holding exactly `mantissa × 10^-scale`. */
  static ofScaled(v: { mantissa: bigint; scale: number }): DecimalSum {
    const sum = new DecimalSum();
    sum.addBig(v.mantissa, v.scale);
    return sum;
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

/**
 * Exact sums of decimal text for many cells and a few columns each, in flat arrays: the sums of one cell
 * sit side by side in memory, so adding a row's amounts costs one cache miss, not one per sum object
 * (an import adds rows to cells in file order, which is random order for the cells).
 */
export class DecimalSumTable {
  /**
   * Per slot (cell × columns + column) two numbers side by side: the safe-integer mantissa and the scale,
   * or, once the sum left the safe integers, `-1 - scale` (the mantissa is then in {@link big}). One
   * array, so a cell's sums share cache lines.
   */
  private vals: Float64Array;
  /** Sums that left the safe integers, by slot. */
  private readonly big = new Map<number, bigint>();
  private capacity: number;

  constructor(
    /** Sums per cell. */
    readonly columns: number,
    initialCells = 1024,
  ) {
    this.capacity = initialCells;
    this.vals = new Float64Array(initialCells * columns * 2);
  }

  /** Makes room for cells `0 … cell`. */
  ensure(cell: number): void {
    if (cell < this.capacity) return;
    let capacity = this.capacity * 2;
    while (capacity <= cell) capacity *= 2;
    const vals = new Float64Array(capacity * this.columns * 2);
    vals.set(this.vals);
    this.vals = vals;
    this.capacity = capacity;
  }

  /** Adds valid decimal text (see `checkDecimal`) to the sum of `column` of `cell`. */
  add(cell: number, column: number, text: string): void {
    this.lastNonZero = parseDecimalText(text);
    if (this.lastNonZero) this.addParsed(cell, column);
  }

  /**
   * Adds the amount the last {@link add} parsed, to another column: billed, effective and contracted cost
   * are often the same text on a row, and comparing strings is cheaper than parsing one again.
   */
  addAgain(cell: number, column: number): void {
    if (this.lastNonZero) this.addParsed(cell, column);
  }

  private lastNonZero = false;

  private addParsed(cell: number, column: number): void {
    const at = (cell * this.columns + column) * 2;
    const vals = this.vals;
    const s = vals[at + 1]!;
    if (parsed.big === undefined && s >= 0) {
      const mantissa = parsed.mantissa;
      const scale = parsed.scale;
      let t: number;
      if (scale === s) t = vals[at]! + mantissa;
      else if (scale > s) t = rescaleSafe(vals[at]!, s, scale) + mantissa;
      else t = vals[at]! + rescaleSafe(mantissa, scale, s);
      // Exact while the result is a safe integer (NaN when a rescale was not).
      if (t <= Number.MAX_SAFE_INTEGER && t >= -Number.MAX_SAFE_INTEGER) {
        vals[at] = t;
        if (scale > s) vals[at + 1] = scale;
        return;
      }
    }
    const slot = at >> 1;
    const mantissa = parsed.big ?? BigInt(parsed.mantissa);
    const scale = parsed.scale;
    const current = s >= 0 ? BigInt(vals[at]!) : this.big.get(slot)!;
    const cur = s >= 0 ? s : -1 - s;
    if (scale > cur) {
      this.big.set(slot, current * 10n ** BigInt(scale - cur) + mantissa);
      vals[at + 1] = -1 - scale;
    } else {
      this.big.set(slot, current + (cur > scale ? mantissa * 10n ** BigInt(cur - scale) : mantissa));
      vals[at + 1] = -1 - cur;
    }
  }

  /** Counts one in `column` of `cell` (a column used as a counter, beside the sums: same cache line). */
  count(cell: number, column: number): void {
    this.vals[(cell * this.columns + column) * 2]!++;
  }

  /** The count of a counter column. */
  counted(cell: number, column: number): number {
    return this.vals[(cell * this.columns + column) * 2]!;
  }

  /** The exact sum of `column` of `cell` as `mantissa × 10^-scale`. */
  toScaled(cell: number, column: number): { mantissa: bigint; scale: number } {
    const at = (cell * this.columns + column) * 2;
    const s = this.vals[at + 1]!;
    return s >= 0
      ? { mantissa: BigInt(this.vals[at]!), scale: s }
      : { mantissa: this.big.get(at >> 1)!, scale: -1 - s };
  }

  /** The sum as a {@link DecimalSum} (for totals and encoding). */
  sum(cell: number, column: number): DecimalSum {
    return DecimalSum.ofScaled(this.toScaled(cell, column));
  }
}
