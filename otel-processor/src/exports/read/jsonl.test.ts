import { JsonlParser } from './jsonl';
import type { ExportRow, ReadError } from './table';

function parse(
  input: string,
  chunkSize = Infinity,
  maxLineBytes?: number,
): { columns: string[] | undefined; rows: ExportRow[]; errors: ReadError[]; ignored: Map<string, number> } {
  const bytes = Buffer.from(input, 'utf8');
  const errors: ReadError[] = [];
  const rows: ExportRow[] = [];
  const parser = new JsonlParser((e) => errors.push(e), { maxLineBytes });
  const step = Math.min(chunkSize, Math.max(bytes.length, 1));
  for (let i = 0; i < bytes.length; i += step) parser.push(Buffer.from(bytes.subarray(i, i + step)), rows);
  parser.end(rows);
  return { columns: parser.columns, rows, errors, ignored: new Map(parser.ignoredKeys) };
}

/** The row as a column → value object, to assert on names rather than positions. */
function record(
  columns: string[] | undefined,
  row: ExportRow | undefined,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  columns!.forEach((c, i) => (out[c] = row!.values[i]));
  return out;
}

const GCP =
  '{"billing_account_id":"01A2B3-C4D5E6-F7G8H9","service":{"id":"6F81-5844-456A","description":"Compute Engine"},' +
  '"sku":{"id":"2E27-4F75-95CD","description":"N1 Predefined Instance Core running in Americas"},' +
  '"usage_start_time":"2024-06-01T00:00:00Z","project":{"id":"my-proj","labels":[]},' +
  '"labels":[{"key":"team","value":"payments"}],' +
  '"credits":[{"name":"Sustained use","amount":-0.12,"type":"SUSTAINED_USAGE_DISCOUNT"}],' +
  '"cost":0.1234567890123456789,"currency":"USD","usage":{"amount":3600,"unit":"seconds","amount_in_pricing_units":1E0},' +
  '"adjustment_info":null,"is_correction":false,"cost_at_list":1e-7}';

describe('JsonlParser', () => {
  it('flattens the first record into columns, keeping numbers as their exact text', () => {
    const { columns, rows, errors } = parse(`${GCP}\n`);
    expect(errors).toEqual([]);
    expect(columns).toEqual([
      'billing_account_id',
      'service.id',
      'service.description',
      'sku.id',
      'sku.description',
      'usage_start_time',
      'project.id',
      'project.labels',
      'labels',
      'credits',
      'cost',
      'currency',
      'usage.amount',
      'usage.unit',
      'usage.amount_in_pricing_units',
      'adjustment_info',
      'is_correction',
      'cost_at_list',
    ]);
    const r = record(columns, rows[0]);
    expect(r['cost']).toBe('0.1234567890123456789');
    expect(r['cost_at_list']).toBe('1e-7');
    expect(r['usage.amount_in_pricing_units']).toBe('1E0');
    expect(r['usage.amount']).toBe('3600');
    expect(r['service.description']).toBe('Compute Engine');
    // Arrays stay JSON text exactly as written (their numbers too).
    expect(r['labels']).toBe('[{"key":"team","value":"payments"}]');
    expect(r['credits']).toBe('[{"name":"Sustained use","amount":-0.12,"type":"SUSTAINED_USAGE_DISCOUNT"}]');
    expect(r['project.labels']).toBe('[]');
    expect(r['adjustment_info']).toBeUndefined();
    expect(r['is_correction']).toBe('false');
    expect(rows[0]!.line).toBe(1);
  });

  it('places later records by key whatever their order, and counts keys the first record lacked', () => {
    const input = [
      '{"a":1,"b":{"c":"x","d":true},"e":null}',
      '{"e":"later","b":{"d":false,"new":1},"a":-2.50,"extra":[1,2]}',
      '{"a":3}',
      '{"extra":{"deep":1},"a":4}',
    ].join('\n');
    const { columns, rows, errors, ignored } = parse(input);
    expect(errors).toEqual([]);
    expect(columns).toEqual(['a', 'b.c', 'b.d', 'e']);
    expect(rows.map((r) => [...r.values])).toEqual([
      ['1', 'x', 'true', undefined],
      ['-2.50', undefined, 'false', 'later'],
      ['3', undefined, undefined, undefined],
      ['4', undefined, undefined, undefined],
    ]);
    expect(ignored).toEqual(
      new Map([
        ['b.new', 1],
        ['extra', 1],
        ['extra.deep', 1],
      ]),
    );
  });

  it('keeps an object as JSON text where the first record had a scalar or null', () => {
    const { columns, rows } = parse(
      '{"project":null,"x":{}}\n{"project":{"id":"p1","n":1.10},"x":{"y":2}}\n',
    );
    expect(columns).toEqual(['project', 'x']);
    expect(rows[0]!.values).toEqual([undefined, '{}']);
    expect(rows[1]!.values).toEqual(['{"id":"p1","n":1.10}', '{"y":2}']);
  });

  it('decodes string escapes, including surrogate pairs', () => {
    const { rows } = parse('{"s":"a\\"b\\\\c\\u00e9\\ud834\\udd1e\\n","k\\u0031":"v"}\n');
    expect(rows[0]!.values).toEqual(['a"b\\cé𝄞\n', 'v']);
  });

  it('reports lines that are not JSON objects with their line number, and reads on', () => {
    const input = [
      '{"a":1,"b":"x"}',
      '{"a":2,"b":"y"',
      '',
      '[1,2]',
      '{"a":01}',
      '{"a":1,}',
      '{"a":1} trailing',
      '{"a":"tab\there"}',
      '{"a":1.}',
      '{"a":tru}',
      '{"a":"\\x"}',
      '{"a":NaN}',
      '{"a":3,"b":"z"}',
    ].join('\n');
    const { rows, errors } = parse(input);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, '1', 'x'],
      [13, '3', 'z'],
    ]);
    expect(errors.map((e) => e.line)).toEqual([2, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(errors[0]!.reason).toMatch(/^invalid JSON: expected ',' or '}', found end of line at column 15$/);
    expect(errors[1]!.reason).toMatch(/expected a JSON object/);
  });

  it('takes the columns from the first line that is an object', () => {
    const { columns, rows, errors } = parse('not json\n{"a":"1"}\n');
    expect(errors.map((e) => e.line)).toEqual([1]);
    expect(columns).toEqual(['a']);
    expect(rows.map((r) => r.line)).toEqual([2]);
  });

  it('skips blank lines, reads CRLF, a BOM and a last line without a newline', () => {
    const { columns, rows, errors } = parse('\uFEFF{"a":"1"}\r\n\r\n  \n{"a":"2"}\r\n{"a":"3"}');
    expect(errors).toEqual([]);
    expect(columns).toEqual(['a']);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, '1'],
      [4, '2'],
      [5, '3'],
    ]);
  });

  it('gives the same result for every chunk size (multi-byte characters split)', () => {
    const input = `\uFEFF${GCP}\r\n{"cost":"€5 𝄞","labels":[{"key":"é","value":"ü"}]}\nbad 𝄞\n{"cost":9.99}`;
    const whole = parse(input);
    expect(whole.rows).toHaveLength(3);
    expect(record(whole.columns, whole.rows[1])['cost']).toBe('€5 𝄞');
    expect(whole.errors.map((e) => e.line)).toEqual([3]);
    const size = Buffer.byteLength(input);
    for (let chunk = 1; chunk <= size; chunk += chunk < 40 ? 1 : 7) {
      const got = parse(input, chunk);
      expect({ chunk, ...got }).toEqual({ chunk, ...whole });
    }
  });

  it('reports and skips a line longer than maxLineBytes', () => {
    const { rows, errors } = parse(`{"a":"1"}\n{"a":"${'x'.repeat(300)}"}\n{"a":"3"}\n`, 32, 100);
    expect(errors).toEqual([{ line: 2, reason: 'line longer than 100 bytes' }]);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, '1'],
      [3, '3'],
    ]);
  });
});
