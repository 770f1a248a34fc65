import { InfluxAnswerError, parseAnswer } from './parse';

describe('parseAnswer', () => {
  it('reads one document, int64 beyond 2^53 exactly', () => {
    const text =
      '{"results":[{"statement_id":0,"series":[{"name":"cost","tags":{"currency":"USD"},"columns":["time","amount_nano"],' +
      '"values":[[1000,9223372036854775807],[2000,-5]]}]},{"statement_id":1}]}';
    const answers = parseAnswer(text);
    expect(answers).toHaveLength(2);
    expect(answers[0]!.series![0]!.values).toEqual([
      [1000, 9_223_372_036_854_775_807n],
      [2000, -5],
    ]);
    expect(answers[1]).toEqual({ statement_id: 1 });
  });

  it('switches to the exact parser for any integer beyond ±(2^53 − 1), and only then', () => {
    const row = (v: string) =>
      parseAnswer(
        `{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[1,${v}]]}]}]}`,
      )[0]!.series![0]!.values[0]![1];
    expect(row('-9007199254740993')).toBe(-9_007_199_254_740_993n);
    expect(row('9007199254740991')).toBe(9_007_199_254_740_991);
    expect(row('1e20')).toBe(1e20);
    expect(row('0.5')).toBe(0.5);
  });

  it('merges chunked answers: statements and series split over documents', () => {
    const text = [
      '{"results":[{"statement_id":0,"series":[{"name":"cost","tags":{"team":"a"},"columns":["time","v"],"values":[[1,1],[2,2]],"partial":true}],"partial":true}]}',
      '{"results":[{"statement_id":0,"series":[{"name":"cost","tags":{"team":"a"},"columns":["time","v"],"values":[[3,3]]},{"name":"cost","tags":{"team":"b"},"columns":["time","v"],"values":[[1,9]],"partial":true}],"partial":true}]}',
      '{"results":[{"statement_id":0,"series":[{"name":"cost","tags":{"team":"b"},"columns":["time","v"],"values":[[2,8]]}]}]}',
      '{"results":[{"statement_id":1,"series":[{"name":"cost_signal","columns":["time","value"],"values":[[5,0.5]]}]}]}',
      '',
    ].join('\n');
    const answers = parseAnswer(text);
    expect(answers.map((a) => a.statement_id)).toEqual([0, 1]);
    const s0 = answers[0]!.series!;
    expect(s0.map((s) => [s.tags?.team, s.values])).toEqual([
      [
        'a',
        [
          [1, 1],
          [2, 2],
          [3, 3],
        ],
      ],
      [
        'b',
        [
          [1, 9],
          [2, 8],
        ],
      ],
    ]);
    expect(answers[1]!.series![0]!.values).toEqual([[5, 0.5]]);
  });

  it('does not merge a new series that merely follows a complete one with the same tags', () => {
    const text = [
      '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[1,1]]}],"partial":true}]}',
      '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","v"],"values":[[2,2]]}]}]}',
    ].join('\n');
    expect(parseAnswer(text)[0]!.series).toHaveLength(2);
  });

  it('reads an indented (pretty) single document', () => {
    const text = '{\n    "results": [\n        {\n            "statement_id": 0\n        }\n    ]\n}\n';
    expect(parseAnswer(text)).toEqual([{ statement_id: 0 }]);
  });

  it('throws InfluxDB’s message with the statement that failed', () => {
    const text = '{"results":[{"statement_id":0},{"statement_id":1,"error":"field not found"}]}';
    let err: unknown;
    try {
      parseAnswer(text, ['SELECT 1', 'SELECT "x" FROM "cost"']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InfluxAnswerError);
    expect((err as InfluxAnswerError).message).toBe(
      'InfluxDB error in statement 1: field not found\nStatement: SELECT "x" FROM "cost"',
    );
    expect(err).toMatchObject({ statementId: 1, influxMessage: 'field not found' });
    // Without the statements, the error stays on the answer for the caller to report.
    expect(parseAnswer(text)[1]).toEqual({ statement_id: 1, error: 'field not found' });
  });

  it('throws a request-level error, and on text that is not JSON', () => {
    expect(() => parseAnswer('{"error":"database not found: x"}', ['SHOW MEASUREMENTS'])).toThrow(
      'InfluxDB error: database not found: x\nStatement: SHOW MEASUREMENTS',
    );
    expect(() => parseAnswer('<html>bad gateway</html>')).toThrow(/InfluxDB answer is not JSON/);
  });

  it('gives no answers for an empty text, and one per statement sent', () => {
    expect(parseAnswer('  ')).toEqual([]);
    expect(parseAnswer('{"results":[{"statement_id":0}]}', ['a', 'b'])).toEqual([
      { statement_id: 0 },
      { statement_id: 1 },
    ]);
  });
});
