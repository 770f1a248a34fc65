/**
 * Streaming readers for cloud billing export files (CSV, CSV.gz, JSON lines, Parquet): see
 * {@link openExportTable}.
 *
 * @packageDocumentation
 */
export type { ExportRow, ExportTable, ReadError } from './table';
export { openExportTable } from './open';
export type { OpenExportOptions, OpenedExportTable } from './open';
export { CsvParser, DEFAULT_MAX_ROW_BYTES } from './csv';
export type { CsvParserOptions } from './csv';
export { JsonlParser } from './jsonl';
export type { JsonlParserOptions } from './jsonl';
export { decimalText, openParquetTable } from './parquet';
export type { ParquetTable, ParquetTableOptions } from './parquet';
