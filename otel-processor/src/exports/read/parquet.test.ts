import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { decimalText, openParquetTable } from './parquet';
import type { ExportRow, ReadError } from './table';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meterline-parquet-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a Parquet file with hyparquet-writer (ESM only: loaded the way the reader loads hyparquet). */
async function writeParquet(name: string, options: Record<string, unknown>): Promise<string> {
  const { parquetWriteFile } = await import('hyparquet-writer');
  const filename = join(dir, name);
  parquetWriteFile({ filename, ...options } as Parameters<typeof parquetWriteFile>[0]);
  return filename;
}

async function readAll(
  path: string,
  batchRows?: number,
): Promise<{ columns: readonly string[]; rows: ExportRow[]; batches: number; errors: ReadError[] }> {
  const table = await openParquetTable(path, { batchRows });
  const rows: ExportRow[] = [];
  const errors: ReadError[] = [];
  let batches = 0;
  for await (const batch of table.batches((e) => errors.push(e))) {
    batches++;
    rows.push(...batch);
  }
  expect(table.digest()).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
  expect(table.bytesRead()).toBe(table.totalBytes);
  return { columns: table.columns, rows, batches, errors };
}

/** A CUR-like file: exact decimals, 64-bit integers, timestamps, a struct, a map and a list. */
const BILLING = {
  rowGroupSize: 2,
  columnData: [
    { name: 'line_item_id', data: ['a', 'b', 'c'] },
    { name: 'unblended_cost', data: [123456789012345678901234567890n, -5n, null] },
    { name: 'usage_amount', data: [12345n, -1n, 0n] },
    { name: 'rate', data: [0.1, 1e21, 2.5] },
    { name: 'ratio', data: [0.1, 1.5, 3] },
    { name: 'bytes', data: [9007199254740993n, -1n, 0n] },
    { name: 'usage_start', data: [1717200000000n, 1717200000123n, null] },
    { name: 'usage_end', data: [1717200000000123n, 1717203600000000n, -1n] },
    { name: 'is_credit', data: [true, false, null] },
    {
      name: 'product',
      data: [{ region: 'us-east-1', family: 'Compute' }, null, { region: 'eu-west-1', family: null }],
    },
    { name: 'resource_tags', data: [{ 'user:team': 'payments', env: 'prod' }, {}, null] },
    { name: 'credits', data: [[1n, -250n], [], null] },
    { name: 'billing_day', data: [19875, 0, null] },
  ],
  schema: [
    { name: 'root', num_children: 13 },
    { name: 'line_item_id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    {
      name: 'unblended_cost',
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 16,
      converted_type: 'DECIMAL',
      precision: 38,
      scale: 18,
      repetition_type: 'OPTIONAL',
    },
    {
      name: 'usage_amount',
      type: 'INT64',
      converted_type: 'DECIMAL',
      precision: 18,
      scale: 4,
      repetition_type: 'REQUIRED',
    },
    { name: 'rate', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    { name: 'ratio', type: 'FLOAT', repetition_type: 'REQUIRED' },
    { name: 'bytes', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'usage_start', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' },
    {
      name: 'usage_end',
      type: 'INT64',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      repetition_type: 'REQUIRED',
    },
    { name: 'is_credit', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
    { name: 'product', repetition_type: 'OPTIONAL', num_children: 2 },
    { name: 'region', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'family', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'resource_tags', repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
    { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
    { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    { name: 'value', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'credits', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    {
      name: 'element',
      type: 'INT64',
      converted_type: 'DECIMAL',
      precision: 10,
      scale: 2,
      repetition_type: 'REQUIRED',
    },
    { name: 'billing_day', type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' },
  ],
};

describe('openParquetTable', () => {
  it('reads every type as exact text, row group after row group', async () => {
    const path = await writeParquet('billing.parquet', BILLING);
    const { columns, rows, batches, errors } = await readAll(path);
    expect(errors).toEqual([]);
    expect(columns).toEqual([
      'line_item_id',
      'unblended_cost',
      'usage_amount',
      'rate',
      'ratio',
      'bytes',
      'usage_start',
      'usage_end',
      'is_credit',
      'product.region',
      'product.family',
      'resource_tags',
      'credits',
      'billing_day',
    ]);
    // Two row groups (2 + 1 rows): a batch each, record numbers running on.
    expect(batches).toBe(2);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(rows.map((r) => [...r.values])).toEqual([
      [
        'a',
        '123456789012.345678901234567890',
        '1.2345',
        '0.1',
        '0.1',
        '9007199254740993',
        '2024-06-01T00:00:00.000Z',
        '2024-06-01T00:00:00.000123Z',
        'true',
        'us-east-1',
        'Compute',
        '{"user:team":"payments","env":"prod"}',
        '[0.01,-2.50]',
        '2024-06-01',
      ],
      [
        'b',
        '-0.000000000000000005',
        '-0.0001',
        '1e+21',
        '1.5',
        '-1',
        '2024-06-01T00:00:00.123Z',
        '2024-06-01T01:00:00.000Z',
        'false',
        undefined,
        undefined,
        '{}',
        '[]',
        '1970-01-01',
      ],
      [
        'c',
        undefined,
        '0.0000',
        '2.5',
        '3',
        '0',
        undefined,
        '1969-12-31T23:59:59.999999Z',
        undefined,
        'eu-west-1',
        undefined,
        undefined,
        undefined,
        undefined,
      ],
    ]);
  });

  it('splits a row group into batches of batchRows', async () => {
    const n = 10;
    const path = await writeParquet('many.parquet', {
      rowGroupSize: 7,
      columnData: [
        { name: 'i', data: Array.from({ length: n }, (_, i) => i) },
        { name: 'cost', data: Array.from({ length: n }, (_, i) => BigInt(i) * 3n) },
      ],
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'i', type: 'INT32', repetition_type: 'REQUIRED' },
        {
          name: 'cost',
          type: 'INT32',
          converted_type: 'DECIMAL',
          precision: 9,
          scale: 1,
          repetition_type: 'REQUIRED',
        },
      ],
    });
    const { rows, batches } = await readAll(path, 3);
    // Groups of 7 and 3 rows: 3 + 3 + 1, then 3.
    expect(batches).toBe(4);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows.map((r) => r.values[1])).toEqual([
      '0.0',
      '0.3',
      '0.6',
      '0.9',
      '1.2',
      '1.5',
      '1.8',
      '2.1',
      '2.4',
      '2.7',
    ]);
  });

  it.each(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI'])('reads %s pages', async (codec) => {
    const data = Array.from({ length: 500 }, (_, i) => `resource-${i % 7}-${'x'.repeat(i % 13)}`);
    const path = await writeParquet(`codec-${codec}.parquet`, {
      codec,
      compressors: { GZIP: (b: Uint8Array) => gzipSync(b), BROTLI: (b: Uint8Array) => brotliCompressSync(b) },
      columnData: [{ name: 'resource_id', data, type: 'STRING' }],
    });
    const { rows } = await readAll(path, 1000);
    expect(rows.map((r) => r.values[0])).toEqual(data);
  });

  it('names the file when it is not Parquet', async () => {
    const path = join(dir, 'fake.parquet');
    writeFileSync(path, 'PAR1 but not really a parquet file');
    await expect(openParquetTable(path)).rejects.toThrow(`${path}: not a Parquet file (no PAR1 footer`);
    await expect(openParquetTable(join(dir, 'missing.parquet'))).rejects.toThrow(
      `cannot read ${join(dir, 'missing.parquet')}: ENOENT`,
    );
  });

  it('can be closed without reading', async () => {
    const path = await writeParquet('closed.parquet', BILLING);
    const table = await openParquetTable(path);
    await table.close();
    expect(() => table.digest()).toThrow(/only once batches\(\) has read the whole file/);
  });
});

describe('decimalText', () => {
  it.each([
    [12345n, 2, '123.45'],
    [-12345n, 2, '-123.45'],
    [5n, 3, '0.005'],
    [-5n, 3, '-0.005'],
    [0n, 2, '0.00'],
    [7, 0, '7'],
    [123456789012345678901234567890123456789n, 38, '1.23456789012345678901234567890123456789'],
  ])('%s × 10^-%d is %s', (unscaled, scale, text) => {
    expect(decimalText(unscaled, scale)).toBe(text);
  });
});
