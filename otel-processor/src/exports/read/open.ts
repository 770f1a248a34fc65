/**
 * Opening an export file whatever it is: CSV, JSON lines or Parquet, each possibly gzip-compressed
 * (Parquet compresses its own pages), chosen by content with the extension as a tie-breaker, read in
 * one pass that also hashes the file's bytes and counts them for progress.
 *
 * @packageDocumentation
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvParser } from './csv';
import { JsonlParser } from './jsonl';
import { errorText, openParquetTable, PARQUET_MAGIC } from './parquet';
import type { BatchOptions, ExportRow, ExportTable, ReadError } from './table';

/** What {@link openExportTable} may be told. */
export interface OpenExportOptions {
  /** The reader to use, whatever the content looks like (gzip is still detected by its magic bytes). */
  kind?: 'csv' | 'jsonl' | 'parquet';
  /**
   * Bytes per read (and per decompressed chunk, so per batch of rows). Default 1 MiB: large enough that
   * per-chunk costs vanish, small enough that memory stays flat. Tests use a few bytes to split rows,
   * quoted fields and UTF-8 characters across chunks.
   */
  chunkSize?: number;
  /**
   * Longest CSV row or JSON line accepted, in bytes: a longer one (almost always an unclosed quote) is
   * reported and skipped, which keeps memory bounded on a broken file. Default 64 MiB.
   */
  maxRowBytes?: number;
  /** Parquet rows per batch. Default 4096. */
  parquetBatchRows?: number;
}

/** An opened export: the reader contract, plus what only some callers need. */
export interface OpenedExportTable extends ExportTable {
  /**
   * JSON lines only: keys first met after the read-ahead window the columns were taken from (so they have
   * no column) → in how many records they appeared. Empty for CSV and Parquet.
   */
  ignoredKeys(): ReadonlyMap<string, number>;
  /** Releases the file without reading it (after `columns` did not match, say); `batches()` closes it itself. */
  close(): Promise<void>;
}

const DEFAULT_CHUNK = 256 * 1024;
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * The decompressed chunks of a file, hashing and counting the file's own bytes as they are read, with
 * a push-back so that the start can be looked at before the parser sees it.
 */
class ChunkSource {
  readonly hash: Hash = createHash('sha256');
  /** File bytes read from disk so far (compressed bytes for gzip). */
  raw = 0;
  digestHex: string | undefined;
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly streams: { destroy(): void }[] = [];
  private readonly pushedBack: Buffer[] = [];

  constructor(
    private readonly path: string,
    handle: FileHandle,
    chunkSize: number,
    readonly gzip: boolean,
  ) {
    const file = handle.createReadStream({ highWaterMark: chunkSize, start: 0 });
    this.streams.push(file);
    const tap = this.tap(file);
    if (!gzip) {
      this.chunks = tap[Symbol.asyncIterator]();
      return;
    }
    // highWaterMark 1: read ahead of the decompressor by one chunk only, so bytesRead follows it.
    const compressed = Readable.from(tap, { highWaterMark: 1 });
    // zlib takes no output chunk under 64 bytes.
    const gunzip = createGunzip({ chunkSize: Math.max(64, chunkSize) });
    this.streams.push(compressed, gunzip);
    compressed.on('error', (e) => gunzip.destroy(e));
    compressed.pipe(gunzip);
    this.chunks = (gunzip as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  private async *tap(file: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of file) {
      this.hash.update(chunk);
      this.raw += chunk.length;
      yield chunk;
    }
    this.digestHex = this.hash.digest('hex');
  }

  /** The next chunk, or `undefined` at the end. @throws Error naming the file when it cannot be read. */
  async next(): Promise<Buffer | undefined> {
    const back = this.pushedBack.pop();
    if (back !== undefined) return back;
    try {
      const r = await this.chunks.next();
      return r.done === true ? undefined : r.value;
    } catch (e) {
      throw new Error(`cannot read ${this.path}: ${this.gzip ? 'gzip: ' : ''}${errorText(e)}`, { cause: e });
    }
  }

  /** Makes `chunks` (in order) the next ones {@link next} returns. */
  unread(chunks: Buffer[]): void {
    for (let i = chunks.length - 1; i >= 0; i--) this.pushedBack.push(chunks[i]!);
  }

  close(): void {
    for (const s of this.streams) s.destroy();
  }
}

/** Parses chunks into rows (CSV and JSON lines alike). */
interface ChunkParser {
  push(chunk: Buffer, out: ExportRow[]): void;
  end(out: ExportRow[]): void;
  setWantedColumns?(columns: readonly number[] | undefined): void;
  readonly ignoredKeys?: ReadonlyMap<string, number>;
}

const NO_KEYS: ReadonlyMap<string, number> = new Map();

/** A CSV or JSON lines table over a {@link ChunkSource}: the rows read to find the header come first. */
class StreamTable<P extends ChunkParser> implements OpenedExportTable {
  columns: readonly string[] = [];
  /** Rows read while looking for the header, and errors met then (replayed to `batches()`'s onError). */
  pending: ExportRow[] = [];
  errors: ReadError[] = [];
  ended = false;
  readonly parser: P;
  private sink: ((e: ReadError) => void) | undefined;
  private started = false;

  /** @param makeParser makes the parser, given where it reports unreadable rows. */
  constructor(
    readonly path: string,
    readonly encoding: { kind: 'csv' | 'jsonl'; gzip: boolean },
    readonly totalBytes: number,
    readonly source: ChunkSource,
    makeParser: (report: (e: ReadError) => void) => P,
  ) {
    // Errors go to `batches()`'s onError, or wait for it.
    this.parser = makeParser((e) => {
      if (this.sink !== undefined) this.sink(e);
      else this.errors.push(e);
    });
  }

  bytesRead(): number {
    return this.source.raw;
  }

  digest(): string {
    if (this.source.digestHex === undefined)
      throw new Error(`${this.path}: the digest is known only once batches() has read the whole file`);
    return this.source.digestHex;
  }

  ignoredKeys(): ReadonlyMap<string, number> {
    return this.parser.ignoredKeys ?? NO_KEYS;
  }

  async close(): Promise<void> {
    this.source.close();
  }

  /**
   * Reads chunks into {@link pending} until `done()` (the CSV header, or the JSON lines window, is in) or
   * the end.
   */
  async fill(done: () => boolean): Promise<void> {
    while (!done()) {
      const chunk = await this.source.next();
      if (chunk === undefined) {
        this.parser.end(this.pending);
        this.ended = true;
        return;
      }
      this.parser.push(chunk, this.pending);
    }
  }

  batches(onError: (e: ReadError) => void, options: BatchOptions = {}): AsyncIterable<ExportRow[]> {
    if (this.started) throw new Error(`${this.path}: batches() can be called only once`);
    this.started = true;
    this.parser.setWantedColumns?.(options.columns);
    return this.read(onError);
  }

  private async *read(onError: (e: ReadError) => void): AsyncGenerator<ExportRow[]> {
    try {
      for (const e of this.errors) onError(e);
      this.errors = [];
      this.sink = onError;
      const first = this.pending;
      this.pending = [];
      if (first.length > 0) yield first;
      if (this.ended) {
        // The source may still have to see its end for the digest to be complete.
        while ((await this.source.next()) !== undefined);
        return;
      }
      for (;;) {
        const chunk = await this.source.next();
        const rows: ExportRow[] = [];
        if (chunk === undefined) {
          this.parser.end(rows);
          if (rows.length > 0) yield rows;
          return;
        }
        this.parser.push(chunk, rows);
        if (rows.length > 0) yield rows;
      }
    } finally {
      this.source.close();
    }
  }
}

/** JSON lines by extension (the inner one for `.gz`). */
function extensionKind(path: string): 'csv' | 'jsonl' | 'parquet' | undefined {
  let p = path.toLowerCase();
  if (p.endsWith('.gz')) p = p.slice(0, -3);
  const ext = extname(p);
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.parquet') return 'parquet';
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  return undefined;
}

const BOM = [0xef, 0xbb, 0xbf];

/** First byte that is not whitespace or a BOM in `chunks` (`-1`: none yet). */
function firstContentByte(chunks: Buffer[]): number {
  let offset = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++, offset++) {
      const b = c[i]!;
      // The BOM's three bytes, only at the very start.
      if (offset < 3 && b === BOM[offset]) continue;
      if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
    }
  }
  return -1;
}

/**
 * Opens an export file for streaming and reads its header (CSV), read-ahead window (JSON lines: up to
 * its first 1,000 records or 4 MiB, whose keys are the columns, see {@link JsonlParser}) or footer
 * (Parquet) to fill `columns`; the rows come from `batches()`, in one pass over the file that also
 * hashes it (`digest()`) and counts bytes read (`bytesRead()`).
 *
 * The reader is chosen by content: gzip magic (`1f 8b`: the decompressed content decides the rest),
 * `PAR1` magic → Parquet, first non-blank character `{` → JSON lines; otherwise the extension
 * (`.jsonl`, `.ndjson`, `.json`, `.parquet`, before any `.gz`), and CSV when it says nothing either.
 * `options.kind` overrides the content.
 *
 * @throws Error naming the file: `cannot read /x.csv: ENOENT: no such file or directory`,
 *   `/x.csv: empty file (no header)`, `/x.parquet: not a Parquet file (no PAR1 magic)`, a header that
 *   cannot be read, …
 */
export async function openExportTable(
  path: string,
  options: OpenExportOptions = {},
): Promise<OpenedExportTable> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  let handle: FileHandle;
  let size: number;
  const head = Buffer.alloc(4);
  let headLength: number;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${errorText(e)}`, { cause: e });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new Error(`cannot read ${path}: not a file`);
    size = stat.size;
    headLength = (await handle.read(head, 0, 4, 0)).bytesRead;
  } catch (e) {
    await handle.close().catch(() => undefined);
    if (e instanceof Error && e.message.startsWith('cannot read ')) throw e;
    throw new Error(`cannot read ${path}: ${errorText(e)}`, { cause: e });
  }
  if (headLength === 0) {
    await handle.close();
    throw new Error(`${path}: empty file (no header)`);
  }
  const byExtension = extensionKind(path);
  const gzip = headLength >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  const parquet = headLength === 4 && head.equals(PARQUET_MAGIC);
  if (options.kind === 'parquet' || (options.kind === undefined && parquet)) {
    if (!parquet) {
      await handle.close();
      throw new Error(`${path}: not a Parquet file (no PAR1 magic)`);
    }
    const table = await openParquetTable(path, { handle, chunkSize, batchRows: options.parquetBatchRows });
    return Object.assign(table, { ignoredKeys: () => NO_KEYS });
  }
  if (options.kind === undefined && byExtension === 'parquet' && !gzip) {
    await handle.close();
    throw new Error(`${path}: not a Parquet file (no PAR1 magic)`);
  }

  const source = new ChunkSource(path, handle, chunkSize, gzip);
  try {
    // Look at the (decompressed) start: as many chunks as it takes to see a non-blank byte.
    const seen: Buffer[] = [];
    let first = -1;
    for (;;) {
      const chunk = await source.next();
      if (chunk === undefined) break;
      seen.push(chunk);
      first = firstContentByte(seen);
      if (first >= 0 || seen.reduce((n, c) => n + c.length, 0) > 64 * 1024 * 1024) break;
    }
    source.unread(seen);
    if (first < 0) throw new Error(`${path}: empty file (no header)`);
    if (gzip && seen[0]!.subarray(0, 4).equals(PARQUET_MAGIC))
      throw new Error(`${path}: gzip-compressed Parquet is not supported (Parquet compresses its own pages)`);
    const kind = options.kind ?? (first === 0x7b ? 'jsonl' : byExtension === 'jsonl' ? 'jsonl' : 'csv');
    const maxRowBytes = options.maxRowBytes;
    if (kind === 'csv') {
      const table = new StreamTable(
        path,
        { kind, gzip },
        size,
        source,
        (report) => new CsvParser(report, { maxRowBytes }),
      );
      await table.fill(() => table.pending.length > 0 || table.errors.length > 0);
      const header = table.pending.shift();
      if (table.errors.length > 0 && (header === undefined || table.errors[0]!.line < header.line)) {
        const e = table.errors[0]!;
        throw new Error(`${path}: cannot read the header (line ${e.line}: ${e.reason})`);
      }
      if (header === undefined) throw new Error(`${path}: empty file (no header)`);
      table.columns = header.values as string[];
      return table;
    }
    const table = new StreamTable(
      path,
      { kind: 'jsonl', gzip },
      size,
      source,
      (report) => new JsonlParser(report, { maxLineBytes: maxRowBytes }),
    );
    const parser = table.parser;
    // The parser sets its columns once it has read its whole window (or the end): the window's rows are
    // then in `pending`, and memory stays bounded by the window.
    await table.fill(() => parser.columns !== undefined);
    if (parser.columns === undefined) {
      const e = table.errors[0];
      throw new Error(
        e === undefined
          ? `${path}: empty file (no record)`
          : `${path}: no JSON object record (line ${e.line}: ${e.reason})`,
      );
    }
    table.columns = parser.columns;
    return table;
  } catch (e) {
    source.close();
    throw e;
  }
}
