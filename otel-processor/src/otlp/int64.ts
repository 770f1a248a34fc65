/**
 * Exact 64-bit integers (OTLP `fixed64` times, `int64` values and counts) as protobufjs `Long` objects.
 *
 * Why `Long` and not `bigint`: it is what protobufjs' reader produces, so decoding needs no conversion, and its
 * writer takes it back as is; a `bigint` per timestamp would cost a conversion each way on the hot path.
 */
import { util } from 'protobufjs/minimal';
import type { Int64, Int64Like } from './model';

/** The `long` package's static API, as far as we use it. */
interface LongStatic {
  new (low: number, high: number, unsigned?: boolean): Int64;
  fromBits(low: number, high: number, unsigned?: boolean): Int64;
  fromString(s: string, unsigned?: boolean, radix?: number): Int64;
  fromNumber(n: number, unsigned?: boolean): Int64;
  isLong(v: unknown): v is Int64;
}

/** The `Long` class protobufjs decodes into (it requires the `long` package, a protobufjs dependency). */
export const Long: LongStatic = (() => {
  const L = util.Long as unknown as LongStatic | null | undefined;
  // Without `long`, protobufjs would silently decode 64-bit values as lossy numbers.
  if (L == null) throw new Error('protobufjs found no `long` package: 64-bit values would lose precision');
  return L;
})();

const TWO_32 = 4294967296;
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const DECIMAL = /^-?\d+$/;

function isInt64(v: unknown): v is Int64 {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Int64).low === 'number' &&
    typeof (v as Int64).high === 'number'
  );
}

/** The value as a `bigint` (exact). */
export function nanosToBigInt(v: Int64Like): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string') return BigInt(v);
  const hi = v.unsigned ? v.high >>> 0 : v.high | 0;
  return (BigInt(hi) << 32n) | BigInt(v.low >>> 0);
}

/**
 * Nanoseconds → milliseconds as a float (≈ µs resolution for present-day times): for bucketing and durations.
 */
export function nanosToMs(t: Int64Like): number {
  if (isInt64(t)) {
    const hi = t.unsigned ? t.high >>> 0 : t.high | 0;
    // hi·2^32 = hi·4294·10^6 + hi·967296, and hi·967296 + low < 2^53: whole milliseconds stay exact,
    // so a point at 10:30:00.000 lands in the 10:30 bucket, never at 10:29:59.9999999.
    const rest = hi * 967_296 + (t.low >>> 0);
    const restMs = Math.floor(rest / 1e6);
    return hi * 4294 + restMs + (rest - restMs * 1e6) / 1e6;
  }
  if (typeof t === 'number') return t / 1e6;
  const b = typeof t === 'bigint' ? t : BigInt(t);
  const ms = b / 1_000_000n;
  return Number(ms) + Number(b - ms * 1_000_000n) / 1e6;
}

/** The exact decimal string of a 64-bit value (for dedupe keys and JSON). */
export function nanosKey(t: Int64Like): string {
  if (typeof t === 'string') return t;
  if (typeof t === 'number') return Number.isSafeInteger(t) ? String(t) : BigInt(Math.trunc(t)).toString();
  return t.toString();
}

/** Whether a 64-bit value is zero (an unset OTLP time). */
export function isZeroNanos(t: Int64Like): boolean {
  if (isInt64(t)) return t.low === 0 && t.high === 0;
  if (typeof t === 'string') return /^-?0+$/.test(t);
  return t === 0 || t === 0n;
}

function fromBigInt(b: bigint, unsigned: boolean): Int64 {
  const wrapped = BigInt.asUintN(64, b);
  return Long.fromBits(Number(wrapped & 0xffffffffn) | 0, Number(wrapped >> 32n) | 0, unsigned);
}

/**
 * An unsigned 64-bit value (nanosecond time, count) from a `bigint`, a decimal string or a safe integer number.
 * @throws RangeError when the input is not an integer in [0, 2^64).
 */
export function toNanos(v: Int64Like): Int64 {
  return toLong(v, true);
}

/**
 * A signed 64-bit value (`intValue`, `asInt`) from a `bigint`, decimal string or integer number.
 * @throws RangeError when the input is not an integer in [-2^63, 2^63).
 */
export function toInt64(v: Int64Like): Int64 {
  return toLong(v, false);
}

function toLong(v: Int64Like, unsigned: boolean): Int64 {
  if (isInt64(v)) return v.unsigned === unsigned ? v : Long.fromBits(v.low, v.high, unsigned);
  let b: bigint;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RangeError(`not an integer: ${v}`);
    b = BigInt(v);
  } else if (typeof v === 'string') {
    if (!DECIMAL.test(v)) throw new RangeError(`not a decimal integer: ${JSON.stringify(v.slice(0, 40))}`);
    b = BigInt(v);
  } else b = v;
  if (unsigned ? b < 0n || b > U64_MAX : b < I64_MIN || b > I64_MAX)
    throw new RangeError(`${b} is out of range for ${unsigned ? 'uint64' : 'int64'}`);
  return fromBigInt(b, unsigned);
}

/** Milliseconds (e.g. `Date.now()`, may be fractional) → nanoseconds, exact to the nanosecond. */
export function msToNanos(ms: number): Int64 {
  const whole = Math.floor(ms);
  return fromBigInt(BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6)), true);
}

/**
 * A 64-bit integer as a number (`intValue`, `asInt`, `count`); values beyond ±2^53 are rounded to the nearest
 * double.
 */
export function int64ToNumber(v: Int64Like): number {
  if (isInt64(v)) {
    const hi = v.unsigned ? v.high >>> 0 : v.high | 0;
    return hi * TWO_32 + (v.low >>> 0);
  }
  return typeof v === 'number' ? v : Number(v);
}

/** Whether a 64-bit value is exactly representable as a JS number. */
export function isSafeInt64(v: Int64): boolean {
  const hi = v.unsigned ? v.high >>> 0 : v.high | 0;
  // |value| < 2^53 ⇔ the high word is within ±2^21 (for negatives, -2^21 ≤ hi).
  return hi < 0x200000 && hi >= -0x200000;
}
