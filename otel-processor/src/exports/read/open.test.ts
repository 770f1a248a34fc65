import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openExportTable, type OpenExportOptions } from './open';
import type { ExportRow, ReadError } from './table';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meterline-open-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

async function readAll(path: string, options?: OpenExportOptions) {
  const table = await openExportTable(path, options);
  const rows: ExportRow[] = [];
  const errors: ReadError[] = [];
  let batches = 0;
  const progress: number[] = [];
  for await (const batch of table.batches((e) => errors.push(e))) {
    batches++;
    progress.push(table.bytesRead());
    rows.push(...batch);
  }
  return { table, rows, errors, batches, progress };
}

const FOCUS =
  '\uFEFFBilledCost,ServiceName,Tags\r\n' +
  '1.25,"Compute, Engine","{""team"":""payments""}"\r\n' +
  '0.000000000000000000000000001,Données 𝄞,\r\n' +
  '\r\n' +
  '2,"multi\nline",{}';

describe('openExportTable', () => {
  it('reads a CSV: header without BOM, rows with lines, digest and bytes of the file', async () => {
    const path = file('focus.csv', FOCUS);
    const { table, rows, errors } = await readAll(path);
    expect(table.encoding).toEqual({ kind: 'csv', gzip: false });
    expect(table.columns).toEqual(['BilledCost', 'ServiceName', 'Tags']);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [2, '1.25', 'Compute, Engine', '{"team":"payments"}'],
      [3, '0.000000000000000000000000001', 'Données 𝄞', ''],
      [5, '2', 'multi\nline', '{}'],
    ]);
    expect(errors).toEqual([]);
    expect(table.totalBytes).toBe(Buffer.byteLength(FOCUS));
    expect(table.bytesRead()).toBe(table.totalBytes);
    expect(table.digest()).toBe(sha256(path));
  });

  it('gives the same rows with tiny chunks, one batch per chunk that ends a row', async () => {
    const path = file('tiny.csv', FOCUS);
    const big = await readAll(path);
    for (const chunkSize of [1, 2, 3, 5, 8]) {
      const small = await readAll(path, { chunkSize });
      expect(small.table.columns).toEqual(big.table.columns);
      expect(small.rows).toEqual(big.rows);
      expect(small.table.digest()).toBe(sha256(path));
      // Progress grows, one batch per chunk that completed a row.
      expect(small.batches).toBeGreaterThan(1);
      expect([...small.progress].sort((a, b) => a - b)).toEqual(small.progress);
    }
  });

  it('decompresses gzip detected by its magic bytes, counting compressed bytes', async () => {
    const gz = gzipSync(Buffer.from(FOCUS), { level: 9 });
    for (const name of ['focus.csv.gz', 'focus-gzipped.csv']) {
      const path = file(name, gz);
      const { table, rows } = await readAll(path, { chunkSize: 16 });
      expect(table.encoding).toEqual({ kind: 'csv', gzip: true });
      expect(table.columns).toEqual(['BilledCost', 'ServiceName', 'Tags']);
      expect(rows.map((r) => r.values[1])).toEqual(['Compute, Engine', 'Données 𝄞', 'multi\nline']);
      expect(table.totalBytes).toBe(gz.length);
      expect(table.bytesRead()).toBe(gz.length);
      expect(table.digest()).toBe(sha256(path));
    }
  });

  it('reads concatenated gzip members as one file', async () => {
    const path = file('members.csv.gz', Buffer.concat([gzipSync('a,b\n1,2\n'), gzipSync('3,4\n')]));
    const { rows } = await readAll(path);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [2, '1', '2'],
      [3, '3', '4'],
    ]);
  });

  it('reads JSON lines detected by content, whatever the extension, and gzip-compressed', async () => {
    const jsonl = '\n{"cost":0.1234567890123456789,"service":{"description":"Compute Engine"}}\n{"cost":2}\n';
    for (const [name, content] of [
      ['export.txt', Buffer.from(jsonl)],
      ['export.jsonl.gz', gzipSync(jsonl)],
    ] as const) {
      const path = file(name, content);
      const { table, rows } = await readAll(path, { chunkSize: 7 });
      expect(table.encoding.kind).toBe('jsonl');
      expect(table.columns).toEqual(['cost', 'service.description']);
      expect(rows.map((r) => [r.line, ...r.values])).toEqual([
        [2, '0.1234567890123456789', 'Compute Engine'],
        [3, '2', undefined],
      ]);
      expect(table.digest()).toBe(sha256(path));
    }
  });

  it('counts JSON keys first met after the 1,000-record window', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => `{"a":${i + 1}}`);
    records[999] = '{"a":1000,"in":true}';
    const path = file('extra.jsonl', `${records.join('\n')}\n{"a":1001,"b":3}\n{"b":4,"in":false}\n`);
    const { table, rows, errors } = await readAll(path, { chunkSize: 1000 });
    expect(table.columns).toEqual(['a', 'in']);
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(1002);
    expect(rows.slice(999).map((r) => [r.line, ...r.values])).toEqual([
      [1000, '1000', 'true'],
      [1001, '1001', undefined],
      [1002, undefined, 'false'],
    ]);
    expect(table.ignoredKeys()).toEqual(new Map([['b', 2]]));
  });

  it('takes JSON columns from the window, known once open resolves (a null project first)', async () => {
    const jsonl = [
      '{"cost":-0.5,"project":null,"labels":null,"service":{"description":"Support"}}',
      '',
      '{"cost":0.1234567890123456789,"project":{"id":"p1","name":"One"},"labels":[{"key":"k","value":"v"}]}',
      '{"cost":1,"project":{"id":"p2","name":"Two"},"service":{"description":"Compute Engine"}}',
    ].join('\n');
    for (const [name, content] of [
      ['gcp.jsonl', Buffer.from(jsonl)],
      ['gcp.jsonl.gz', gzipSync(jsonl)],
    ] as const) {
      const path = file(name, content);
      const table = await openExportTable(path, { chunkSize: 16 });
      expect(table.columns).toEqual(['cost', 'project.id', 'project.name', 'labels', 'service.description']);
      const rows: ExportRow[] = [];
      for await (const batch of table.batches(() => undefined)) rows.push(...batch);
      expect(rows.map((r) => [r.line, ...r.values])).toEqual([
        [1, '-0.5', undefined, undefined, undefined, 'Support'],
        [3, '0.1234567890123456789', 'p1', 'One', '[{"key":"k","value":"v"}]', undefined],
        [4, '1', 'p2', 'Two', undefined, 'Compute Engine'],
      ]);
      expect(table.ignoredKeys().size).toBe(0);
      expect(table.digest()).toBe(sha256(path));
    }
  });

  it('reads only the JSON window before resolving, and keeps lines and errors right across it', async () => {
    const records: string[] = ['{"n":0.10,"p":null}', 'not json'];
    for (let i = 3; i <= 3000; i++) records.push(i === 1500 ? '' : `{"n":${i}.0,"p":{"id":"p${i}"}}`);
    const path = file('window.jsonl', records.join('\n') + '\n');
    const table = await openExportTable(path, { chunkSize: 256 });
    expect(table.columns).toEqual(['n', 'p.id']);
    // The first 1,000 records (lines 1 to 1001) and a chunk, not the whole file.
    expect(table.bytesRead()).toBeLessThan(table.totalBytes / 2);
    const rows: ExportRow[] = [];
    const errors: ReadError[] = [];
    for await (const batch of table.batches((e) => errors.push(e))) rows.push(...batch);
    expect(errors).toEqual([
      { line: 2, reason: 'invalid JSON: expected a JSON object, found "n" at column 1' },
    ]);
    expect(rows).toHaveLength(2998);
    expect(rows.map((r) => r.line)).toEqual(
      [1, ...Array.from({ length: 2998 }, (_, i) => i + 3)].filter((l) => l !== 1500),
    );
    expect(rows[0]!.values).toEqual(['0.10', undefined]);
    expect(rows.find((r) => r.line === 1001)!.values).toEqual(['1001.0', 'p1001']);
    expect(rows.find((r) => r.line === 1002)!.values).toEqual(['1002.0', 'p1002']);
    expect(table.ignoredKeys().size).toBe(0);
    expect(table.digest()).toBe(sha256(path));
  });

  it('uses the extension when the content does not decide', async () => {
    // A .jsonl file whose first line is broken is still JSON lines: the line is reported.
    const path = file('broken-start.jsonl', 'oops\n{"a":"1"}\n');
    const { table, rows, errors } = await readAll(path);
    expect(table.encoding.kind).toBe('jsonl');
    expect(table.columns).toEqual(['a']);
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(errors).toEqual([{ line: 1, reason: expect.stringMatching(/expected a JSON object/) }]);
  });

  it('honours kind over the content', async () => {
    const path = file('braces.csv', '{"a":1}\n{"a":2}\n');
    const { table, rows } = await readAll(path, { kind: 'csv' });
    expect(table.encoding.kind).toBe('csv');
    expect(table.columns).toEqual(['{"a":1}']);
    expect(rows.map((r) => r.values)).toEqual([['{"a":2}']]);
  });

  it('reads Parquet detected by its magic bytes', async () => {
    const { parquetWriteFile } = await import('hyparquet-writer');
    const path = join(dir, 'export.bin');
    parquetWriteFile({
      filename: path,
      columnData: [
        { name: 'cost', data: [1n, 2n] },
        { name: 'service', data: ['a', 'b'] },
      ],
      schema: [
        { name: 'root', num_children: 2 },
        {
          name: 'cost',
          type: 'INT64',
          converted_type: 'DECIMAL',
          precision: 18,
          scale: 6,
          repetition_type: 'REQUIRED',
        },
        { name: 'service', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      ],
    });
    const { table, rows } = await readAll(path);
    expect(table.encoding).toEqual({ kind: 'parquet', gzip: false });
    expect(table.columns).toEqual(['cost', 'service']);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, '0.000001', 'a'],
      [2, '0.000002', 'b'],
    ]);
    expect(table.ignoredKeys().size).toBe(0);
    expect(table.digest()).toBe(sha256(path));
  });

  it('reports bad rows met while reading the header once batches() starts', async () => {
    const path = file('bad-row.csv', 'a,b\n"x"y,1\n2,3\n4,"open\n');
    const { rows, errors } = await readAll(path);
    expect(errors).toEqual([
      { line: 2, reason: 'text after the closing quote of field 1' },
      { line: 4, reason: 'quote in field 2 never closed' },
    ]);
    expect(rows.map((r) => r.line)).toEqual([3]);
  });

  it('names the file in every error', async () => {
    const missing = join(dir, 'missing.csv');
    await expect(openExportTable(missing)).rejects.toThrow(
      `cannot read ${missing}: ENOENT: no such file or directory`,
    );
    const sub = join(dir, 'a-directory.csv');
    mkdirSync(sub);
    await expect(openExportTable(sub)).rejects.toThrow(`cannot read ${sub}: not a file`);
    const empty = file('empty.csv', '');
    await expect(openExportTable(empty)).rejects.toThrow(`${empty}: empty file (no header)`);
    const blank = file('blank.csv', '\uFEFF\r\n\n  \n');
    await expect(openExportTable(blank)).rejects.toThrow(`${blank}: empty file (no header)`);
    const blankGz = file('blank.csv.gz', gzipSync('\n\n'));
    await expect(openExportTable(blankGz)).rejects.toThrow(`${blankGz}: empty file (no header)`);
    const header = file('header.csv', 'a,"b\n1,2\n');
    await expect(openExportTable(header)).rejects.toThrow(
      `${header}: cannot read the header (line 1: quote in field 2 never closed)`,
    );
    const notParquet = file('x.parquet', 'a,b\n1,2\n');
    await expect(openExportTable(notParquet)).rejects.toThrow(
      `${notParquet}: not a Parquet file (no PAR1 magic)`,
    );
    const noRecord = file('bad.jsonl', '{"a":\n{oops}\n');
    await expect(openExportTable(noRecord)).rejects.toThrow(
      `${noRecord}: no JSON object record (line 1: invalid JSON`,
    );
  });

  it('fails the read naming the file when gzip data is corrupt', async () => {
    const gz = gzipSync(Buffer.from('a,b\n' + '1,2\n'.repeat(10_000)));
    gz[Math.floor(gz.length / 2)]! ^= 0xff;
    const path = file('corrupt.csv.gz', gz);
    const table = await openExportTable(path, { chunkSize: 64 });
    await expect(
      (async () => {
        for await (const _ of table.batches(() => undefined));
      })(),
    ).rejects.toThrow(`cannot read ${path}: gzip:`);
  });

  it('allows batches() once, and a digest only after the whole file', async () => {
    const path = file('once.csv', 'a\n1\n2\n');
    const table = await openExportTable(path, { chunkSize: 2 });
    expect(() => table.digest()).toThrow(
      `${path}: the digest is known only once batches() has read the whole file`,
    );
    const batches = table.batches(() => undefined);
    expect(() => table.batches(() => undefined)).toThrow(`${path}: batches() can be called only once`);
    for await (const _ of batches);
    expect(table.digest()).toBe(sha256(path));
  });

  it('closes the file when the reader stops early', async () => {
    const path = file('early.csv', 'a\n' + '1\n'.repeat(1000));
    const table = await openExportTable(path, { chunkSize: 16 });
    for await (const batch of table.batches(() => undefined)) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(table.bytesRead()).toBeLessThan(table.totalBytes);
    await table.close();
  });
});
