import { CsvParser } from './csv';
import type { ExportRow, ReadError } from './table';

/** Parses `input` pushed in chunks of `chunkSize` bytes; returns the rows and the errors. */
function parse(
  input: string | Buffer,
  chunkSize = Infinity,
  maxRowBytes?: number,
): { rows: ExportRow[]; errors: ReadError[] } {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const errors: ReadError[] = [];
  const rows: ExportRow[] = [];
  const parser = new CsvParser((e) => errors.push(e), { maxRowBytes });
  const step = Math.min(chunkSize, Math.max(bytes.length, 1));
  for (let i = 0; i < bytes.length; i += step) {
    // A copy per chunk, as a stream gives: the parser must not rely on chunks sharing memory.
    parser.push(Buffer.from(bytes.subarray(i, i + step)), rows);
  }
  parser.end(rows);
  return { rows, errors };
}

const values = (rows: ExportRow[]): (readonly (string | undefined)[])[] => rows.map((r) => r.values);
const lines = (rows: ExportRow[]): number[] => rows.map((r) => r.line);

describe('CsvParser', () => {
  it('reads a header and rows with LF line ends', () => {
    const { rows, errors } = parse('a,b,c\n1,2,3\n4,5,6\n');
    expect(values(rows)).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
      ['4', '5', '6'],
    ]);
    expect(lines(rows)).toEqual([1, 2, 3]);
    expect(errors).toEqual([]);
  });

  it('removes the UTF-8 BOM from the first header cell only', () => {
    const { rows } = parse('\uFEFFBilledCost,ServiceName\n1.5,\uFEFFx\n');
    expect(rows[0]!.values).toEqual(['BilledCost', 'ServiceName']);
    // A BOM anywhere else is data.
    expect(rows[1]!.values).toEqual(['1.5', '\uFEFFx']);
  });

  it('reads CRLF line ends without keeping the CR, and a last row without a newline', () => {
    const { rows } = parse('a,b\r\n1,2\r\n3,"x"\r\n4,');
    expect(values(rows)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', 'x'],
      ['4', ''],
    ]);
    expect(parse('a,b\r\n1,2').rows[1]!.values).toEqual(['1', '2']);
    expect(parse('a,b\r\n1,2\r').rows[1]!.values).toEqual(['1', '2']);
  });

  it('keeps a CR that is not part of a line end', () => {
    expect(parse('a,b\nx\ry,z\n').rows[1]!.values).toEqual(['x\ry', 'z']);
  });

  it('reads quoted fields with commas, newlines and escaped quotes', () => {
    const csv =
      'id,desc,tags\n1,"a, b","{""team"":""pay""}"\n2,"line1\nline2\r\nline3",""\n3,x,"""quoted"""\n';
    const { rows, errors } = parse(csv);
    expect(values(rows).slice(1)).toEqual([
      ['1', 'a, b', '{"team":"pay"}'],
      ['2', 'line1\nline2\r\nline3', ''],
      ['3', 'x', '"quoted"'],
    ]);
    // Row 2's quoted field spans lines 3–5, so row 3 starts on line 6.
    expect(lines(rows)).toEqual([1, 2, 3, 6]);
    expect(errors).toEqual([]);
  });

  it('skips blank lines but counts them in line numbers', () => {
    const { rows } = parse('a,b\n\n1,2\r\n\r\n\n3,4\n\n');
    expect(values(rows)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(lines(rows)).toEqual([1, 3, 6]);
  });

  it('passes short rows as they are, and keeps empty fields', () => {
    const { rows, errors } = parse('a,b,c,d\n1,2\n,,\n5\n');
    expect(rows[1]!.values).toEqual(['1', '2']);
    expect(rows[1]!.values[3]).toBeUndefined();
    expect(rows[2]!.values).toEqual(['', '', '']);
    expect(rows[3]!.values).toEqual(['5']);
    expect(errors).toEqual([]);
  });

  it('decodes UTF-8 (2-, 3- and 4-byte characters) in quoted and unquoted fields', () => {
    const { rows } = parse('name,desc\nDonnées,"Zürich, €5 𝄞"\n');
    expect(rows[1]!.values).toEqual(['Données', 'Zürich, €5 𝄞']);
  });

  it('keeps a quote inside an unquoted field as text, without an error', () => {
    const { rows, errors } = parse('a,b\n12" pipe,x"y"\n');
    expect(rows[1]!.values).toEqual(['12" pipe', 'x"y"']);
    expect(errors).toEqual([]);
  });

  it('reports a quote never closed with the row line, and reads on from the next line', () => {
    const { rows, errors } = parse('a,b\n1,2\n3,"oops\n4,5\n6,7');
    expect(errors).toEqual([{ line: 3, reason: 'quote in field 2 never closed' }]);
    expect(values(rows)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['4', '5'],
      ['6', '7'],
    ]);
    expect(lines(rows)).toEqual([1, 2, 4, 5]);
  });

  it('names the line a quote was opened on when an earlier field spanned lines', () => {
    const { rows, errors } = parse('a,b,c\n"x\ny",2,"open\n9,9\n');
    expect(errors).toEqual([{ line: 2, reason: 'quote in field 3 (line 3) never closed' }]);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, 'a', 'b', 'c'],
      [4, '9', '9'],
    ]);
  });

  it('reports text after a closing quote and drops only that row', () => {
    const { rows, errors } = parse('a,b\n"x"y,2\n3,4\n');
    expect(errors).toEqual([{ line: 2, reason: 'text after the closing quote of field 1' }]);
    expect(values(rows)).toEqual([
      ['a', 'b'],
      ['3', '4'],
    ]);
  });

  it('drops a row longer than maxRowBytes (an unclosed quote) and keeps counting lines', () => {
    const long = 'y'.repeat(200);
    const csv = `a,b\n1,"${long}\ntail\n2,3\n4,5\n`;
    const { rows, errors } = parse(csv, 64, 100);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBe(2);
    expect(errors[0]!.reason).toMatch(/longer than 100 bytes.*line 2/);
    // Reading resumes on the line after the quote's: line 3 is a row, then 2,3 and 4,5.
    expect(rows.map((r) => [r.line, r.values[0]])).toEqual([
      [1, 'a'],
      [3, 'tail'],
      [4, '2'],
      [5, '4'],
    ]);
  });

  it('drops an overlong row without a quote up to its newline', () => {
    const csv = `a,b\n${'z'.repeat(500)}\n1,2\n`;
    const { rows, errors } = parse(csv, 16, 100);
    expect(errors.map((e) => e.line)).toEqual([2]);
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [1, 'a', 'b'],
      [3, '1', '2'],
    ]);
  });

  it('gives the same rows, lines and errors for every chunk size', () => {
    // Every split point: inside a BOM, a CRLF, a `""` escape, a quoted newline, multi-byte characters.
    const csv =
      '\uFEFFid,name,tags\r\n' +
      '1,"Zürich, €5 𝄞","{""team"":""pay""}"\r\n' +
      '\r\n' +
      '2,"multi\nline",é\r\n' +
      '3,"""",""\n' +
      '4,"bad"x,5\n' +
      '5,short\n' +
      '6,"never closed,\n7,last,𝄞';
    const whole = parse(csv);
    expect(whole.rows.map((r) => r.line)).toEqual([1, 2, 4, 6, 8, 10]);
    expect(whole.rows[1]!.values).toEqual(['1', 'Zürich, €5 𝄞', '{"team":"pay"}']);
    expect(whole.rows[3]!.values).toEqual(['3', '"', '']);
    expect(whole.rows[5]!.values).toEqual(['7', 'last', '𝄞']);
    expect(whole.errors).toEqual([
      { line: 7, reason: 'text after the closing quote of field 2' },
      { line: 9, reason: 'quote in field 2 never closed' },
    ]);
    const size = Buffer.byteLength(csv);
    for (let chunk = 1; chunk <= size; chunk++) {
      const got = parse(csv, chunk);
      expect({ chunk, ...got }).toEqual({ chunk, ...whole });
    }
  });

  it('reads back random tables written as CSV, whatever the chunk size', () => {
    // Deterministic pseudo-random (a failure must reproduce).
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ['a', 'b', ',', '"', '\n', '\r\n', 'é', '€', '𝄞', ' ', '""'];
    for (let round = 0; round < 200; round++) {
      const table: string[][] = [];
      const starts: number[] = [];
      let csv = '';
      let line = 1;
      const rowCount = 1 + random(5);
      for (let r = 0; r < rowCount; r++) {
        const row: string[] = [];
        const fields = 1 + random(4);
        for (let f = 0; f < fields; f++) {
          let v = '';
          for (let k = random(6); k > 0; k--) v += alphabet[random(alphabet.length)];
          row.push(v);
        }
        // A row of one empty field would be a blank line, which is skipped.
        if (row.length === 1 && row[0] === '') row[0] = 'x';
        const text = row
          .map((v) => (/[",\r\n]/.test(v) || random(4) === 0 ? `"${v.replaceAll('"', '""')}"` : v))
          .join(',');
        table.push(row);
        starts.push(line);
        const eol = random(2) === 0 ? '\n' : '\r\n';
        csv += text + (r < rowCount - 1 || random(2) === 0 ? eol : '');
        line += (text.match(/\n/g)?.length ?? 0) + 1;
      }
      const chunk = 1 + random(Buffer.byteLength(csv) + 1);
      const got = parse(csv, chunk);
      expect({ round, chunk, errors: got.errors, rows: values(got.rows) }).toEqual({
        round,
        chunk,
        errors: [],
        rows: table,
      });
      expect(lines(got.rows)).toEqual(starts);
    }
  });

  it('reads an empty input and a lone BOM as no rows', () => {
    expect(parse('')).toEqual({ rows: [], errors: [] });
    expect(parse('\uFEFF')).toEqual({ rows: [], errors: [] });
    expect(parse('\n\r\n')).toEqual({ rows: [], errors: [] });
  });
});

describe('CsvParser column projection', () => {
  it('decodes only the wanted fields, quoted or not, and keeps line numbers', () => {
    const rows: ExportRow[] = [];
    const parser = new CsvParser(() => undefined);
    parser.setWantedColumns([0, 2]);
    parser.push(Buffer.from('a,"b\n""x""",c,d\r\n"e ""q""","skip, me",g\nh,i,"j\nk"\n'), rows);
    parser.end(rows);
    expect(rows).toEqual([
      { line: 1, values: ['a', undefined, 'c', undefined] },
      { line: 3, values: ['e "q"', undefined, 'g'] },
      { line: 4, values: ['h', undefined, 'j\nk'] },
    ]);
  });

  it('decodes every field again without a projection', () => {
    const rows: ExportRow[] = [];
    const parser = new CsvParser(() => undefined);
    parser.setWantedColumns([1]);
    parser.setWantedColumns(undefined);
    parser.push(Buffer.from('a,b\n'), rows);
    expect(rows[0]!.values).toEqual(['a', 'b']);
  });
});
