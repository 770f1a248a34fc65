/**
 * Parquet billing exports (AWS CUR 2.0 and FOCUS exports, Azure), read with the pure-JS `hyparquet`
 * one row group at a time, as text cells like every other export: the mappers validate decimal text and
 * never see a float, so values are rendered exactly:
 * - DECIMAL from its unscaled integer and scale (hyparquet would divide through a float: the DECIMAL
 *   annotation is removed before it reads, and the raw integers are rendered here);
 * - DOUBLE with the shortest text that reads back the same (`String`), FLOAT likewise for 32 bits;
 * - INT64 via `BigInt#toString`; booleans `true`/`false`; null as `undefined`;
 * - timestamps as ISO 8601 UTC with the file's precision (`2024-06-01T00:00:00.000Z`,
 *   `…00.123456Z`), DATE as `YYYY-MM-DD`;
 * - byte arrays without a string annotation as UTF-8 (fixed-length ones as hex).
 *
 * Columns are the schema's leaves, named by their dotted path through plain groups (structs):
 * `product.region`. A LIST, MAP or repeated field is one column holding its JSON text, as the JSON
 * lines reader keeps arrays (e.g. a CUR 2.0 `resource_tags` map reads `{"user:team":"payments"}`).
 * `line` is the 1-based record number.
 *
 * hyparquet is ESM only: it is loaded with a dynamic `import()`, which TypeScript keeps as is in the
 * CommonJS build (module `node16`), so `node dist/cli.js` loads it natively.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type {
  AsyncBuffer,
  ColumnData,
  Compressors,
  FileMetaData,
  ParquetParsers,
  SchemaElement,
  SchemaTree,
} from 'hyparquet' with { 'resolution-mode': 'import' };
import type { ExportRow, ExportTable, ReadError } from './table';

type Hyparquet = typeof import('hyparquet', { with: { 'resolution-mode': 'import' } });

/** The `PAR1` magic a Parquet file starts and ends with. */
export const PARQUET_MAGIC = Buffer.from('PAR1', 'latin1');

/** Options of {@link openParquetTable}. */
export interface ParquetTableOptions {
  /** Rows per batch yielded by `batches()`. Default 4096. */
  batchRows?: number;
  /** Bytes per read when hashing the parts of the file no row group covers. Default 1 MiB. */
  chunkSize?: number;
  /** An open handle on `path` to use (and close) instead of opening it again. */
  handle?: FileHandle;
}

/** A Parquet file opened by {@link openParquetTable}. */
export interface ParquetTable extends ExportTable {
  /** Closes the file; `batches()` closes it itself when it ends. */
  close(): Promise<void>;
}

/** hyparquet and its decompressors, loaded once on first use. */
let modules: Promise<{ hp: Hyparquet; compressors: Compressors }> | undefined;

function loadHyparquet(): Promise<{ hp: Hyparquet; compressors: Compressors }> {
  modules ??= (async () => {
    const [hp, extra] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
    const compressors: Compressors = {
      ...extra.compressors,
      // Node's zlib is native: faster than the JS ports for the two codecs it has.
      GZIP: (input) => gunzipSync(input),
      BROTLI: (input) => brotliDecompressSync(input),
    };
    return { hp, compressors };
  })();
  return modules;
}

/** Epoch nanoseconds as ISO 8601 UTC, with as many fraction digits as the value needs (3, 6 or 9). */
function isoFromNanos(nanos: bigint): string {
  let ms = nanos / 1_000_000n;
  let sub = nanos - ms * 1_000_000n;
  if (sub < 0n) {
    ms -= 1n;
    sub += 1_000_000n;
  }
  const t = Number(ms);
  // Date covers ±8.64e15 ms; beyond that the raw count is all there is to show.
  if (!(Math.abs(t) <= 8.64e15)) return nanos.toString();
  const iso = new Date(t).toISOString();
  if (sub === 0n) return iso;
  const digits = sub.toString().padStart(6, '0');
  return `${iso.slice(0, -1)}${digits.endsWith('000') ? digits.slice(0, 3) : digits}Z`;
}

/** Leaves timestamps and dates as text: hyparquet's default Date objects would drop sub-milliseconds. */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms: bigint) => isoFromNanos(BigInt(ms) * 1_000_000n),
  timestampFromMicroseconds: (us: bigint) => isoFromNanos(BigInt(us) * 1_000n),
  timestampFromNanoseconds: (ns: bigint) => isoFromNanos(BigInt(ns)),
  dateFromDays: (days: number) => {
    const t = days * 86_400_000;
    return Math.abs(t) <= 8.64e15 ? new Date(t).toISOString().slice(0, 10) : String(days);
  },
  // JSON columns stay the text the file holds (numbers in it exact), like JSON lines' arrays.
  jsonFromBytes: (bytes: Uint8Array) => bytes && utf8.decode(bytes),
};

const utf8 = new TextDecoder('utf-8');

/** Shortest decimal text that reads back as the same 32-bit float (`String` would print the double). */
function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p < 10; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

/** Two's complement big-endian bytes (a DECIMAL's unscaled value) as a bigint. */
function bigintFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes[0]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

/** The exact decimal text of `unscaled × 10^-scale`: `(-12345n, 2)` → `-123.45`, `(5n, 3)` → `0.005`. */
export function decimalText(unscaled: bigint | number, scale: number): string {
  const v = typeof unscaled === 'bigint' ? unscaled : BigInt(unscaled);
  const negative = v < 0n;
  let digits = (negative ? -v : v).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0) {
    digits += '0'.repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}

/** Reads one leaf value (as hyparquet decoded it, annotations already applied) as a cell. */
type LeafReader = (v: unknown) => string | undefined;

function isDecimal(e: SchemaElement): boolean {
  return e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL';
}

function decimalScale(e: SchemaElement): number {
  const lt = e.logical_type;
  return (lt?.type === 'DECIMAL' ? lt.scale : e.scale) ?? 0;
}

function leafReader(e: SchemaElement): LeafReader {
  if (isDecimal(e)) {
    const scale = decimalScale(e);
    return (v) => {
      if (v === null || v === undefined) return undefined;
      if (v instanceof Uint8Array) return decimalText(bigintFromBytes(v), scale);
      if (typeof v === 'bigint' || typeof v === 'number') return decimalText(v, scale);
      return String(v);
    };
  }
  const float = e.type === 'FLOAT';
  const fixed = e.type === 'FIXED_LEN_BYTE_ARRAY';
  return (v) => anyText(v, float, fixed);
}

function anyText(v: unknown, float = false, fixed = false): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return float ? float32Text(v) : String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return undefined;
    default:
      if (v === null) return undefined;
      if (v instanceof Uint8Array) return fixed ? Buffer.from(v).toString('hex') : utf8.decode(v);
      if (v instanceof Date) return v.toISOString();
      return jsonText(v);
  }
}

/** JSON text of a value nothing in the schema describes (geometry objects, variants). */
function jsonText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v instanceof Uint8Array) return JSON.stringify(utf8.decode(v));
      if (v instanceof Date) return JSON.stringify(v.toISOString());
      if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
      return `{${Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`)
        .join(',')}}`;
  }
}

/** As hyparquet's `isListLike` (not exported): how it decides to assemble a group as an array. */
function isListLike(s: SchemaTree): boolean {
  if (s.element.converted_type !== 'LIST' || s.children.length > 1) return false;
  const first = s.children[0];
  return first !== undefined && first.children.length <= 1 && first.element.repetition_type === 'REPEATED';
}

/** As hyparquet's `isMapLike`: how it decides to assemble a group as an object. */
function isMapLike(s: SchemaTree): boolean {
  if (s.element.converted_type !== 'MAP' || s.children.length > 1) return false;
  const first = s.children[0];
  if (first === undefined || first.children.length !== 2) return false;
  if (first.element.repetition_type !== 'REPEATED') return false;
  return first.children.every((c) => c.element.repetition_type !== 'REPEATED');
}

/** Whether numbers of this leaf may be written bare in JSON (else they are quoted text). */
function isNumeric(e: SchemaElement): boolean {
  if (isDecimal(e)) return true;
  if (e.converted_type !== undefined || e.logical_type !== undefined) {
    return e.logical_type?.type === 'INTEGER' || /^(U?INT_\d+)$/.test(e.converted_type ?? '');
  }
  return e.type === 'INT32' || e.type === 'INT64' || e.type === 'FLOAT' || e.type === 'DOUBLE';
}

/**
 * JSON text of a LIST, MAP or repeated value, walking the schema alongside so that DECIMALs inside
 * stay exact and numbers stay bare. `asElement`: `node` describes one element of a repeated field.
 */
function nestedJson(
  v: unknown,
  node: SchemaTree,
  readers: Map<SchemaTree, LeafReader>,
  asElement = false,
): string {
  if (v === null || v === undefined) return 'null';
  if (!asElement && node.element.repetition_type === 'REPEATED' && Array.isArray(v)) {
    return `[${v.map((x) => nestedJson(x, node, readers, true)).join(',')}]`;
  }
  if (node.children.length === 0) {
    let read = readers.get(node);
    if (read === undefined) {
      read = leafReader(node.element);
      readers.set(node, read);
    }
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    const text = read(v);
    if (text === undefined) return 'null';
    if (isNumeric(node.element)) return /^-?\d/.test(text) ? text : 'null';
    return JSON.stringify(text);
  }
  if (isListLike(node) && Array.isArray(v)) {
    const inner = node.children[0]!;
    const element = inner.children.length === 1 ? inner.children[0]! : inner;
    return `[${v.map((x) => nestedJson(x, element, readers, true)).join(',')}]`;
  }
  if (isMapLike(node) && typeof v === 'object') {
    const kv = node.children[0]!;
    const valueNode = kv.children.find((c) => c.element.name === 'value') ?? kv.children[1]!;
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}:${nestedJson(x, valueNode, readers)}`)
      .join(',')}}`;
  }
  if (typeof v === 'object' && !Array.isArray(v) && node.element.logical_type?.type !== 'VARIANT') {
    const o = v as Record<string, unknown>;
    return `{${node.children
      .map((c) => `${JSON.stringify(c.element.name)}:${nestedJson(o[c.element.name], c, readers)}`)
      .join(',')}}`;
  }
  return jsonText(v);
}

/** How one output column is read from its top-level column's assembled value. */
interface ColumnPlan {
  name: string;
  /** Field names below the top-level column (through structs) to the value. */
  path: string[];
  read: (v: unknown) => string | undefined;
}

/** One top-level column of the file and the output columns it gives. */
interface TopPlan {
  name: string;
  columns: ColumnPlan[];
  /** Index of its first output column. */
  first: number;
}

/** The output columns of the schema: leaves through plain groups; LIST, MAP, repeated as JSON. */
function planColumns(root: SchemaTree): TopPlan[] {
  const tops: TopPlan[] = [];
  const readers = new Map<SchemaTree, LeafReader>();
  let index = 0;
  for (const top of root.children) {
    const plan: TopPlan = { name: top.element.name, columns: [], first: index };
    const walk = (node: SchemaTree, path: string[]): void => {
      const e = node.element;
      const name = [top.element.name, ...path].join('.');
      const nested =
        e.repetition_type === 'REPEATED' ||
        (node.children.length > 0 &&
          (isListLike(node) ||
            isMapLike(node) ||
            e.converted_type === 'LIST' ||
            e.converted_type === 'MAP' ||
            e.logical_type !== undefined));
      if (nested) {
        plan.columns.push({
          name,
          path,
          read: (v) => (v == null ? undefined : nestedJson(v, node, readers)),
        });
      } else if (node.children.length > 0) {
        for (const child of node.children) walk(child, [...path, child.element.name]);
      } else {
        plan.columns.push({ name, path, read: leafReader(e) });
      }
    };
    walk(top, []);
    index += plan.columns.length;
    tops.push(plan);
  }
  return tops;
}

/**
 * The metadata hyparquet reads with: DECIMAL annotations removed so that it hands over the unscaled
 * integers (its own conversion divides through a float). The planned readers still see the originals.
 */
function rawDecimals(metadata: FileMetaData): FileMetaData {
  return {
    ...metadata,
    schema: metadata.schema.map((e) => {
      if (!isDecimal(e)) return e;
      const raw: SchemaElement = { ...e };
      delete raw.converted_type;
      delete raw.logical_type;
      return raw;
    }),
  };
}

/** Byte span of a row group's column chunks. */
function groupSpan(group: FileMetaData['row_groups'][number]): { start: number; end: number } {
  let start = Infinity;
  let end = 0;
  for (const c of group.columns) {
    const m = c.meta_data;
    if (m === undefined) continue;
    const s = Number(m.dictionary_page_offset || m.data_page_offset);
    start = Math.min(start, s);
    end = Math.max(end, s + Number(m.total_compressed_size));
  }
  return start === Infinity ? { start: 0, end: 0 } : { start, end };
}

/** A row group further than this past the bytes already hashed is read on its own (see `batches`). */
const MAX_GAP = 64 * 1024 * 1024;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  // allocUnsafeSlow: a buffer of its own (not the shared pool) whose ArrayBuffer hyparquet may keep.
  const buf = Buffer.allocUnsafeSlow(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
  return buf;
}

function toArrayBuffer(buf: Buffer, start = 0, end = buf.length): ArrayBuffer {
  const from = buf.byteOffset + start;
  return (buf.buffer as ArrayBuffer).slice(from, from + (end - start));
}

/**
 * The message of an error without Node's `, open '/path'` suffix (messages here say the path first).
 * Duck-typed: errors from Node's internals are not `instanceof Error` inside jest's sandbox.
 */
export function errorText(e: unknown): string {
  const message =
    typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
      ? (e as { message: string }).message
      : String(e);
  return message.replace(/, \w+ '[^']*'$/, '');
}

/**
 * Opens a Parquet file: reads its footer (schema, row groups) to fill `columns`. `batches()` then reads
 * the row groups in file order, hashing the file's bytes as it goes (the SHA-256 of {@link
 * ExportTable.digest} costs no second read when row groups are stored in order, as writers do).
 *
 * @throws Error naming `path` when it cannot be read or is not a Parquet file.
 */
export async function openParquetTable(
  path: string,
  options: ParquetTableOptions = {},
): Promise<ParquetTable> {
  const batchRows = options.batchRows ?? 4096;
  const chunkSize = options.chunkSize ?? 1024 * 1024;
  let handle: FileHandle;
  try {
    handle = options.handle ?? (await open(path, 'r'));
  } catch (e) {
    throw new Error(`cannot read ${path}: ${errorText(e)}`, { cause: e });
  }
  try {
    const { hp, compressors } = await loadHyparquet();
    const size = (await handle.stat()).size;
    if (size < 12) throw new Error(`${path}: not a Parquet file (${size} bytes)`);
    const tail = await readAt(handle, size - 8, 8);
    if (!tail.subarray(4).equals(PARQUET_MAGIC))
      throw new Error(`${path}: not a Parquet file (no PAR1 footer: truncated?)`);
    const footerLength = tail.readUInt32LE(0);
    if (footerLength > size - 12) throw new Error(`${path}: corrupt Parquet footer (length ${footerLength})`);
    let metadata: FileMetaData;
    try {
      metadata = hp.parquetMetadata(await readAt(handle, size - 8 - footerLength, footerLength + 8), {
        geoparquet: false,
      });
    } catch (e) {
      throw new Error(`${path}: corrupt Parquet footer: ${errorText(e)}`, { cause: e });
    }
    const tops = planColumns(hp.parquetSchema(metadata));
    const columns = tops.flatMap((t) => t.columns.map((c) => c.name));
    return new ParquetFile(path, handle, size, metadata, tops, columns, {
      hp,
      compressors,
      batchRows,
      chunkSize,
    });
  } catch (e) {
    if (options.handle === undefined) await handle.close().catch(() => undefined);
    throw e;
  }
}

class ParquetFile implements ParquetTable {
  readonly encoding = { kind: 'parquet', gzip: false } as const;
  private readonly hash = createHash('sha256');
  /** Bytes `[0, hashed)` are in {@link hash}. */
  private hashed = 0;
  private digestHex: string | undefined;
  private started = false;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly totalBytes: number,
    private readonly metadata: FileMetaData,
    private readonly tops: TopPlan[],
    readonly columns: readonly string[],
    private readonly opts: { hp: Hyparquet; compressors: Compressors; batchRows: number; chunkSize: number },
  ) {}

  bytesRead(): number {
    return this.hashed;
  }

  digest(): string {
    if (this.digestHex === undefined)
      throw new Error(`${this.path}: the digest is known only once batches() has read the whole file`);
    return this.digestHex;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  batches(onError: (e: ReadError) => void): AsyncIterable<ExportRow[]> {
    if (this.started) throw new Error(`${this.path}: batches() can be called only once`);
    this.started = true;
    return this.read(onError);
  }

  private async *read(onError: (e: ReadError) => void): AsyncGenerator<ExportRow[]> {
    try {
      const { hp, compressors, batchRows } = this.opts;
      const metadata = rawDecimals(this.metadata);
      let record = 0;
      for (const [g, group] of this.metadata.row_groups.entries()) {
        const rows = Number(group.num_rows);
        const first = record;
        record += rows;
        if (rows === 0) continue;
        const file = await this.groupBuffer(groupSpan(group)).catch((e: unknown) => {
          throw new Error(`cannot read ${this.path}: ${errorText(e)}`, { cause: e });
        });
        const data = new Map<string, { start: number; values: ArrayLike<unknown> }[]>();
        try {
          await hp.parquetRead({
            file,
            metadata,
            rowStart: first,
            rowEnd: first + rows,
            utf8: false,
            parsers: PARSERS,
            compressors,
            onChunk: (c: ColumnData) => {
              let list = data.get(c.columnName);
              if (list === undefined) data.set(c.columnName, (list = []));
              list.push({ start: c.rowStart - first, values: c.columnData as ArrayLike<unknown> });
            },
          });
        } catch (e) {
          onError({
            line: first + 1,
            reason: `row group ${g + 1} (records ${first + 1}–${first + rows}) cannot be read: ${errorText(e)}`,
          });
          continue;
        }
        yield* this.rows(data, first, rows, batchRows);
      }
      await this.hashRest().catch((e: unknown) => {
        throw new Error(`cannot read ${this.path}: ${errorText(e)}`, { cause: e });
      });
    } finally {
      await this.close();
    }
  }

  /** The group's rows as cells, in batches. */
  private *rows(
    data: Map<string, { start: number; values: ArrayLike<unknown> }[]>,
    first: number,
    count: number,
    batchRows: number,
  ): Generator<ExportRow[]> {
    const width = this.columns.length;
    const cols = this.tops.map((t) => joinChunks(data.get(t.name), count));
    for (let from = 0; from < count; from += batchRows) {
      const to = Math.min(count, from + batchRows);
      const batch: ExportRow[] = new Array(to - from);
      for (let r = from; r < to; r++) {
        const values = new Array<string | undefined>(width);
        for (let t = 0; t < this.tops.length; t++) {
          const top = this.tops[t]!;
          const v = cols[t]![r];
          let k = top.first;
          for (const c of top.columns) {
            let x: unknown = v;
            for (const name of c.path) x = x == null ? undefined : (x as Record<string, unknown>)[name];
            values[k++] = c.read(x);
          }
        }
        batch[r - from] = { line: first + r + 1, values };
      }
      yield batch;
    }
  }

  /**
   * An AsyncBuffer for reading one row group: the bytes from the end of what is hashed to the group's
   * end are read in one go and hashed, so the digest needs no second read. A group stored before
   * bytes already read, or far past them, is read on its own and hashed by {@link hashRest} later.
   */
  private async groupBuffer(span: { start: number; end: number }): Promise<AsyncBuffer> {
    let start = span.start;
    let window: Buffer;
    if (span.start >= this.hashed && span.end - this.hashed <= span.end - span.start + MAX_GAP) {
      start = this.hashed;
      window = await readAt(this.handle, start, span.end - start);
      this.hash.update(window);
      this.hashed = span.end;
    } else {
      window = await readAt(this.handle, start, Math.max(0, span.end - start));
    }
    const end = start + window.length;
    return {
      byteLength: this.totalBytes,
      slice: (s: number, e: number = this.totalBytes) => {
        if (s >= start && e <= end) return toArrayBuffer(window, s - start, e - start);
        return readAt(this.handle, s, e - s).then((b) => toArrayBuffer(b));
      },
    };
  }

  /** Hashes the bytes after the last row group (the footer) or all not yet hashed. */
  private async hashRest(): Promise<void> {
    while (this.hashed < this.totalBytes) {
      const n = Math.min(this.opts.chunkSize, this.totalBytes - this.hashed);
      this.hash.update(await readAt(this.handle, this.hashed, n));
      this.hashed += n;
    }
    this.digestHex = this.hash.digest('hex');
  }
}

/** One array over the group's rows from a column's chunks (usually just one). */
function joinChunks(
  chunks: { start: number; values: ArrayLike<unknown> }[] | undefined,
  count: number,
): ArrayLike<unknown> {
  if (chunks === undefined) return new Array<unknown>(count);
  if (chunks.length === 1 && chunks[0]!.start === 0) return chunks[0]!.values;
  const out = new Array<unknown>(count);
  for (const { start, values } of chunks) {
    for (let i = 0; i < values.length; i++)
      if (start + i >= 0 && start + i < count) out[start + i] = values[i];
  }
  return out;
}
