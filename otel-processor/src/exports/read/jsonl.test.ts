import {
  DEFAULT_JSONL_WINDOW_BYTES,
  DEFAULT_JSONL_WINDOW_RECORDS,
  JsonlParser,
  type JsonlParserOptions,
} from './jsonl';
import type { ExportRow, ReadError } from './table';

function parse(
  input: string,
  chunkSize = Infinity,
  options: JsonlParserOptions = {},
): { columns: string[] | undefined; rows: ExportRow[]; errors: ReadError[]; ignored: Map<string, number> } {
  const bytes = Buffer.from(input, 'utf8');
  const errors: ReadError[] = [];
  const rows: ExportRow[] = [];
  const parser = new JsonlParser((e) => errors.push(e), options);
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

  it('places later records by key whatever their order, and counts keys met after the window', () => {
    const input = [
      '{"a":1,"b":{"c":"x","d":true},"e":null}',
      '{"e":"later","b":{"d":false,"new":1},"a":-2.50,"extra":[1,2]}',
      '{"a":3}',
      '{"extra":{"deep":1},"a":4}',
    ].join('\n');
    // A window of one record: the columns are the first record's.
    const { columns, rows, errors, ignored } = parse(input, Infinity, { windowRecords: 1 });
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

  it('keeps an object met after the window as JSON text where the window had a scalar or null', () => {
    const { columns, rows } = parse(
      '{"project":null,"x":{}}\n{"project":{"id":"p1","n":1.10},"x":{"y":2}}\n',
      Infinity,
      { windowRecords: 1 },
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
    const { rows, errors } = parse(`{"a":"1"}\n{"a":"${'x'.repeat(300)}"}\n{"a":"3"}\n`, 32, {
      maxLineBytes: 100,
    });
    expect(errors).toEqual([{ line: 2, reason: 'line longer than 100 bytes' }]);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, '1'],
      [3, '3'],
    ]);
  });
});

describe('JsonlParser read-ahead window', () => {
  it('takes the columns from the union of the window records (a null project first)', () => {
    const input = [
      '{"cost":-1.5,"project":null,"labels":null,"location":null,"credits":[],"service":{"id":"s0"}}',
      '{"cost":0.1234567890123456789,"project":{"id":"p1","name":"One"},"labels":[{"key":"k","value":"v"}],' +
        '"location":{"region":"us-east1"},"credits":[{"amount":-0.10}],"service":{"id":"s1"}}',
      '{"project":{"name":"Two","id":"p2","number":"42"},"cost":2E3,"location":null}',
    ].join('\n');
    const { columns, rows, errors, ignored } = parse(input);
    expect(errors).toEqual([]);
    expect(ignored).toEqual(new Map());
    // First-seen order, a key's dotted columns where the key was first seen; no bare project/location.
    expect(columns).toEqual([
      'cost',
      'project.id',
      'project.name',
      'project.number',
      'labels',
      'location.region',
      'credits',
      'service.id',
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(record(columns, rows[0])).toEqual({
      cost: '-1.5',
      'project.id': undefined,
      'project.name': undefined,
      'project.number': undefined,
      labels: undefined,
      'location.region': undefined,
      credits: '[]',
      'service.id': 's0',
    });
    expect(record(columns, rows[1])).toEqual({
      cost: '0.1234567890123456789',
      'project.id': 'p1',
      'project.name': 'One',
      'project.number': undefined,
      labels: '[{"key":"k","value":"v"}]',
      'location.region': 'us-east1',
      credits: '[{"amount":-0.10}]',
      'service.id': 's1',
    });
    expect(record(columns, rows[2])).toMatchObject({
      cost: '2E3',
      'project.id': 'p2',
      'project.name': 'Two',
      'project.number': '42',
      'location.region': undefined,
    });
  });

  it('keeps the bare column of a key that is an object in one record only if another has a scalar', () => {
    const input = [
      '{"p":"legacy","q":null,"e":{}}',
      '{"p":{"id":"p1"},"q":{"a":{"b":null}},"e":{"f":true}}',
      '{"p":[1,2],"q":{"a":{"b":{"c":1.0}}},"e":{}}',
      '{"p":null,"q":{"a":null}}',
    ].join('\n');
    const { columns, rows, ignored } = parse(input);
    expect(columns).toEqual(['p', 'p.id', 'q.a.b.c', 'e.f']);
    expect(rows.map((r) => [...r.values])).toEqual([
      ['legacy', undefined, undefined, undefined],
      [undefined, 'p1', undefined, 'true'],
      ['[1,2]', undefined, '1.0', undefined],
      [undefined, undefined, undefined, undefined],
    ]);
    expect(ignored).toEqual(new Map());
  });

  it('keeps a column for a key only null or {} in the window', () => {
    const { columns, rows } = parse('{"a":null,"b":{}}\n{"a":null,"b":null}\n');
    expect(columns).toEqual(['a', 'b']);
    expect(rows.map((r) => [...r.values])).toEqual([
      [undefined, '{}'],
      [undefined, undefined],
    ]);
  });

  it('ignores and counts keys first met after the window (records limit)', () => {
    const lines = [
      '{"a":1,"p":null}',
      '{"a":2,"p":{"id":"x"},"b":"in"}',
      '{"a":3,"c":"out","p":{"id":"y","z":1}}',
    ];
    lines.push('{"a":4,"c":{"d":1},"p":null}', '{"a":5,"p":"scalar"}');
    const { columns, rows, errors, ignored } = parse(lines.join('\n'), Infinity, { windowRecords: 2 });
    expect(errors).toEqual([]);
    expect(columns).toEqual(['a', 'p.id', 'b']);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, '1', undefined, undefined],
      [2, '2', 'x', 'in'],
      [3, '3', 'y', undefined],
      [4, '4', undefined, undefined],
      [5, '5', undefined, undefined],
    ]);
    // A null where the window saw an object loses nothing: not counted; a scalar there is.
    expect(ignored).toEqual(
      new Map([
        ['c', 1],
        ['p.z', 1],
        ['c.d', 1],
        ['p', 1],
      ]),
    );
  });

  it('reads the default window: 1,000 records', () => {
    const lines: string[] = [];
    for (let i = 1; i <= DEFAULT_JSONL_WINDOW_RECORDS + 2; i++) lines.push(`{"n":${i}}`);
    lines[DEFAULT_JSONL_WINDOW_RECORDS - 1] = '{"n":1000,"last_in":true}';
    lines[DEFAULT_JSONL_WINDOW_RECORDS] = '{"n":1001,"first_out":true}';
    const { columns, rows, ignored } = parse(lines.join('\n'), 4096);
    expect(columns).toEqual(['n', 'last_in']);
    expect(rows).toHaveLength(DEFAULT_JSONL_WINDOW_RECORDS + 2);
    expect(rows[999]).toEqual({ line: 1000, values: ['1000', 'true'] });
    expect(rows[1000]).toEqual({ line: 1001, values: ['1001', undefined] });
    expect(ignored).toEqual(new Map([['first_out', 1]]));
  });

  it('reads the default window: the lines starting in the first 4 MiB', () => {
    // Lines of 1 MiB: the fifth starts past 4 MiB, the fourth before.
    const big = 'x'.repeat(1024 * 1024);
    const lines = [1, 2, 3].map((i) => `{"n":${i},"s":"${big}"}`);
    lines.push(`{"n":4,"in":1,"s":"${big}"}`, '{"n":5,"out":1}');
    const input = lines.join('\n');
    expect(Buffer.byteLength(input) - lines[4]!.length - 1).toBeGreaterThan(DEFAULT_JSONL_WINDOW_BYTES);
    const { columns, rows, ignored } = parse(input, 256 * 1024);
    expect(columns).toEqual(['n', 's', 'in']);
    expect(rows.map((r) => [r.line, r.values[0], r.values[2]])).toEqual([
      [1, '1', undefined],
      [2, '2', undefined],
      [3, '3', undefined],
      [4, '4', '1'],
      [5, '5', undefined],
    ]);
    expect(ignored).toEqual(new Map([['out', 1]]));
  });

  it('counts the window in input bytes: lines that start before windowBytes', () => {
    // Offsets: line 1 at 0 (BOM 3 bytes, 9, CRLF), line 2 (blank) at 14, line 3 at 16, line 4 at 28.
    const input = '\uFEFF{"a":"1"}\r\n\r\n{"b":"22"}\r\n{"c":"3"}\n';
    for (const [windowBytes, columns] of [
      [0, ['a']],
      [16, ['a']],
      [17, ['a', 'b']],
      [28, ['a', 'b']],
      [29, ['a', 'b', 'c']],
    ] as const) {
      for (const chunk of [1, 5, Infinity]) {
        const got = parse(input, chunk, { windowBytes });
        expect({ windowBytes, chunk, columns: got.columns }).toEqual({ windowBytes, chunk, columns });
        expect(got.rows.map((r) => r.line)).toEqual([1, 3, 4]);
      }
    }
  });

  it('waits for a record however much junk comes first', () => {
    const input = 'junk\n'.repeat(10) + '{"a":1}\n{"a":2,"b":3}\n';
    const { columns, rows, errors, ignored } = parse(input, Infinity, { windowBytes: 8 });
    expect(errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(columns).toEqual(['a']);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [11, '1'],
      [12, '2'],
    ]);
    expect(ignored).toEqual(new Map([['b', 1]]));
  });

  it('reports an invalid line inside the window with its line, adding no key, and emits the others', () => {
    const input = [
      '{"a":1}',
      '{"a":2,"broken":{"x":1}',
      '',
      '{"a":3,"b":{"c":0.10}}',
      '[1]',
      '{"a":4,"d":1} x',
      '{"a":5,"e":1}',
      '{"a":6,"f":1}',
    ].join('\n');
    const { columns, rows, errors, ignored } = parse(input, Infinity, { windowRecords: 3 });
    expect(columns).toEqual(['a', 'b.c', 'e']);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, '1', undefined, undefined],
      [4, '3', '0.10', undefined],
      [7, '5', undefined, '1'],
      [8, '6', undefined, undefined],
    ]);
    expect(errors).toEqual([
      { line: 2, reason: "invalid JSON: expected ',' or '}', found end of line at column 24" },
      { line: 5, reason: 'invalid JSON: expected a JSON object, found "[" at column 1' },
      { line: 6, reason: 'invalid JSON: expected end of line after the object, found "x" at column 15' },
    ]);
    expect(ignored).toEqual(new Map([['f', 1]]));
  });

  it('undoes what a line broken in the window added to the keys', () => {
    const input = [
      '{"p":{"id":"a"},"q":null}',
      '{"p":"scalar","q":{"r":1},"new":1,"x"}',
      '{"p":{"id":"b"}}',
      '{"p":"late","q":{"r":2},"new":2}',
    ].join('\n');
    const { columns, rows, errors, ignored } = parse(input, Infinity, { windowRecords: 2 });
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [2, 'invalid JSON: expected \':\', found "}" at column 38'],
    ]);
    expect(columns).toEqual(['p.id', 'q']);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, 'a', undefined],
      [3, 'b', undefined],
      [4, undefined, '{"r":2}'],
    ]);
    expect(ignored).toEqual(
      new Map([
        ['p', 1],
        ['new', 1],
      ]),
    );
  });

  it('holds the rows back until the window is read, then gives them in file order', () => {
    const errors: ReadError[] = [];
    const parser = new JsonlParser((e) => errors.push(e), { windowRecords: 3 });
    const out: ExportRow[] = [];
    parser.push(Buffer.from('{"a":1}\n\n{"a":2,"b":{"c":1}}\nbad\n'), out);
    expect(parser.columns).toBeUndefined();
    expect(out).toEqual([]);
    expect(errors.map((e) => e.line)).toEqual([4]);
    parser.push(Buffer.from('{"b":null,"a":3}\n{"a":4'), out);
    expect(parser.columns).toEqual(['a', 'b.c']);
    expect(out).toEqual([
      { line: 1, values: ['1', undefined] },
      { line: 3, values: ['2', '1'] },
      { line: 5, values: ['3', undefined] },
    ]);
    parser.push(Buffer.from('}\n'), out);
    parser.end(out);
    expect(out.map((r) => r.line)).toEqual([1, 3, 5, 6]);
  });

  it('ends the window at the end of the input, with a last line without newline', () => {
    const errors: ReadError[] = [];
    const parser = new JsonlParser((e) => errors.push(e));
    const out: ExportRow[] = [];
    parser.push(Buffer.from('{"a":null}\n{"a":{"b":1}}\n{"a":{"c":2'), out);
    expect(parser.columns).toBeUndefined();
    parser.push(Buffer.from('}}'), out);
    expect(parser.columns).toBeUndefined();
    parser.end(out);
    expect(parser.columns).toEqual(['a.b', 'a.c']);
    expect(out.map((r) => [r.line, ...r.values])).toEqual([
      [1, undefined, undefined],
      [2, '1', undefined],
      [3, undefined, '2'],
    ]);
    expect(errors).toEqual([]);
  });

  it('has no columns when no line is a JSON object', () => {
    const { columns, rows, errors } = parse('x\n[1]\n\n');
    expect(columns).toBeUndefined();
    expect(rows).toEqual([]);
    expect(errors.map((e) => e.line)).toEqual([1, 2]);
  });

  it('keeps numbers exact and lines right on both sides of the window, whatever the chunk size', () => {
    const input = [
      '\uFEFF{"cost":0.1234567890123456789,"p":null}',
      '',
      '{"cost":-0.000000000000000000000000001,"p":{"id":"é𝄞"},"u":{"n":1E400}}',
      'oops',
      '{"cost":12345678901234567890.5,"p":{"id":"b"},"u":{"n":-0}}\r',
      '{"cost":1e-7,"p":{"id":"c","new":1}}',
      '',
      '{"u":{"n":3.000}}',
    ].join('\n');
    const whole = parse(input, Infinity, { windowRecords: 2 });
    expect(whole.columns).toEqual(['cost', 'p.id', 'u.n']);
    expect(whole.rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, '0.1234567890123456789', undefined, undefined],
      [3, '-0.000000000000000000000000001', 'é𝄞', '1E400'],
      [5, '12345678901234567890.5', 'b', '-0'],
      [6, '1e-7', 'c', undefined],
      [8, undefined, undefined, '3.000'],
    ]);
    expect(whole.errors.map((e) => e.line)).toEqual([4]);
    expect(whole.ignored).toEqual(new Map([['p.new', 1]]));
    const size = Buffer.byteLength(input);
    for (let chunk = 1; chunk <= size; chunk += chunk < 40 ? 1 : 7) {
      for (const windowBytes of [DEFAULT_JSONL_WINDOW_BYTES, 60]) {
        const got = parse(input, chunk, { windowRecords: 2, windowBytes });
        expect({ chunk, ...got }).toEqual({ chunk, ...whole });
      }
    }
  });
});
