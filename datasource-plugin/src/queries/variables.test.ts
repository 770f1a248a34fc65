import { splitStatements } from '../influxql/lexer';
import type { MeterlineVariableQuery } from '../types';
import { answer, buildCtx, series, shapeCtx, structure } from './testing';
import { variableQuery } from './variables';

const v = (over: Partial<MeterlineVariableQuery>): MeterlineVariableQuery => ({
  refId: 'V',
  kind: 'tenants',
  ...over,
});

describe('variable queries: InfluxQL', () => {
  it.each([
    ['tenants', 'SHOW TAG VALUES FROM "cost" WITH KEY = "tenant"'],
    ['teams', 'SHOW TAG VALUES FROM "cost" WITH KEY = "team"'],
    ['services', 'SHOW TAG VALUES FROM "cost" WITH KEY = "service"'],
    ['skus', 'SHOW TAG VALUES FROM "cost" WITH KEY = "sku"'],
    ['envs', 'SHOW TAG VALUES FROM "cost" WITH KEY = "env"'],
    ['budgets', 'SHOW TAG VALUES FROM "cost_budget" WITH KEY = "budget"'],
    ['providers', 'SHOW TAG VALUES FROM "provider_cost" WITH KEY = "provider"'],
  ] as const)('%s', (kind, text) => {
    expect(variableQuery.build(v({ kind }), buildCtx())).toEqual([{ role: 'values', text }]);
  });

  it('tag values of any tag, narrowed by filters with variables', () => {
    const [s] = variableQuery.build(
      v({ kind: 'tagValues', tag: 'region', filters: [{ key: 'team', operator: '=', value: '$team' }] }),
      buildCtx({ vars: { team: ['a', 'b'] } }),
    );
    expect(s!.text).toBe('SHOW TAG VALUES FROM "cost" WITH KEY = "region" WHERE "team" =~ /^(?:a|b)$/');
    const [all] = variableQuery.build(
      v({ kind: 'services', filters: [{ key: 'team', operator: '=', value: '$team' }] }),
      buildCtx({ vars: { team: null } }),
    );
    expect(all!.text).toBe('SHOW TAG VALUES FROM "cost" WITH KEY = "service"');
  });

  it('hostile tag names and values stay quoted', () => {
    const [s] = variableQuery.build(
      v({ kind: 'tagValues', tag: '$tag', filters: [{ key: 'team', operator: '=', value: '$team' }] }),
      buildCtx({ vars: { tag: 'x"; DROP DATABASE m', team: "'; DROP DATABASE m; --" } }),
    );
    expect(splitStatements(s!.text)).toHaveLength(1);
    expect(structure(s!.text)).toBe(
      'SHOW TAG VALUES FROM <ident> WITH KEY = <ident> WHERE <ident> = <string>',
    );
  });

  it('refuses a tag-values query without a tag, and unknown kinds', () => {
    expect(() => variableQuery.build(v({ kind: 'tagValues' }), buildCtx())).toThrow(/needs a tag/);
    expect(() => variableQuery.build(v({ kind: 'regions' as never }), buildCtx())).toThrow(
      "unknown kind 'regions'",
    );
  });
});

describe('variable queries: values', () => {
  it('distinct, sorted, empty ones dropped', () => {
    const query = v({ kind: 'teams' });
    const values = variableQuery.shape(
      query,
      shapeCtx(variableQuery.build(query, buildCtx()), [
        answer(
          series(
            'cost',
            undefined,
            ['key', 'value'],
            [
              ['team', 'search'],
              ['team', 'payments'],
              ['team', ''],
              ['team', 'search'],
            ],
          ),
        ),
      ]),
    );
    expect(values).toEqual([
      { text: 'payments', value: 'payments' },
      { text: 'search', value: 'search' },
    ]);
    expect(variableQuery.shape(query, shapeCtx(variableQuery.build(query, buildCtx()), [answer()]))).toEqual(
      [],
    );
  });
});
