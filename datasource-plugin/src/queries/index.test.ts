import { QUERY_TYPES } from '../types';
import { buildQuery, QUERY_HANDLERS, shapeQuery } from './index';
import { answer, buildCtx, series, shapeCtx } from './testing';

describe('query types', () => {
  it('every query type has a handler', () => {
    expect(Object.keys(QUERY_HANDLERS).sort()).toEqual(QUERY_TYPES.map((t) => t.value).sort());
  });

  it('builds any saved query after migrating it', () => {
    expect(buildQuery({ refId: 'A', type: 'raw', query: 'SELECT 1; SELECT 2' }, buildCtx())).toEqual([
      { role: 'raw', text: 'SELECT 1' },
      { role: 'raw', text: 'SELECT 2' },
    ]);
    expect(buildQuery({ refId: 'A' }, buildCtx())[0]!.text).toContain('FROM "cost"');
  });

  it.each(QUERY_TYPES.map((t) => t.value))(
    '%s builds with defaults and shapes empty answers to nothing',
    (queryType) => {
      const query = { refId: 'A', queryType, service: 'checkout', rawQuery: 'SELECT 1' };
      const statements = buildQuery(query, buildCtx());
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) expect(s.text).not.toMatch(/undefined|NaN|\[object/);
      expect(
        shapeQuery(
          query,
          shapeCtx(
            statements,
            statements.map(() => answer()),
          ),
        ),
      ).toEqual([]);
    },
  );

  it('shapes through the handler of the query type', () => {
    const query = { refId: 'A', queryType: 'spend', groupBy: [] };
    const statements = buildQuery(query, buildCtx());
    const frames = shapeQuery(
      query,
      shapeCtx(statements, [
        answer(series('cost', { currency: 'USD' }, ['time', 'amount_nano'], [[0, 1_000_000_000]])),
      ]),
    );
    expect(frames).toHaveLength(1);
  });

  it('refuses an unknown query type, naming it', () => {
    expect(() => buildQuery({ refId: 'A', queryType: 'forecast' }, buildCtx())).toThrow(
      "unknown query type 'forecast'",
    );
    expect(() => buildQuery({ refId: 'A', queryType: 'toString' }, buildCtx())).toThrow(
      "unknown query type 'toString'",
    );
  });
});
