import { parseJsonBigInt } from './json-bigint';
import { parseQueryResponse, seriesRows, toBigInt } from './query-result';
import { InfluxQueryError } from './errors';

describe('parseJsonBigInt', () => {
  it('keeps integers beyond 2^53 exact as bigint', () => {
    const v = parseJsonBigInt(
      '{"a":[9007199254740993,-9223372036854775808,9007199254740991,1.5e300,0.1234567890123456789]}',
    );
    expect(v).toEqual({
      a: [
        9007199254740993n,
        -9223372036854775808n,
        9007199254740991,
        1.5e300,
        Number('0.1234567890123456789'),
      ],
    });
  });

  it('parses like JSON.parse otherwise, including escapes and unicode', () => {
    const text = JSON.stringify({
      s: 'a"b\\c\n💸中',
      n: null,
      t: true,
      f: false,
      arr: [],
      obj: {},
      big: '12345678901234567890',
    });
    expect(parseJsonBigInt(text)).toEqual(JSON.parse(text));
    const nested = ' [ { "x" : [ 1 , 2 , { } ] } , 12345678901234567 ] ';
    expect(parseJsonBigInt(nested)).toEqual([{ x: [1, 2, {}] }, 12345678901234567n]);
  });

  it('reports malformed input with an offset', () => {
    expect(() => parseJsonBigInt('[12345678901234567,')).toThrow(/offset/);
    expect(() => parseJsonBigInt('{"a" 12345678901234567}')).toThrow(SyntaxError);
  });
});

describe('parseQueryResponse', () => {
  it('returns series and turns statement errors (HTTP 200) into errors naming the query', () => {
    const ok = parseQueryResponse(
      '{"results":[{"statement_id":0,"series":[{"name":"cost","columns":["time","sum"],"values":[[0,18446744073709551]]}]}]}',
      'q',
    );
    expect(ok[0]?.series[0]?.values[0]?.[1]).toBe(18446744073709551n);
    const err = () =>
      parseQueryResponse('{"results":[{"statement_id":0,"error":"database not found: nope"}]}', 'SELECT 1');
    expect(err).toThrow(InfluxQueryError);
    expect(err).toThrow(/query "SELECT 1" failed in statement 0: database not found: nope/);
    expect(() => parseQueryResponse('{"error":"error parsing query: x"}', 'x')).toThrow(
      /query "x" failed: error parsing query/,
    );
  });

  it('gives rows with tags and reads integer cells as bigint', () => {
    const rows = seriesRows({
      name: 'cost',
      tags: { tenant: 'a' },
      columns: ['time', 'v'],
      values: [[1, 2]],
    });
    expect(rows).toEqual([{ tenant: 'a', time: 1, v: 2 }]);
    expect(toBigInt(5)).toBe(5n);
    expect(toBigInt(2n ** 60n)).toBe(2n ** 60n);
    expect(() => toBigInt(1.5)).toThrow(/integer/);
  });
});
