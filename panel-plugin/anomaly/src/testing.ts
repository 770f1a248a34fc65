/**
 * Test support (imported by `*.test.ts(x)` only): frames made the way the panel receives them in Grafana —
 * by the data source's own `shape` (datasource-plugin `queries/anomalies.ts` and `queries/annotations.ts`)
 * from InfluxDB answers written here by hand, so a change in the data source's frames breaks these tests
 * rather than the panel in a dashboard.
 *
 * Times are minutes after {@link T0} (10:00 UTC): `at(35)` is 10:35. Money is in currency units here and
 * written to the answers as nano-units, as InfluxDB holds it.
 *
 * @packageDocumentation
 */
import type { DataFrame } from '@grafana/data';
import { anomaliesQuery } from '../../../datasource-plugin/src/queries/anomalies';
import { annotationQuery } from '../../../datasource-plugin/src/queries/annotations';
import { answer, buildCtx, series, shapeCtx, FROM } from '../../../datasource-plugin/src/queries/testing';
import {
  DEFAULT_QUERY,
  type MeterlineOptions,
  type MeterlineQuery,
} from '../../../datasource-plugin/src/types';

/** 2026-03-01T10:00:00Z. */
export const T0 = FROM + 10 * 3_600_000;
/** `m` minutes after {@link T0}. */
export const at = (m: number): number => T0 + m * 60_000;
/** The hour the tests look at. */
export const RANGE = { from: at(0), to: at(60) };

/** Three trace IDs (W3C format) of a runaway. */
export const TRACES = [
  '4bf92f3577b34da6a3ce929d0e0e4736',
  '00f067aa0ba902b7a3ce929d0e0e4736',
  'd4cda95b652f4a1592b449d5929fda1b',
] as const;

/** Data source settings: USD, trace IDs linking to Tempo data source `tempo-uid`. */
export const SETTINGS: MeterlineOptions = { defaultCurrency: 'USD', tempoUid: 'tempo-uid' };

const nano = (units: number | null): number | null => (units === null ? null : Math.round(units * 1e9));

/** One scored bucket, money in currency units. */
export interface Bucket {
  m: number;
  score: number | null;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  actual: number | null;
}

/** A bucket of ordinary spend: 1 USD expected in a 0.5–1.5 band, `actual` spent, scored `score`. */
export const bucket = (m: number, actual: number | null, score: number | null): Bucket => ({
  m,
  score,
  expected: 1,
  lower: 0.5,
  upper: 1.5,
  actual,
});

/** The checkout service's hour: ordinary, then a runaway from 10:35 (scores 0.95, 0.99, 0.97), then back. */
export const CHECKOUT: Bucket[] = [
  bucket(0, 1, 0.1),
  bucket(5, 1.1, 0.15),
  bucket(10, 0.9, 0.2),
  bucket(15, 1, 0.1),
  bucket(20, 1.2, 0.3),
  bucket(25, 1.1, 0.2),
  bucket(30, 1.3, 0.4),
  bucket(35, 4, 0.95),
  bucket(40, 6, 0.99),
  bucket(45, 5, 0.97),
  bucket(50, 1.4, 0.5),
  bucket(55, 1, 0.2),
];

/** A costly span kept by serve: `amount` in currency units. */
export interface ExemplarRow {
  time: number;
  traceId: string;
  amount: number;
  service?: string;
  tenant?: string;
}

const q = (over: Partial<MeterlineQuery>): MeterlineQuery => ({
  ...DEFAULT_QUERY,
  refId: 'A',
  queryType: 'anomalies',
  ...over,
});

/**
 * The series view's frames (score, expected, lower, upper, actual per series, plus the exemplar frame) of
 * `dimension` for each `{ value: buckets }`, with `exemplars`.
 */
export function seriesFrames(
  byValue: Record<string, Bucket[]>,
  {
    dimension = 'service',
    currency = 'USD',
    exemplars = [],
    settings = SETTINGS,
  }: {
    dimension?: 'team' | 'service' | 'tenant';
    currency?: string;
    exemplars?: ExemplarRow[];
    settings?: MeterlineOptions;
  } = {},
): DataFrame[] {
  const query = q({ anomalyView: 'series', dimension });
  const ctx = buildCtx({ settings });
  const statements = anomaliesQuery.build(query, ctx);
  const scores = answer(
    ...Object.entries(byValue).map(([value, rows]) =>
      series(
        'cost_signal',
        { [dimension]: value, currency },
        ['time', 'score', 'expected', 'lower', 'upper', 'amount_nano'],
        rows.map((r) => [at(r.m), r.score, nano(r.expected), nano(r.lower), nano(r.upper), nano(r.actual)]),
      ),
    ),
  );
  const exemplarAnswer = answer(
    ...(exemplars.length === 0
      ? []
      : [
          series(
            'cost_exemplar',
            undefined,
            ['time', 'trace_id', 'span_id', 'amount_nano', 'service', 'tenant', 'sku'],
            exemplars.map((e, i) => [
              e.time,
              e.traceId,
              `span${i}`,
              nano(e.amount),
              e.service ?? 'checkout',
              e.tenant ?? 'acme',
              'compute.seconds',
            ]),
          ),
        ]),
  );
  const answers = statements.map((s) => (s.role === 'scores' ? scores : exemplarAnswer));
  return anomaliesQuery.shape(query, shapeCtx(statements, answers, ctx));
}

/** An anomaly event as `meterline signals` writes it. */
export interface AnomalyEventRow {
  m: number;
  score: number | null;
  traceIds: readonly string[];
  service?: string;
  team?: string;
  tenant?: string;
  title?: string;
  deploys?: string;
}

/** A deploy as `meterline serve` writes it. */
export interface DeployRow {
  time: number;
  service: string;
  version: string;
  previousVersion: string;
  team?: string;
  env?: string;
}

/** The events view's table (anomaly events and deploys), as the data source shapes it. */
export function eventsFrames(anomalies: AnomalyEventRow[], deploys: DeployRow[] = []): DataFrame[] {
  const query = q({ anomalyView: 'events', dimension: 'service' });
  const ctx = buildCtx({ settings: SETTINGS });
  const statements = anomaliesQuery.build(query, ctx);
  const events = answer(
    series(
      'cost_event',
      undefined,
      ['time', 'title', 'text', 'score', 'trace_ids', 'deploys', 'team', 'service', 'tenant', 'currency'],
      anomalies.map((a) => [
        at(a.m),
        a.title ?? `Cost anomaly: service ${a.service ?? 'checkout'}`,
        `service ${a.service ?? 'checkout'} spent more than expected`,
        a.score,
        a.traceIds.join(','),
        a.deploys ?? '',
        a.team ?? null,
        a.service ?? 'checkout',
        a.tenant ?? null,
        'USD',
      ]),
    ),
  );
  const deployAnswer = answer(
    series(
      'cost_event',
      undefined,
      ['time', 'title', 'text', 'version', 'previous_version', 'service', 'team', 'env'],
      deploys.map((d) => [
        d.time,
        `${d.service} ${d.previousVersion} → ${d.version}`,
        `deploy of ${d.service}: ${d.previousVersion} → ${d.version}, seen in telemetry`,
        d.version,
        d.previousVersion,
        d.service,
        d.team ?? 'payments',
        d.env ?? 'prod',
      ]),
    ),
  );
  const answers = statements.map((s) => (s.role === 'anomaly-events' ? events : deployAnswer));
  return anomaliesQuery.shape(query, shapeCtx(statements, answers, ctx));
}

/** The annotation frame of deploy (and anomaly) events, as the data source's annotation query shapes it. */
export function annotationFrames(deploys: DeployRow[], anomalies: AnomalyEventRow[] = []): DataFrame[] {
  const query = { refId: 'Anno', events: ['deploy', 'anomaly'] as Array<'deploy' | 'anomaly'> };
  const ctx = buildCtx({ settings: SETTINGS });
  const statements = annotationQuery.build(query, ctx);
  const rows = [
    ...deploys.map((d) => [
      d.time,
      `${d.service} ${d.previousVersion} → ${d.version}`,
      `deploy of ${d.service} in ${d.env ?? 'prod'}: ${d.previousVersion} → ${d.version}, seen in telemetry`,
      null,
      null,
      d.version,
      d.previousVersion,
      'deploy',
      d.service,
      d.team ?? 'payments',
      null,
      d.env ?? 'prod',
    ]),
    ...anomalies.map((a) => [
      at(a.m),
      a.title ?? `Cost anomaly: service ${a.service ?? 'checkout'}`,
      `service ${a.service ?? 'checkout'} spent more than expected`,
      a.traceIds.join(','),
      a.score,
      null,
      null,
      'anomaly',
      a.service ?? 'checkout',
      a.team ?? null,
      a.tenant ?? null,
      null,
    ]),
  ];
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
      rows,
    ),
  );
  const answers = statements.map((s) => (s.role === 'events' ? events : answer()));
  return annotationQuery.shape(query, shapeCtx(statements, answers, ctx));
}

/** The deploy of the checkout service at 10:25 (1.0.0 → 1.1.0), ten minutes before the runaway. */
export const CHECKOUT_DEPLOY: DeployRow = {
  time: at(25),
  service: 'checkout',
  version: '1.1.0',
  previousVersion: '1.0.0',
};

/** The runaway's anomaly event (10:35, score 0.99, three traces) and an earlier one scored below 0.9. */
export const CHECKOUT_EVENTS: AnomalyEventRow[] = [
  { m: 35, score: 0.99, traceIds: TRACES, deploys: 'checkout 1.1.0 (from 1.0.0) at 2026-03-01T10:25:00Z' },
  { m: 10, score: 0.6, traceIds: ['ffffffffffffffffffffffffffffffff'] },
];
