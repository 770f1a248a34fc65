/**
 * The contract of a provider export format: recognise a header, then map each row to a {@link Charge}.
 *
 * @packageDocumentation
 */
import type { Charge, MappedRow } from '../charge';

/** Formats `meterline import --format` accepts (`auto` detects from the header). */
export type ExportFormatId = 'focus' | 'aws-cur' | 'aws-cur2' | 'gcp' | 'azure';

/** Options a format's mapper may use (from the command line). */
export interface FormatOptions {
  /**
   * Azure only: whether the export is `actual` (purchases billed when bought) or `amortized`
   * (commitments spread over their usage). Both have the same header; the default is `actual`.
   */
  azureCostType?: 'actual' | 'amortized';
}

/** How well a header matched a format. */
export type Detection =
  | { ok: true; /** e.g. `FOCUS 1.2`, `AWS CUR 2.0`, `Azure MCA (camelCase)`. */ variant: string }
  | { ok: false; /** mandatory columns the header lacks, for the error message */ missing: string[] };

/** Maps the rows of one table; compiled once per header (column lookups by index, not by name). */
export interface RowMapper {
  /**
   * The column indexes {@link map} (and `tags()`) ever read, when the mapper knows them: readers may
   * then skip decoding the others. Absent: every column is read.
   */
  readonly columns?: readonly number[];
  /**
   * Maps one row (values aligned with the header).
   * @throws RowError naming the column and value it cannot read; the pipeline reports it with the line.
   */
  map(values: readonly (string | undefined)[]): MappedRow;
}

/** A provider export format. */
export interface ExportFormat {
  readonly id: ExportFormatId;
  /** Human name for messages, e.g. `FOCUS 1.0–1.3`. */
  readonly name: string;
  /** Whether `columns` (the header as read, BOM removed) is this format. */
  detect(columns: readonly string[]): Detection;
  /**
   * The row mapper for `columns` (only called when {@link detect} said ok). With `fields`, the caller
   * reads only those fields of the charge: a mapper may leave the others `''`/`'0'`/`0` and not read
   * their columns at all (the import needs no descriptions, names, resource ids or period ends).
   */
  compile(columns: readonly string[], options: FormatOptions, fields?: ReadonlySet<keyof Charge>): RowMapper;
}
