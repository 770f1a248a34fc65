/**
 * JSON parsing that keeps integers beyond ±(2^53 − 1) exact.
 *
 * InfluxDB writes int64 values (a `SUM("amount_nano")`, nanosecond timestamps with `epoch=ns`) as bare
 * JSON numbers; `JSON.parse` rounds anything past 2^53 to the nearest double, silently corrupting money.
 * Node 20's `JSON.parse` has no access to the source text of a number, so a response that contains a run
 * of 16 or more digits (the only way to spell an unsafe integer) is parsed by the small parser below,
 * which returns such integers as `bigint`. Everything else goes through the native `JSON.parse`.
 *
 * @packageDocumentation
 */

/** A parsed JSON value where unsafe integers are `bigint`. */
export type JsonValue =
  null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * Parses JSON; integer literals outside the safe-integer range become `bigint`, all other numbers stay
 * `number` (floats are floats in InfluxDB too). Throws `SyntaxError` with the offset on malformed input.
 */
export function parseJsonBigInt(text: string): JsonValue {
  if (!hasDigitRun(text, 16)) return JSON.parse(text) as JsonValue;
  return new Parser(text).parseDocument();
}

/**
 * Whether `text` has `n` digits in a row. A plain loop, not `/\d{16}/`: on answers full of 13-digit
 * timestamps the regex engine restarts at every digit and took twice as long as `JSON.parse` itself.
 */
function hasDigitRun(text: string, n: number): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++run >= n) return true;
    } else run = 0;
  }
  return false;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): JsonValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected trailing data');
    return v;
  }

  private fail(msg: string): never {
    throw new SyntaxError(`JSON: ${msg} at offset ${this.i}`);
  }

  private ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  private value(): JsonValue {
    this.ws();
    const c = this.s.charCodeAt(this.i);
    if (c === 123) return this.object();
    if (c === 91) return this.array();
    if (c === 34) return this.string();
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (this.s.startsWith('true', this.i)) return ((this.i += 4), true);
    if (this.s.startsWith('false', this.i)) return ((this.i += 5), false);
    if (this.s.startsWith('null', this.i)) return ((this.i += 4), null);
    return this.fail('unexpected character');
  }

  private object(): { [key: string]: JsonValue } {
    const out: { [key: string]: JsonValue } = {};
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 125) return (this.i++, out);
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== 34) this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.s.charCodeAt(this.i) !== 58) this.fail('expected ":"');
      this.i++;
      out[key] = this.value();
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 125) return out;
      if (c !== 44) this.fail('expected "," or "}"');
    }
  }

  private array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === 93) return (this.i++, out);
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === 93) return out;
      if (c !== 44) this.fail('expected "," or "]"');
    }
  }

  private string(): string {
    // Find the closing quote, then let the native parser decode escapes (exact and fast).
    const s = this.s;
    const start = this.i;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 92) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c === 34) break;
      i++;
    }
    this.i = i + 1;
    return escaped ? (JSON.parse(s.slice(start, i + 1)) as string) : s.slice(start + 1, i);
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (m === null) return this.fail('bad number');
    this.i = NUMBER.lastIndex;
    const token = m[0];
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(token);
      return Number.isSafeInteger(n) ? n : BigInt(token);
    }
    return Number(token);
  }
}
