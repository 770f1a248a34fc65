/**
 * A streaming JSON lines parser (one object per line, as BigQuery billing exports write them) giving
 * the same table shape as a CSV: the columns are the flattened keys (`service.description`) of the
 * records of a read-ahead window at the start of the file (see {@link JsonlParser}), arrays stay JSON
 * text (`labels`, `credits`), and numbers are passed on as their exact source text: money must never go
 * through a JS float (`0.1234567890123456789` would become `0.12345678901234568`), so records are read by
 * a small tokenizer of our own, not `JSON.parse`.
 *
 * @packageDocumentation
 */
import type { ExportRow, ReadError } from './table';
import { DEFAULT_MAX_ROW_BYTES } from './csv';

const LF = 10;

/** Distinct ignored keys remembered by {@link JsonlParser.ignoredKeys}: enough for a message. */
const MAX_IGNORED_KEYS = 1000;

/** Records read ahead, at most, to find the columns (see {@link JsonlParser}). */
export const DEFAULT_JSONL_WINDOW_RECORDS = 1000;

/** Bytes read ahead, at most (plus the rest of the line that crosses it), to find the columns. */
export const DEFAULT_JSONL_WINDOW_BYTES = 4 * 1024 * 1024;

/** Options of {@link JsonlParser}. */
export interface JsonlParserOptions {
  /**
   * Longest line accepted, in bytes; a longer one is reported and skipped, so a file without newlines
   * cannot make the parser hold all of it. Default 64 MiB.
   */
  maxLineBytes?: number;
  /**
   * Most records (JSON objects) read ahead to find the columns. Default
   * {@link DEFAULT_JSONL_WINDOW_RECORDS}; at least 1.
   */
  windowRecords?: number;
  /**
   * Bytes of input (decompressed, from the start of the file) read ahead to find the columns: the window
   * takes the lines that start before this offset. Default {@link DEFAULT_JSONL_WINDOW_BYTES}.
   */
  windowBytes?: number;
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

/** What the records of the window had at one key (a node of the tree of flattened keys). */
interface KeyShape {
  /** A non-null scalar, or an array, was seen: a value for the bare column. */
  value: boolean;
  /** `null` was seen. */
  null: boolean;
  /** `{}` was seen. */
  empty: boolean;
  /** The keys of the non-empty objects seen here, in first-seen order; `undefined`: none seen. */
  children: Map<string, KeyShape> | undefined;
}

function newShape(): KeyShape {
  return { value: false, null: false, empty: false, children: undefined };
}

/** The records of the window, waiting for the columns. */
interface Window {
  /** The flattened keys seen so far. */
  readonly root: KeyShape;
  /** Each record read (validated), with its line. */
  readonly records: { line: number; text: string }[];
}

/**
 * Parses JSON lines pushed in chunks into rows aligned with {@link columns}. A line that is not a JSON
 * object is reported with its line number and skipped (when it is read, even inside the window); blank
 * lines are skipped. Rows come out in file order, each with its own line number.
 *
 * **The window.** The columns are taken from the records at the start of the file: the parser reads
 * ahead, holding those records back, until it has {@link JsonlParserOptions.windowRecords} records
 * (1,000) or reaches a line starting at or after {@link JsonlParserOptions.windowBytes} (4 MiB) of
 * input, or the end of the input; never before it has one record (so a file starting with more junk
 * than the window still gets the columns of its first record). Memory is bounded by the window (plus one
 * line). The held records are then emitted as rows, and the rest streamed. {@link columns} is
 * `undefined` until then. Keys first met after the window have no column: they are ignored and counted
 * in {@link ignoredKeys}.
 *
 * **Flattening.** Every flattened key seen in the window is a column, in first-seen order, nesting kept
 * together: the dotted columns of a key come where the key itself was first seen (a first record with
 * `"project": null` and a second with `"project": {"id": …}` give `project.id` where `project` was).
 * - A non-empty object gives dotted columns (`service.description`), one per key (recursively).
 * - Arrays, and objects inside arrays, stay their JSON text as written (`labels`, `credits`).
 * - Strings are unescaped; numbers keep their exact source text; booleans are `true`/`false`; `null` is
 *   `undefined`.
 * - A key that is an object in some record and `null`, `{}`, a scalar or an array in another: its
 *   dotted columns come from the object form (`project.id`, `project.name`), and the bare column
 *   (`project`) is kept too only if some record had a non-null scalar or an array there (which then goes
 *   to `project`, the dotted columns of that row being `undefined`). A `null` or `{}` never makes a
 *   column of its own where an object form exists; a key only ever `null` and/or `{}` in the window is
 *   a column (its value `undefined` or `{}`).
 * - After the window, an object where the window saw only leaves (so the key has no dotted column) goes
 *   to the bare column as its JSON text; a scalar where the window saw only objects is ignored and
 *   counted (`null` there is not counted: nothing is lost).
 * - A key repeated in one record: for each column it fills, the last value wins (as with `JSON.parse`
 *   when the repeats have the same shape).
 */
export class JsonlParser {
  /** The columns, once the window was read (`undefined` before, or if no line was a JSON object). */
  columns: string[] | undefined;
  /**
   * Keys (flattened) first met after the window, so without a column → how many records had them (at
   * most 1000 keys).
   */
  readonly ignoredKeys = new Map<string, number>();
  private readonly maxLineBytes: number;
  private readonly windowRecords: number;
  private readonly windowBytes: number;
  /** Column of each flattened key. */
  private readonly index = new Map<string, number>();
  /** Keys that have dotted columns (seen as a non-empty object in the window). */
  private readonly objectKeys = new Set<string>();
  private readonly reader = new LineReader();
  private rest: Buffer | undefined;
  private line = 1;
  /** Input offset (bytes) of the start of the line being read. */
  private offset = 0;
  private atStart = true;
  private skippingLine = false;
  /** The records held back while the columns are not known; `undefined` once they are. */
  private window: Window | undefined = { root: newShape(), records: [] };
  /** Values of the record being read. */
  private values: (string | undefined)[] = [];
  /** Undoes what the window record being read added to the keys, should the line turn out broken. */
  private readonly undo: (() => void)[] = [];

  /** @param onError receives each line that is not a JSON object (its number and why); parsing goes on. */
  constructor(
    private readonly onError: (e: ReadError) => void,
    options: JsonlParserOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_ROW_BYTES;
    this.windowRecords = Math.max(1, options.windowRecords ?? DEFAULT_JSONL_WINDOW_RECORDS);
    this.windowBytes = options.windowBytes ?? DEFAULT_JSONL_WINDOW_BYTES;
  }

  /**
   * Parses the complete lines `chunk` ends (with the partial line before it) into `out`: while the
   * window is being read, nothing; then the window's rows at once.
   */
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
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = this.offset = 3;
    }
    for (;;) {
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) break;
      if (this.skippingLine) this.skippingLine = false;
      else this.parseLine(buf, pos, nl, out);
      this.line++;
      this.offset += nl + 1 - pos;
      pos = nl + 1;
    }
    if (pos >= buf.length) return;
    if (this.skippingLine) {
      this.offset += buf.length - pos;
      return;
    }
    if (buf.length - pos > this.maxLineBytes) {
      this.onError({ line: this.line, reason: `line longer than ${this.maxLineBytes} bytes` });
      this.skippingLine = true;
      this.offset += buf.length - pos;
      return;
    }
    this.rest = buf.subarray(pos);
  }

  /** Parses the last line if the input did not end with a newline, and ends the window if still open. */
  end(out: ExportRow[]): void {
    const buf = this.rest;
    this.rest = undefined;
    if (buf !== undefined && !this.skippingLine) {
      let pos = 0;
      if (this.atStart && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      this.atStart = false;
      this.parseLine(buf, pos, buf.length, out);
      this.line++;
    }
    if (this.window !== undefined && this.window.records.length > 0) this.closeWindow(out);
  }

  private parseLine(buf: Buffer, start: number, end: number, out: ExportRow[]): void {
    const window = this.window;
    if (window !== undefined && this.offset >= this.windowBytes && window.records.length > 0)
      this.closeWindow(out);
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
      if (this.window !== undefined) {
        this.scan(this.window.root);
        this.expectEnd(reader);
        this.undo.length = 0;
        this.window.records.push({ line: this.line, text: reader.s });
        if (this.window.records.length >= this.windowRecords) this.closeWindow(out);
        return;
      }
      out.push(this.row(this.line));
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      // A broken line adds no key to the window.
      for (let u = this.undo.length - 1; u >= 0; u--) this.undo[u]!();
      this.undo.length = 0;
      this.onError({ line: this.line, reason: e.message });
    }
  }

  /** The record in the reader (at its start) as a row of {@link columns}. */
  private row(line: number): ExportRow {
    this.values = new Array<string | undefined>(this.columns!.length);
    this.object('');
    this.expectEnd(this.reader);
    return { line, values: this.values };
  }

  /** Only whitespace may follow the record. */
  private expectEnd(reader: LineReader): void {
    reader.ws();
    if (reader.i < reader.s.length) reader.fail('end of line after the object');
  }

  /**
   * Adds the keys of the object at `i` of a window record to the tree under `shape`, validating it, and
   * logging each change in {@link undo} (few: only what this record adds).
   */
  private scan(shape: KeyShape): void {
    const r = this.reader;
    const undo = this.undo;
    let children = shape.children;
    if (children === undefined) {
      const created = (shape.children = children = new Map<string, KeyShape>());
      undo.push(() => {
        if (shape.children === created) shape.children = undefined;
      });
    }
    const map = children;
    this.members('', (key) => {
      let child = map.get(key);
      if (child === undefined) {
        child = newShape();
        map.set(key, child);
        undo.push(() => map.delete(key));
      }
      const c = r.s.charCodeAt(r.i);
      let seen: 'value' | 'null' | 'empty';
      if (c === 123) {
        const objectStart = r.i;
        r.i++;
        r.ws();
        if (r.s.charCodeAt(r.i) !== 125) {
          r.i = objectStart;
          this.scan(child);
          return;
        }
        r.i++;
        seen = 'empty';
      } else if (c === 91) {
        r.container();
        seen = 'value';
      } else seen = r.scalar() === undefined ? 'null' : 'value';
      if (!child[seen]) {
        const changed = child;
        changed[seen] = true;
        undo.push(() => (changed[seen] = false));
      }
    });
  }

  /** Sets the columns from the window's keys, and emits its records as rows. */
  private closeWindow(out: ExportRow[]): void {
    const window = this.window!;
    this.window = undefined;
    const columns: string[] = [];
    const add = (shape: KeyShape, prefix: string): void => {
      for (const [key, child] of shape.children ?? []) {
        const path = prefix === '' ? key : `${prefix}.${key}`;
        const isObject = child.children !== undefined;
        // `a.b` as a key and `b` inside `a` share their column.
        if ((child.value || (!isObject && (child.null || child.empty))) && !this.index.has(path)) {
          this.index.set(path, columns.length);
          columns.push(path);
        }
        if (isObject) {
          this.objectKeys.add(path);
          add(child, path);
        }
      }
    };
    add(window.root, '');
    this.columns = columns;
    for (const record of window.records) {
      this.reader.reset(record.text);
      out.push(this.row(record.line));
    }
  }

  /** Reads the object at `i` of a record into {@link values}, counting keys without a column. */
  private object(prefix: string): void {
    const r = this.reader;
    this.members(prefix, (path) => {
      const c = r.s.charCodeAt(r.i);
      const k = this.index.get(path);
      if (c === 123 && (k === undefined || this.objectKeys.has(path))) {
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
      else if (value !== undefined || !this.objectKeys.has(path)) this.ignore(path);
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
