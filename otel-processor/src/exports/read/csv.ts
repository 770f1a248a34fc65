/**
 * A streaming RFC 4180 CSV parser over Buffer chunks: the baseline every CSV import is measured
 * against, so it works on bytes and decodes each field once, straight from the chunk.
 *
 * What it accepts and how it recovers:
 * - LF and CRLF line ends; a last row without a final newline; a UTF-8 BOM at the start of the file.
 * - Quoted fields with `""` escapes, commas, CR and LF inside; a row's `line` is the line its first
 *   character is on, counting the newlines inside quoted fields of the rows before it.
 * - Blank lines (empty, or a lone CRLF) are skipped; their lines still count.
 * - Rows shorter than the header are passed on as they are (values past their end read `undefined`);
 *   longer rows keep their extra values (a trailing comma is common and harmless).
 * - A quote inside an unquoted field (`12" pipe`) is kept as text and is not an error: the field's
 *   bounds are unambiguous, and rejecting it would drop rows that every spreadsheet reads.
 * - Errors, reported and skipped (the rest of the file is still read):
 *   - text after a closing quote (`"a"b,c`): the field's bounds are ambiguous, so the row is dropped;
 *   - a quote never closed before the end of the file: the row is dropped and parsing resumes on the
 *     line after the one the quote was opened on, so one stray quote costs one row, not the file;
 *   - a row longer than {@link CsvParserOptions.maxRowBytes} (almost always an unclosed quote): same
 *     recovery, and it keeps memory bounded on a broken file.
 *
 * @packageDocumentation
 */
import type { ExportRow, ReadError } from './table';

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

/** Default {@link CsvParserOptions.maxRowBytes}: far above any real row, far below the memory of a host. */
export const DEFAULT_MAX_ROW_BYTES = 64 * 1024 * 1024;

/** Options of {@link CsvParser}. */
export interface CsvParserOptions {
  /**
   * Longest row accepted, in bytes. A row still open after this many bytes is reported as an error
   * and skipped: without a limit, one unclosed quote would make the rest of the file one row held in
   * memory. Default {@link DEFAULT_MAX_ROW_BYTES}.
   */
  maxRowBytes?: number;
}

/**
 * Node's Buffer has `utf8Slice` (what `toString('utf8', s, e)` ends up calling, minus the argument
 * checks): it is undocumented, so it is used only when present.
 */
interface SliceBuffer extends Buffer {
  utf8Slice?(start: number, end: number): string;
  latin1Slice?(start: number, end: number): string;
}

const hasUtf8Slice = typeof (Buffer.prototype as SliceBuffer).utf8Slice === 'function';
const hasLatin1Slice = typeof (Buffer.prototype as SliceBuffer).latin1Slice === 'function';

/**
 * Decodes bytes `[start, end)` as UTF-8 into a new flat string. A new string per field, rather than a
 * slice of a decoded chunk, so a value the caller keeps (a map key) does not pin its whole chunk.
 */
const decode: (buf: SliceBuffer, start: number, end: number) => string = hasUtf8Slice
  ? (buf, start, end) => buf.utf8Slice!(start, end)
  : (buf, start, end) => buf.toString('utf8', start, end);

/** Decodes ASCII bytes: latin1 skips UTF-8's validation, and ASCII is the same in both. */
const decodeAscii: (buf: SliceBuffer, start: number, end: number) => string = hasLatin1Slice
  ? (buf, start, end) => buf.latin1Slice!(start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);

/** Position of the next LF at or after `from`, or `len` when there is none. */
function indexOfLf(buf: Buffer, from: number, len: number): number {
  const i = buf.indexOf(LF, from);
  return i < 0 ? len : i;
}

/** Whether `buf` is the start of a UTF-8 byte order mark, so the next chunk must be seen first. */
function isBomPrefix(buf: Buffer): boolean {
  return buf.length < 3 && (buf.length < 1 || buf[0] === 0xef) && (buf.length < 2 || buf[1] === 0xbb);
}

/**
 * The value of the unquoted field `buf[start, end)` at index `field`: `undefined` when the consumer does
 * not want it (see {@link CsvParser.setWantedColumns}); `high` is the OR of its bytes (< 128: ASCII).
 */
function unquoted(
  buf: SliceBuffer,
  start: number,
  end: number,
  high: number,
  wanted: boolean[] | undefined,
  field: number,
): string | undefined {
  if (wanted !== undefined && wanted[field] !== true) return undefined;
  if (end <= start) return '';
  return high < 128 ? decodeAscii(buf, start, end) : decode(buf, start, end);
}

/**
 * Parses CSV pushed in chunks into rows. Holds at most one partial row between chunks (the bytes of
 * the row a chunk ended in, re-read when the next chunk arrives), so memory does not grow with the file.
 *
 * ```ts
 * const parser = new CsvParser(onError);
 * for await (const chunk of stream) { const rows: ExportRow[] = []; parser.push(chunk, rows); use(rows); }
 * const last: ExportRow[] = []; parser.end(last); use(last);
 * ```
 *
 * The first row is the header like any other: the caller takes it from the first batch.
 */
export class CsvParser {
  private readonly maxRowBytes: number;
  /** Bytes of the row the last chunk ended in (and, at the start, of a possibly split BOM). */
  private rest: Buffer | undefined;
  /** Line of the first byte not yet parsed. */
  private line = 1;
  /** Whether the start of the file (and so a BOM) is still ahead. */
  private atStart = true;
  /** After an overlong row without a quote to resync on: drop bytes up to the next LF. */
  private skippingLine = false;
  /** Where the unclosed quote of the last incomplete row was opened (-1: the row was not in a quote). */
  private openQuotePos = -1;
  private openQuoteLine = 0;
  /** Field indexes whose values are wanted (undefined: all); the others are scanned but not decoded. */
  private wanted: boolean[] | undefined;

  /**
   * @param onError receives each row that cannot be read (its start line and why); parsing goes on.
   */
  constructor(
    private readonly onError: (e: ReadError) => void,
    options: CsvParserOptions = {},
  ) {
    this.maxRowBytes = options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES;
  }

  /** Parses the complete rows `chunk` ends (with the partial row before it) into `out`. */
  push(chunk: Buffer, out: ExportRow[]): void {
    const buf = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = undefined;
    let start = 0;
    if (this.atStart) {
      if (isBomPrefix(buf)) {
        this.rest = buf;
        return;
      }
      this.atStart = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    }
    if (this.skippingLine) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0) return;
      this.skippingLine = false;
      this.line++;
      start = nl + 1;
    }
    let stop = this.parse(buf, start, false, out);
    while (buf.length - stop > this.maxRowBytes) {
      this.onError({
        line: this.line,
        reason: `row longer than ${this.maxRowBytes} bytes${this.openQuotePos >= 0 ? ` (quote opened on line ${this.openQuoteLine} never closed?)` : ''}`,
      });
      const nl = buf.indexOf(LF, this.openQuotePos >= 0 ? this.openQuotePos : stop);
      if (nl < 0) {
        this.skippingLine = true;
        return;
      }
      // Lines between the row's start and the quote's line are part of the row dropped.
      if (this.openQuotePos >= 0) this.line = this.openQuoteLine;
      this.line++;
      stop = this.parse(buf, nl + 1, false, out);
    }
    // A view, not a copy: it pins this chunk only until the next one is concatenated to it.
    if (stop < buf.length) this.rest = buf.subarray(stop);
  }

  /** Parses what is left at the end of the input (a last row without a final newline) into `out`. */
  end(out: ExportRow[]): void {
    const buf = this.rest;
    this.rest = undefined;
    if (buf === undefined || this.skippingLine) return;
    let start = 0;
    if (this.atStart) {
      this.atStart = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    }
    this.parse(buf, start, true, out);
  }

  /**
   * Decodes only the fields at `columns` from now on (the rest come out `undefined`): a consumer that
   * reads 20 of 50 columns is spared creating, and collecting, 30 strings per row. `undefined`: all.
   */
  setWantedColumns(columns: readonly number[] | undefined): void {
    if (columns === undefined) {
      this.wanted = undefined;
      return;
    }
    const wanted: boolean[] = [];
    for (const c of columns) wanted[c] = true;
    this.wanted = wanted;
  }

  /** The line the next row would start on (after {@link end}: one past the last line). */
  get nextLine(): number {
    return this.line;
  }

  /**
   * Parses the rows of `buf` from `start`. Returns where the first incomplete row starts (`buf.length`
   * when none); with `final`, the end of `buf` ends the last row and nothing is left.
   */
  private parse(buf: SliceBuffer, start: number, final: boolean, out: ExportRow[]): number {
    const len = buf.length;
    let pos = start;
    let line = this.line;
    // Next LF at or after the last quoted field looked at (`len`: none): quoted fields rarely hold
    // newlines, so one memchr per row to count them beats a byte loop over every quoted field.
    let nextLf = -1;
    this.openQuotePos = -1;
    const wanted = this.wanted;
    rows: while (pos < len) {
      let c = buf[pos]!;
      if (c === LF) {
        line++;
        pos++;
        continue;
      }
      if (c === CR) {
        if (pos + 1 < len) {
          if (buf[pos + 1] === LF) {
            line++;
            pos += 2;
            continue;
          }
        } else if (final) {
          pos++;
          continue;
        } else {
          break;
        }
      }
      const rowStart = pos;
      const rowLine = line;
      const values: (string | undefined)[] = [];
      let bad: string | undefined;
      let i = pos;
      for (;;) {
        if (i >= len) {
          // Only after a comma that ends the buffer.
          if (!final) {
            this.line = rowLine;
            return rowStart;
          }
          values.push('');
          break;
        }
        c = buf[i]!;
        if (c === QUOTE) {
          const quoteLine = line;
          let escaped = false;
          let close = -1;
          let j = i + 1;
          for (;;) {
            const q = buf.indexOf(QUOTE, j);
            if (q < 0) break;
            if (q + 1 < len) {
              if (buf[q + 1] === QUOTE) {
                escaped = true;
                j = q + 2;
                continue;
              }
              close = q;
            } else if (final) {
              close = q;
            }
            // A quote ending a chunk may be the first half of `""`: the next chunk decides.
            break;
          }
          if (close < 0) {
            if (!final) {
              this.openQuotePos = i;
              this.openQuoteLine = quoteLine;
              this.line = rowLine;
              return rowStart;
            }
            this.onError({
              line: rowLine,
              reason:
                quoteLine === rowLine
                  ? `quote in field ${values.length + 1} never closed`
                  : `quote in field ${values.length + 1} (line ${quoteLine}) never closed`,
            });
            // Resume on the line after the one the quote was opened on: the quote is the likely error.
            const nl = buf.indexOf(LF, i);
            if (nl < 0) {
              pos = len;
              line = quoteLine;
              break rows;
            }
            pos = nl + 1;
            line = quoteLine + 1;
            nextLf = -1;
            continue rows;
          }
          if (nextLf < i) nextLf = indexOfLf(buf, i, len);
          while (nextLf < close) {
            line++;
            nextLf = indexOfLf(buf, nextLf + 1, len);
          }
          let value: string | undefined;
          if (wanted === undefined || wanted[values.length] === true) {
            value = close === i + 1 ? '' : decode(buf, i + 1, close);
            if (escaped) value = value.replaceAll('""', '"');
          }
          i = close + 1;
          if (i >= len) {
            values.push(value);
            break;
          }
          c = buf[i]!;
          if (c === COMMA) {
            values.push(value);
            i++;
            continue;
          }
          if (c === LF) {
            values.push(value);
            line++;
            i++;
            break;
          }
          if (c === CR) {
            if (i + 1 < len) {
              if (buf[i + 1] === LF) {
                values.push(value);
                line++;
                i += 2;
                break;
              }
            } else if (final) {
              values.push(value);
              i++;
              break;
            } else {
              this.line = rowLine;
              return rowStart;
            }
          }
          // Text after the closing quote: find the field's end like an unquoted field's; the row is
          // dropped, so what the field would hold does not matter.
          bad ??= `text after the closing quote of field ${values.length + 1}`;
          values.push(value);
        }
        let j = i;
        let high = 0;
        while (j < len) {
          c = buf[j]!;
          if (c === COMMA || c === LF) break;
          high |= c;
          j++;
        }
        if (j >= len) {
          if (!final) {
            this.line = rowLine;
            return rowStart;
          }
          let end = j;
          if (end > i && buf[end - 1] === CR) end--;
          if (bad === undefined) values.push(unquoted(buf, i, end, high, wanted, values.length));
          i = len;
          break;
        }
        if (bad === undefined) {
          let end = j;
          if (c === LF && end > i && buf[end - 1] === CR) end--;
          values.push(unquoted(buf, i, end, high, wanted, values.length));
        }
        i = j + 1;
        if (c === LF) {
          line++;
          break;
        }
      }
      pos = i;
      if (bad !== undefined) {
        this.onError({ line: rowLine, reason: bad });
        continue;
      }
      out.push({ line: rowLine, values });
    }
    this.line = line;
    return pos;
  }
}
