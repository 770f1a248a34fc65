/**
 * A streaming JSON lines parser (one object per line, as BigQuery billing exports write them) giving
 * the same table shape as a CSV: the columns are the flattened keys of the first record
 * (`service.description`), arrays stay JSON text (`labels`, `credits`), and numbers are passed on as
 * their exact source text: money must never go through a JS float (`0.1234567890123456789` would become
 * `0.12345678901234568`), so records are read by a small tokenizer of our own, not `JSON.parse`.
 *
 * @packageDocumentation
 */
import type { ExportRow, ReadError } from './table';
import { DEFAULT_MAX_ROW_BYTES } from './csv';

const LF = 10;

/** Distinct ignored keys remembered by {@link JsonlParser.ignoredKeys}: enough for a message. */
const MAX_IGNORED_KEYS = 1000;

/** Options of {@link JsonlParser}. */
export interface JsonlParserOptions {
  /**
   * Longest line accepted, in bytes; a longer one is reported and skipped, so a file without newlines
   * cannot make the parser hold all of it. Default 64 MiB.
   */
  maxLineBytes?: number;
}

/** A line that is not a JSON object, with the reason. */
class JsonSyntaxError extends Error {}

/**
 * Reads one line of JSON. Positions are UTF-16 indexes into the line; `column` in messages is 1-based.
 * Validates the whole line (JSON grammar), so a truncated or corrupt line is an error, not a short row.
 */
class LineReader {
  s = '';
  i = 0;

  reset(s: string): void {
    this.s = s;
    this.i = 0;
  }

  fail(expected: string): never {
    const at = this.i < this.s.length ? JSON.stringify(this.s[this.i]) : 'end of line';
    throw new JsonSyntaxError(`invalid JSON: expected ${expected}, found ${at} at column ${this.i + 1}`);
  }

  ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
    this.i = i;
  }

  /** The string starting at the current `"`, unescaped; leaves `i` after its closing quote. */
  string(): string {
    const s = this.s;
    const start = this.i + 1;
    let i = start;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c < 32 || Number.isNaN(c)) {
        this.i = i;
        this.fail(Number.isNaN(c) ? 'closing quote' : 'no control character in a string');
      }
      i++;
    }
    this.i = i + 1;
    if (!escaped) return s.slice(start, i);
    try {
      // Escapes are rare in billing data; JSON.parse both decodes and validates them.
      return JSON.parse(s.slice(start - 1, i + 1)) as string;
    } catch {
      this.i = start - 1;
      return this.fail('a valid string escape');
    }
  }

  /** The source text of the number at `i`, checked against JSON's number grammar. */
  number(): string {
    const s = this.s;
    const start = this.i;
    let i = start;
    if (s.charCodeAt(i) === 45) i++;
    let c = s.charCodeAt(i);
    if (c === 48) i++;
    else if (c >= 49 && c <= 57) {
      do i++;
      while (isDigit(s.charCodeAt(i)));
    } else {
      this.i = i;
      this.fail('a digit');
    }
    if (s.charCodeAt(i) === 46) {
      i++;
      if (!isDigit(s.charCodeAt(i))) {
        this.i = i;
        this.fail('a digit after the decimal point');
      }
      do i++;
      while (isDigit(s.charCodeAt(i)));
    }
    c = s.charCodeAt(i);
    if (c === 101 || c === 69) {
      i++;
      c = s.charCodeAt(i);
      if (c === 43 || c === 45) i++;
      if (!isDigit(s.charCodeAt(i))) {
        this.i = i;
        this.fail('a digit in the exponent');
      }
      do i++;
      while (isDigit(s.charCodeAt(i)));
    }
    this.i = i;
    return s.slice(start, i);
  }

  /** Skips the literal `word` (`true`, `false`, `null`) at `i`. */
  literal(word: string): void {
    if (!this.s.startsWith(word, this.i)) this.fail('a JSON value');
    this.i += word.length;
  }

  /** Skips (validating) any value at `i`. */
  skipValue(): void {
    const c = this.s.charCodeAt(this.i);
    if (c === 123 || c === 91) this.container();
    else this.scalar();
  }

  /** Skips the object or array at `i`, validating everything in it. */
  container(): void {
    const close = this.s.charCodeAt(this.i) === 123 ? 125 : 93;
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === close) {
      this.i++;
      return;
    }
    for (;;) {
      if (close === 125) {
        if (this.s.charCodeAt(this.i) !== 34) this.fail('a key');
        this.string();
        this.ws();
        if (this.s.charCodeAt(this.i) !== 58) this.fail("':'");
        this.i++;
        this.ws();
      }
      this.skipValue();
      this.ws();
      const c = this.s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        this.ws();
        continue;
      }
      if (c === close) {
        this.i++;
        return;
      }
      this.fail(close === 125 ? "',' or '}'" : "',' or ']'");
    }
  }

  /**
   * The scalar at `i` as a cell: strings unescaped, numbers as their exact text, booleans as
   * `true`/`false`, `null` as `undefined`.
   */
  scalar(): string | undefined {
    const c = this.s.charCodeAt(this.i);
    if (c === 34) return this.string();
    if (c === 45 || isDigit(c)) return this.number();
    if (c === 116) {
      this.literal('true');
      return 'true';
    }
    if (c === 102) {
      this.literal('false');
      return 'false';
    }
    if (c === 110) {
      this.literal('null');
      return undefined;
    }
    return this.fail('a JSON value');
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses JSON lines pushed in chunks into rows aligned with {@link columns}: the flattened keys of the
 * first record that is a JSON object. Later records' values go to the column of the same flattened key;
 * keys the first record did not have are ignored and counted in {@link ignoredKeys}. A line that is not
 * a JSON object is reported with its line number and skipped; blank lines are skipped.
 *
 * Flattening: nested objects give dotted keys (`service.description`); arrays, and objects where the
 * first record had a scalar or `null` (so its column is a leaf), stay their JSON text as written;
 * an empty object in the first record is a column of its own (`{}`).
 */
export class JsonlParser {
  /** The columns, once the first record was read. */
  columns: string[] | undefined;
  /** Keys (flattened) the first record did not have → how many records had them (at most 1000 keys). */
  readonly ignoredKeys = new Map<string, number>();
  private readonly maxLineBytes: number;
  private readonly index = new Map<string, number>();
  private readonly reader = new LineReader();
  private rest: Buffer | undefined;
  private line = 1;
  private atStart = true;
  private skippingLine = false;
  /** Values of the record being read (after the first). */
  private values: (string | undefined)[] = [];

  /** @param onError receives each line that is not a JSON object (its number and why); parsing goes on. */
  constructor(
    private readonly onError: (e: ReadError) => void,
    options: JsonlParserOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_ROW_BYTES;
  }

  /** Parses the complete lines `chunk` ends (with the partial line before it) into `out`. */
  push(chunk: Buffer, out: ExportRow[]): void {
    const buf = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = undefined;
    let pos = 0;
    if (this.atStart) {
      // A lone BOM prefix waits for more bytes (only with tiny chunks).
      if (buf.length < 3 && (buf.length < 1 || buf[0] === 0xef) && (buf.length < 2 || buf[1] === 0xbb)) {
        this.rest = buf;
        return;
      }
      this.atStart = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    }
    for (;;) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) break;
      if (this.skippingLine) this.skippingLine = false;
      else this.parseLine(buf, pos, nl, out);
      this.line++;
      pos = nl + 1;
    }
    if (pos >= buf.length) return;
    if (this.skippingLine) return;
    if (buf.length - pos > this.maxLineBytes) {
      this.onError({ line: this.line, reason: `line longer than ${this.maxLineBytes} bytes` });
      this.skippingLine = true;
      return;
    }
    this.rest = buf.subarray(pos);
  }

  /** Parses the last line if the input did not end with a newline. */
  end(out: ExportRow[]): void {
    const buf = this.rest;
    this.rest = undefined;
    if (buf === undefined || this.skippingLine) return;
    let pos = 0;
    if (this.atStart && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
    this.atStart = false;
    this.parseLine(buf, pos, buf.length, out);
    this.line++;
  }

  private parseLine(buf: Buffer, start: number, end: number, out: ExportRow[]): void {
    // Blank (or only whitespace): skipped, like blank CSV lines.
    let first = start;
    while (first < end) {
      const c = buf[first];
      if (c !== 32 && c !== 9 && c !== 13) break;
      first++;
    }
    if (first === end) return;
    const reader = this.reader;
    reader.reset(buf.toString('utf8', first, end));
    try {
      if (reader.s.charCodeAt(0) !== 123) reader.fail('a JSON object');
      if (this.columns === undefined) {
        const keys: string[] = [];
        const values: (string | undefined)[] = [];
        this.firstObject('', keys, values);
        this.expectEnd(reader);
        this.columns = keys;
        for (let k = 0; k < keys.length; k++) this.index.set(keys[k]!, k);
        out.push({ line: this.line, values });
        return;
      }
      this.values = new Array<string | undefined>(this.columns.length);
      this.object('');
      this.expectEnd(reader);
      out.push({ line: this.line, values: this.values });
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      this.onError({ line: this.line, reason: e.message });
    }
  }

  /** Only whitespace may follow the record. */
  private expectEnd(reader: LineReader): void {
    reader.ws();
    if (reader.i < reader.s.length) reader.fail('end of line after the object');
  }

  /** Reads the object at `i` of the first record, appending its flattened keys and values. */
  private firstObject(prefix: string, keys: string[], values: (string | undefined)[]): void {
    const r = this.reader;
    this.members(prefix, (path) => {
      const c = r.s.charCodeAt(r.i);
      const objectStart = r.i;
      if (c === 123) {
        // An empty object has no keys to flatten: it is a leaf column of its own.
        r.i++;
        r.ws();
        if (r.s.charCodeAt(r.i) !== 125) {
          r.i = objectStart;
          this.firstObject(path, keys, values);
          return;
        }
        r.i++;
        this.setFirst(path, r.s.slice(objectStart, r.i), keys, values);
        return;
      }
      let value: string | undefined;
      if (c === 91) {
        r.container();
        value = r.s.slice(objectStart, r.i);
      } else value = r.scalar();
      this.setFirst(path, value, keys, values);
    });
  }

  private setFirst(
    path: string,
    value: string | undefined,
    keys: string[],
    values: (string | undefined)[],
  ): void {
    // A repeated key: the last one wins, as with JSON.parse.
    const k = keys.indexOf(path);
    if (k >= 0) values[k] = value;
    else {
      keys.push(path);
      values.push(value);
    }
  }

  /** Reads the object at `i` of a later record into {@link values}. */
  private object(prefix: string): void {
    const r = this.reader;
    this.members(prefix, (path) => {
      const c = r.s.charCodeAt(r.i);
      const k = this.index.get(path);
      if (c === 123 && k === undefined) {
        this.object(path);
        return;
      }
      let value: string | undefined;
      if (c === 123 || c === 91) {
        const start = r.i;
        r.container();
        value = r.s.slice(start, r.i);
      } else value = r.scalar();
      if (k !== undefined) this.values[k] = value;
      else this.ignore(path);
    });
  }

  /** Walks the members of the object at `i`, calling `member` with `i` at each value. */
  private members(prefix: string, member: (path: string) => void): void {
    const r = this.reader;
    r.i++;
    r.ws();
    if (r.s.charCodeAt(r.i) === 125) {
      r.i++;
      return;
    }
    for (;;) {
      if (r.s.charCodeAt(r.i) !== 34) r.fail('a key');
      const key = r.string();
      r.ws();
      if (r.s.charCodeAt(r.i) !== 58) r.fail("':'");
      r.i++;
      r.ws();
      member(prefix === '' ? key : `${prefix}.${key}`);
      r.ws();
      const c = r.s.charCodeAt(r.i);
      if (c === 44) {
        r.i++;
        r.ws();
        continue;
      }
      if (c === 125) {
        r.i++;
        return;
      }
      r.fail("',' or '}'");
    }
  }

  private ignore(path: string): void {
    const n = this.ignoredKeys.get(path);
    if (n !== undefined) this.ignoredKeys.set(path, n + 1);
    else if (this.ignoredKeys.size < MAX_IGNORED_KEYS) this.ignoredKeys.set(path, 1);
  }
}
