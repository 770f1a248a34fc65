/**
 * What every export reader (CSV, CSV.gz, JSON lines, Parquet) produces: the column names once, then the
 * rows in file order, in batches, each with the line (or record) number it came from, so a row that
 * cannot be read is reported where the user can find it.
 *
 * @packageDocumentation
 */

/** One row: values aligned with {@link ExportTable.columns} (`undefined` past the row's last field). */
export interface ExportRow {
  /** 1-based line of the row's first character (CSV: a quoted field may span lines); record number for Parquet. */
  line: number;
  values: readonly (string | undefined)[];
}

/** A row the reader itself could not read (e.g. an unterminated quote, invalid JSON on a line). */
export interface ReadError {
  line: number;
  reason: string;
}

/** How {@link ExportTable.batches} reads. */
export interface BatchOptions {
  /**
   * The column indexes the consumer reads: a reader may leave the other values `undefined` rather than
   * decode them (the CSV reader does). A hint: values outside it may still be there.
   */
  columns?: readonly number[];
}

/** An export file opened for streaming. */
export interface ExportTable {
  /** The file as given. */
  readonly path: string;
  /** `csv`, `jsonl` or `parquet`, and whether it was gzip-compressed. */
  readonly encoding: { kind: 'csv' | 'jsonl' | 'parquet'; gzip: boolean };
  /** Column names: the CSV header (BOM removed), flattened JSON keys (`service.description`), Parquet schema names. */
  readonly columns: readonly string[];
  /** Size of the file on disk, bytes. */
  readonly totalBytes: number;
  /** Bytes of the file consumed so far (compressed bytes for gzip): drives progress and rates. */
  bytesRead(): number;
  /**
   * The rows in file order, in batches (one per chunk read). Rows the reader cannot read are reported
   * to `onError` and skipped; reading continues.
   */
  batches(onError: (e: ReadError) => void, options?: BatchOptions): AsyncIterable<ExportRow[]>;
  /** SHA-256 (hex) of the file's bytes as read from disk: complete once {@link batches} finished. */
  digest(): string;
}
