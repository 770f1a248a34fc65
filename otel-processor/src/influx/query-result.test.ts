import { parseQueryResponse, seriesRows, toBigInt } from './query-result';
import { InfluxQueryError } from './errors';

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
