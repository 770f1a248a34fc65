import type { MeterlineAnnotationQuery } from '../types';
import { annotationQuery, BUDGET_LOOKBACK_MS } from './annotations';
import { answer, buildCtx, fieldOf, FROM, series, shapeCtx, TO } from './testing';

const a = (over: Partial<MeterlineAnnotationQuery> = {}): MeterlineAnnotationQuery => ({
  refId: 'Anno',
  ...over,
});
const t = (m: number) => FROM + m * 60_000;

describe('annotations: InfluxQL', () => {
  it('events and budget signals, narrowed by service/team/tenant', () => {
    const statements = annotationQuery.build(a({ team: '$team' }), buildCtx({ vars: { team: 'payments' } }));
    expect(statements.map((s) => s.role)).toEqual(['events', 'budget-signal', 'budget-currency']);
    expect(statements[0]!.text).toBe(
      `SELECT "title", "text", "trace_ids", "score", "version", "previous_version", "kind", "service", "team", "tenant", "env" FROM "cost_event" WHERE time >= ${FROM}ms AND time <= ${TO}ms AND "kind" =~ /^(?:deploy|anomaly)$/ AND "team" = 'payments'`,
    );
    expect(statements[1]!.text).toBe(
      `SELECT "spent_nano", "budget_nano", "page", "ticket" FROM "cost_signal" WHERE time >= ${FROM - BUDGET_LOOKBACK_MS}ms AND time <= ${TO}ms AND "signal" = 'projected_ratio' AND "window" = 'period' AND "team" = 'payments' GROUP BY "budget"`,
    );
  });

  it('only what is asked for', () => {
    expect(annotationQuery.build(a({ events: ['deploy'] }), buildCtx()).map((s) => s.text)).toEqual([
      `SELECT "title", "text", "trace_ids", "score", "version", "previous_version", "kind", "service", "team", "tenant", "env" FROM "cost_event" WHERE time >= ${FROM}ms AND time <= ${TO}ms AND "kind" = 'deploy'`,
    ]);
    expect(annotationQuery.build(a({ events: ['budget'] }), buildCtx()).map((s) => s.role)).toEqual([
      'budget-signal',
      'budget-currency',
    ]);
    expect(annotationQuery.build(a({ events: [] }), buildCtx())).toEqual([]);
  });
});

describe('annotations: frames', () => {
  const statements = annotationQuery.build(a(), buildCtx());
  const events = answer(
    series(
      'cost_event',
      undefined,
      [
        'time',
        'title',
        'text',
        'trace_ids',
        'score',
        'version',
        'previous_version',
        'kind',
        'service',
        'team',
        'tenant',
        'env',
      ],
      [
        [
          t(3),
          'checkout 1.0 → 1.1',
          'deploy of checkout',
          null,
          null,
          '1.1',
          '1.0',
          'deploy',
          'checkout',
          'payments',
          null,
          'prod',
        ],
        [
          t(5),
          'Cost anomaly: team payments',
          'payments spent 4.00 USD',
          'aaa,bbb',
          0.97,
          null,
          null,
          'anomaly',
          null,
          'payments',
          null,
          null,
        ],
      ],
    ),
  );
  const B = 1_000_000_000_000; // 1000.00 of the budget's currency
  const budget = answer(
    series(
      'cost_signal',
      { budget: 'pay' },
      ['time', 'spent_nano', 'budget_nano', 'page', 'ticket'],
      [
        [FROM - 60_000, 490_000_000_000, B, false, false], // before the range: 49%
        [t(1), 500_000_000_000, B, false, false], // reaches 50%
        [t(2), 810_000_000_000, B, false, true], // reaches 80%, ticket turns on
        [t(4), 700_000_000_000, B, false, true], // credits: back below 80%
        [t(6), 1_000_000_000_000, B, true, true], // 80% again, 100%, page turns on
      ],
    ),
  );
  const currency = answer(
    series('cost_budget', { budget: 'pay', currency: 'EUR' }, ['time', 'amount_nano'], [[FROM, B]]),
  );

  it('deploys, anomalies and budget crossings as one annotation frame', () => {
    const [frame] = annotationQuery.shape(a(), shapeCtx(statements, [events, budget, currency]));
    expect(frame!.fields.map((f) => f.name)).toEqual(['time', 'title', 'text', 'tags']);
    expect(fieldOf(frame!, 'title').values).toEqual([
      'Budget pay reached 50%',
      'Budget pay reached 80%',
      'Budget pay: ticket alert',
      'checkout 1.0 → 1.1',
      'Cost anomaly: team payments',
      'Budget pay reached 100%',
      'Budget pay reached 80%',
      'Budget pay: page alert',
    ]);
    expect(fieldOf(frame!, 'time').values).toEqual([t(1), t(2), t(2), t(3), t(5), t(6), t(6), t(6)]);
    const text = fieldOf(frame!, 'text').values;
    expect(text[1]).toBe('Budget pay: spent 810.00 EUR of 1000.00 EUR (81.0%).');
    expect(text[4]).toBe('payments spent 4.00 USD\nTraces: aaa, bbb');
    const tags = fieldOf(frame!, 'tags').values;
    expect(tags[0]).toEqual(['budget', 'budget:pay', 'threshold:50%']);
    expect(tags[3]).toEqual(['deploy', 'service:checkout', 'team:payments', 'env:prod']);
    expect(tags[7]).toEqual(['budget', 'budget:pay', 'alert:page']);
  });

  it('a budget already past a threshold when the range starts is not a crossing', () => {
    const started = answer(
      series(
        'cost_signal',
        { budget: 'pay' },
        ['time', 'spent_nano', 'budget_nano', 'page', 'ticket'],
        [[t(1), 900_000_000_000, B, true, true]],
      ),
    );
    expect(annotationQuery.shape(a(), shapeCtx(statements, [answer(), started, currency]))).toEqual([]);
  });

  it('empty answers: no frames', () => {
    expect(annotationQuery.shape(a(), shapeCtx(statements, [answer(), answer(), answer()]))).toEqual([]);
  });
});
