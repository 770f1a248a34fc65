import type Decimal from 'decimal.js';
import { D } from './money';

/**
 * A plain or scientific decimal literal, optionally negative: `12`, `0.0000004`, `1.2E-9`, `-3.5`.
 * No hex/binary/octal, no `Infinity`/`NaN`, no surrounding spaces: a price must read the same to a human.
 */
export const DECIMAL_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** True when `text` is a {@link DECIMAL_PATTERN} literal. */
export function isDecimalString(text: string): boolean {
  return DECIMAL_PATTERN.test(text);
}

/**
 * Parses a decimal string exactly, throwing an error that names the value and `where` it came from
 * (e.g. `catalog.skus[0].prices[1].unitPrice`).
 */
export function parseDecimal(text: string, where: string): Decimal {
  if (typeof text !== 'string' || !DECIMAL_PATTERN.test(text)) {
    throw new RangeError(`invalid decimal ${JSON.stringify(text)} at ${where}`);
  }
  return new D(text);
}
