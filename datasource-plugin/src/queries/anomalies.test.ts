import { DEFAULT_QUERY, type MeterlineQuery } from '../types';
import { anomaliesQuery, splitTraceIds } from './anomalies';
import { answer, buildCtx, fieldOf, FROM, series, shapeCtx } from './testing';

const q = (over: Partial<MeterlineQuery> = {}): MeterlineQuery => ({
  ...DEFAULT_QUERY,
  refId: 'A',
  queryType: 'anomalies',
  ...over,
});
const t = (m: number) => FROM + m * 60_000;

describe('anomalies: InfluxQL', () => {
  it('series: scores of the dimension, and exemplars', () => {
    const [scores, exemplars] = anomaliesQuery.build(
      q({ dimension: 'service', dimensionValue: '$svc' }),
      buildCtx({ vars: { svc: 'checkout' } }),
    );
    expect(scores).toEqual({
      role: 'scores',
      text: `SELECT "value" AS "score", "expected", "lower", "upper", "amount_nano" FROM "cost_signal" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "signal" = 'anomaly_score' AND "service" = 'checkout' GROUP BY "service", "currency"`,
    });
    expect(exemplars).toEqual({
      role: 'exemplars',
      text: `SELECT "trace_id", "span_id", "amount_nano", "service", "tenant", "sku" FROM "cost_exemplar" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "service" = 'checkout' ORDER BY time DESC LIMIT 10000`,
    });
  });

  it('series of a whole dimension: points that carry its tag', () => {
    const [scores, exemplars] = anomaliesQuery.build(q({ dimension: 'tenant' }), buildCtx());
    expect(scores!.text).toContain(
      `"signal" = 'anomaly_score' AND "tenant" != '' GROUP BY "tenant", "currency"`,
    );
    expect(exemplars!.text).not.toContain('"tenant" =');
  });

  it('one team: no exemplars (they carry no team)', () => {
    const statements = anomaliesQuery.build(q({ dimension: 'team', dimensionValue: 'payments' }), buildCtx());
    expect(statements.map((s) => s.role)).toEqual(['scores']);
  });

  it('events: anomaly events of the dimension and the deploys', () => {
    const [events, deploys] = anomaliesQuery.build(
      q({ anomalyView: 'events', dimension: 'team', dimensionValue: 'payments' }),
      buildCtx(),
    );
    expect(events!.text).toBe(
      `SELECT "title", "text", "score", "trace_ids", "deploys", "team", "service", "tenant", "currency" FROM "cost_event" WHERE time >= 1772323200000ms AND time <= 1772344800000ms AND "kind" = 'anomaly' AND "team" = 'payments'`,
    );
    expect(deploys!.text).toContain(`"kind" = 'deploy' AND "team" = 'payments'`);
    const [, tenantDeploys] = anomaliesQuery.build(
      q({ anomalyView: 'events', dimension: 'tenant', dimensionValue: 'acme' }),
      buildCtx(),
    );
    expect(tenantDeploys!.text).not.toContain('acme');
  });

  it('refuses an unknown dimension', () => {
    expect(() => anomaliesQuery.build(q({ dimension: 'sku' as never }), buildCtx())).toThrow(
      "unknown dimension 'sku'",
    );
  });
});

describe('anomalies: frames', () => {
  const query = q();
  const statements = anomaliesQuery.build(query, buildCtx());
  const scores = answer(
    series(
      'cost_signal',
      { team: 'payments', currency: 'USD' },
      ['time', 'score', 'expected', 'lower', 'upper', 'amount_nano'],
      [
        [t(0), 0.1, 1e9, 5e8, 1.5e9, 1_000_000_000],
        [t(5), 0.97, 1e9, 5e8, 1.5e9, 4_000_000_000],
      ],
    ),
  );
  const exemplars = answer(
    series(
      'cost_exemplar',
      undefined,
      ['time', 'trace_id', 'span_id', 'amount_nano', 'service', 'tenant', 'sku'],
      [
        [t(5) + 2_000, 'trace-b', 's2', 900_000_000, 'checkout', 'acme', 'requests'],
        [t(5) + 1_000, 'trace-a', 's1', 2_000_000_000, 'checkout', 'acme', 'requests'],
        [t(0) + 1_000, 'trace-c', 's3', 1_000, 'search', 'globex', 'cpu'],
      ],
    ),
  );

  it('score, band and actual per series, plus a clickable exemplar frame', () => {
    const frames = anomaliesQuery.shape(query, shapeCtx(statements, [scores, exemplars]));
    expect(frames.map((f) => f.name)).toEqual([
      'payments · USD · score',
      'payments · USD · expected',
      'payments · USD · lower',
      'payments · USD · upper',
      'payments · USD · actual',
      'exemplar',
    ]);
    expect(fieldOf(frames[0]!, 'score').values).toEqual([0.1, 0.97]);
    expect(fieldOf(frames[0]!, 'score').config).toMatchObject({ min: 0, max: 1 });
    expect(fieldOf(frames[2]!, 'lower').values).toEqual([0.5, 0.5]);
    expect(fieldOf(frames[3]!, 'upper').config.custom).toMatchObject({
      fillBelowTo: 'payments · USD · lower',
    });
    expect(fieldOf(frames[3]!, 'upper').config.unit).toBe('currencyUSD');
    expect(fieldOf(frames[4]!, 'actual').values).toEqual([1, 4]);

    const exemplar = frames[5]!;
    expect(exemplar.meta).toMatchObject({ dataTopic: 'annotations', custom: { resultType: 'exemplar' } });
    // One per interval (1 minute here), the costliest: trace-a beats trace-b in minute 5.
    expect(fieldOf(exemplar, 'trace_id').values).toEqual(['trace-c', 'trace-a']);
    expect(fieldOf(exemplar, 'Value').values).toEqual([0.000001, 2]);
    expect(fieldOf(exemplar, 'trace_id').config.links?.[0]).toMatchObject({
      title: 'Open trace',
      internal: { datasourceUid: 'tempo-uid', query: { query: '${__value.raw}', queryType: 'traceql' } },
    });
  });

  it('no links without Tempo; empty answers give no frames', () => {
    const ctx = buildCtx({ settings: { defaultCurrency: 'USD' } });
    const frames = anomaliesQuery.shape(query, shapeCtx(statements, [scores, exemplars], ctx));
    expect(fieldOf(frames[5]!, 'trace_id').config.links).toBeUndefined();
    expect(anomaliesQuery.shape(query, shapeCtx(statements, [answer(), answer()]))).toEqual([]);
  });

  it('events: one table, newest first, trace IDs split and the first one linked', () => {
    const eventsQuery = q({ anomalyView: 'events' });
    const frames = anomaliesQuery.shape(
      eventsQuery,
      shapeCtx(anomaliesQuery.build(eventsQuery, buildCtx()), [
        answer(
          series(
            'cost_event',
            undefined,
            [
              'time',
              'title',
              'text',
              'score',
              'trace_ids',
              'deploys',
              'team',
              'service',
              'tenant',
              'currency',
            ],
            [
              [
                t(10),
                'Cost anomaly: team payments',
                'payments spent …',
                0.97,
                'aaa,bbb, ccc',
                'checkout 1.1.0 (from 1.0.0)',
                'payments',
                null,
                null,
                'USD',
              ],
            ],
          ),
        ),
        answer(
          series(
            'cost_event',
            undefined,
            ['time', 'title', 'text', 'version', 'previous_version', 'service', 'team', 'env'],
            [
              [
                t(8),
                'checkout 1.0.0 → 1.1.0',
                'deploy of checkout',
                '1.1.0',
                '1.0.0',
                'checkout',
                'payments',
                'prod',
              ],
            ],
          ),
        ),
      ]),
    );
    expect(frames).toHaveLength(1);
    const table = frames[0]!;
    expect(fieldOf(table, 'kind').values).toEqual(['anomaly', 'deploy']);
    expect(fieldOf(table, 'time').values).toEqual([t(10), t(8)]);
    expect(fieldOf(table, 'trace_id').values).toEqual(['aaa', '']);
    expect(fieldOf(table, 'trace_ids').values).toEqual([['aaa', 'bbb', 'ccc'], []]);
    expect(fieldOf(table, 'version').values).toEqual(['', '1.1.0']);
    expect(fieldOf(table, 'previous_version').values).toEqual(['', '1.0.0']);
    expect(fieldOf(table, 'score').values).toEqual([0.97, null]);
    expect(fieldOf(table, 'trace_id').config.links).toHaveLength(1);
  });

  it('splitTraceIds drops empty entries', () => {
    expect(splitTraceIds(' a, ,b,')).toEqual(['a', 'b']);
    expect(splitTraceIds('')).toEqual([]);
  });
});
