import { DEFAULT_QUERY, QUERY_MODEL_VERSION } from '../types';
import { isQueryV0, migrateQuery } from './migrate';

describe('migrateQuery', () => {
  it('fills every default of a new query', () => {
    const q = migrateQuery({ refId: 'B' });
    expect(q).toEqual({ ...DEFAULT_QUERY, refId: 'B' });
    expect(q.version).toBe(QUERY_MODEL_VERSION);
  });

  it('keeps what is set, fills the rest, and never shares default arrays', () => {
    const a = migrateQuery({ refId: 'A', version: 1, queryType: 'burn', budget: 'pay', windows: ['1h'] });
    expect(a).toMatchObject({ queryType: 'burn', budget: 'pay', windows: ['1h'], mode: 'rate', limit: 10 });
    const b = migrateQuery({ refId: 'B' });
    b.groupBy!.push('sku');
    expect(DEFAULT_QUERY.groupBy).toEqual(['team']);
    expect(migrateQuery({ refId: 'C' }).groupBy).toEqual(['team']);
  });

  it('upgrades a v0 raw query', () => {
    const v0 = { refId: 'A', type: 'raw', query: 'SELECT * FROM "cost" WHERE $timeFilter' };
    expect(isQueryV0(v0)).toBe(true);
    const q = migrateQuery(v0);
    expect(q).toMatchObject({
      refId: 'A',
      version: 1,
      queryType: 'raw',
      rawQuery: 'SELECT * FROM "cost" WHERE $timeFilter',
      rawFormat: 'time_series',
    });
    expect(q).not.toHaveProperty('type');
    expect(q).not.toHaveProperty('query');
  });

  it('upgrades a v0 spend query: group tags split, currency into a filter', () => {
    const q = migrateQuery({
      refId: 'A',
      type: 'spend',
      query: 'SELECT SUM(amount_nano) FROM cost GROUP BY team',
      groupBy: 'team, service,currency,,bogus,team',
      currency: 'EUR',
      hide: true,
    });
    expect(q).toMatchObject({
      queryType: 'spend',
      groupBy: ['team', 'service'],
      filters: [{ key: 'currency', operator: '=', value: 'EUR' }],
      hide: true,
      version: 1,
      sources: ['telemetry'],
    });
    expect(q).not.toHaveProperty('currency');
    expect(migrateQuery({ refId: 'A', type: 'spend' })).toMatchObject({ groupBy: [], filters: [] });
  });

  it('leaves a newer version alone and copes with garbage', () => {
    expect(migrateQuery({ refId: 'A', version: 7, queryType: 'spend' }).version).toBe(7);
    expect(migrateQuery(null)).toMatchObject({ refId: 'A', queryType: 'spend' });
    expect(isQueryV0({ type: 'spend', version: 1 })).toBe(false);
  });
});
