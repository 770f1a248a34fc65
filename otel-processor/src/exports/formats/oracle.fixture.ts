/**
 * The fixture oracle the format tests share: csv-parse reads a fixture (a parser independent of the
 * import's own reader), each row is mapped as the import pipeline maps it, and decimal.js sums the
 * mapped cost text exactly, to compare with the fixture's `<name>.expected.json`.
 *
 * Test support only (`*.fixture.ts` is left out of the package build): it uses jest's global `expect`.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import Decimal from 'decimal.js';
import { RowError, type MappedRow } from '../charge';
import type { ExportFormat, FormatOptions } from './format';

/** Sums well past any fixture's digits, so a total is exact. */
const Exact = Decimal.clone({ precision: 100 });

/** What a fixture must map to: `<name>.expected.json`. */
export interface Expected {
  format: string;
  variant: string;
  /** Passed to `compile` (e.g. Azure's cost type); none means `{}`. */
  options?: FormatOptions;
  /** How many rows import. */
  rows: number;
  /** The rows rejected: the 1-based line each starts on and the column its RowError names. */
  rejected: { line: number; column: string }[];
  /** Exact per-currency sums of the imported rows' costs. */
  totals: Record<string, { billed: string; effective: string; list: string }>;
}

/** A fixture's header and its records, each with the 1-based line its first character is on. */
export interface FixtureTable {
  columns: string[];
  records: { line: number; values: (string | undefined)[] }[];
}

/** A CSV fixture (gunzipped if `.gz`, BOM removed) read by csv-parse, with the line each record starts on. */
export function readFixtureCsv(path: string): FixtureTable {
  let bytes = readFileSync(path);
  if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
  // With `raw`, csv-parse returns { record, raw } per record (its typings only know plain records).
  const parsed = parse(bytes, { bom: true, raw: true, relax_column_count: true }) as unknown as {
    record: string[];
    raw: string;
  }[];
  let line = 1;
  const out: FixtureTable['records'] = [];
  for (const { record, raw } of parsed) {
    out.push({ line, values: record });
    // Every line break of the record (its own, and any inside quoted fields) moves the next one down.
    line += (raw.match(/\r\n|\r|\n/g) ?? []).length;
  }
  const [header, ...records] = out;
  return { columns: header!.values as string[], records };
}

/** The expectations at `path` (a `<name>.expected.json`). */
export function expectedOf(path: string): Expected {
  return JSON.parse(readFileSync(path, 'utf8')) as Expected;
}

/** Maps every record of a fixture as the import pipeline does (map, then tags) and checks it against its expectations. */
export function checkFixture(format: ExportFormat, table: FixtureTable, expected: Expected): void {
  expect(format.id).toBe(expected.format);
  expect(format.detect(table.columns)).toEqual({ ok: true, variant: expected.variant });
  const mapper = format.compile(table.columns, expected.options ?? {});
  const totals = new Map<string, { billed: Decimal; effective: Decimal; list: Decimal }>();
  const rejected: { line: number; column: string | undefined }[] = [];
  let rows = 0;
  for (const { line, values } of table.records) {
    let mapped: MappedRow;
    try {
      mapped = mapper.map(values);
      mapped.tags();
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      rejected.push({ line, column: err.column });
      continue;
    }
    rows++;
    const c = mapped.charge;
    const t = totals.get(c.currency) ?? { billed: new Exact(0), effective: new Exact(0), list: new Exact(0) };
    totals.set(c.currency, {
      billed: t.billed.plus(c.billedCost),
      effective: t.effective.plus(c.effectiveCost),
      list: t.list.plus(c.listCost),
    });
  }
  // Strict: a RowError without a column matches neither '' nor a missing `column`.
  expect(rejected).toStrictEqual(expected.rejected);
  expect(rows).toBe(expected.rows);
  const actual = Object.fromEntries(
    [...totals].map(([currency, t]) => [
      currency,
      { billed: t.billed.toFixed(), effective: t.effective.toFixed(), list: t.list.toFixed() },
    ]),
  );
  const wanted = Object.fromEntries(
    Object.entries(expected.totals).map(([currency, t]) => [
      currency,
      {
        billed: new Exact(t.billed).toFixed(),
        effective: new Exact(t.effective).toFixed(),
        list: new Exact(t.list).toFixed(),
      },
    ]),
  );
  // The same currencies, each with the same three sums.
  expect(actual).toEqual(wanted);
}
