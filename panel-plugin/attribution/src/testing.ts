/**
 * Test support (imported by `*.test.ts(x)` only): frames made the way `meterline-cost-datasource` makes them,
 * by its own `unknown` query type's `shape` from hand-written InfluxDB answers, so the panel is tested
 * against the real data contract rather than a copy of it.
 *
 * @packageDocumentation
 */
import type { DataFrame, InterpolateFunction, PanelProps, TimeRange } from '@grafana/data';
import { dateTime, LoadingState } from '@grafana/data';
import { unknownQuery } from '../../../datasource-plugin/src/queries/unknown';
import { answer, buildCtx, FROM, series, shapeCtx, TO } from '../../../datasource-plugin/src/queries/testing';
import { DEFAULT_QUERY, type MeterlineQuery } from '../../../datasource-plugin/src/types';
import { DEFAULT_OPTIONS, type AttributionOptions } from './types';

export { FROM, TO };

const MIN = 60_000;

function query(over: Partial<MeterlineQuery>): MeterlineQuery {
  return { ...DEFAULT_QUERY, refId: 'A', queryType: 'unknown', ...over };
}

/**
 * The `ratio` view's frames: one series per currency, `values` one per minute from {@link FROM}
 * (`null` = no point in that bucket, as `fill(none)` leaves it).
 */
export function ratioFrames(byCurrency: Record<string, Array<number | null>>): DataFrame[] {
  const q = query({ unknownView: 'ratio', unknownWindow: '1h', unknownSource: 'all' });
  const statements = unknownQuery.build(q, buildCtx());
  const s = Object.entries(byCurrency).map(([currency, values]) =>
    series(
      'cost_signal',
      { currency },
      ['time', 'value', 'unknown_nano', 'total_nano'],
      values.flatMap((v, i) => (v === null ? [] : [[FROM + i * MIN, v, 0, 0]])),
    ),
  );
  return unknownQuery.shape(q, shapeCtx(statements, [answer(...s)]));
}

/** A telemetry source: unknown spend of a service/SKU/region in nano-units. */
export interface TelemetrySource {
  service: string;
  sku: string;
  region?: string;
  nano: number | bigint;
  currency?: string;
}

/** An export source: unknown billed spend of a provider account's service/SKU in nano-units. */
export interface ExportSource extends TelemetrySource {
  provider: string;
  account: string;
}

/** The `sources` view's table (empty list: no frame at all, as the data source returns nothing). */
export function sourcesFrames(
  telemetry: TelemetrySource[],
  exports: ExportSource[] = [],
  limit = 10,
): DataFrame[] {
  const q = query({ unknownView: 'sources', unknownSource: 'all', limit });
  const statements = unknownQuery.build(q, buildCtx());
  const tel = telemetry.map((t) =>
    series(
      'cost',
      { service: t.service, sku: t.sku, region: t.region ?? '', currency: t.currency ?? 'USD' },
      ['time', 'amount_nano'],
      [[0, t.nano]],
    ),
  );
  const exp = exports.map((t) =>
    series(
      'provider_cost',
      {
        provider: t.provider,
        account: t.account,
        service: t.service,
        sku: t.sku,
        region: t.region ?? '',
        currency: t.currency ?? 'USD',
      },
      ['time', 'amount_nano'],
      [[0, t.nano]],
    ),
  );
  return unknownQuery.shape(q, shapeCtx(statements, [answer(...tel), answer(...exp)]));
}

/** The dashboard time range of the tests: FROM … TO (six hours). */
export const RANGE: TimeRange = {
  from: dateTime(FROM),
  to: dateTime(TO),
  raw: { from: 'now-6h', to: 'now' },
};

/** PanelProps as Grafana passes them, over `frames` (options merged over the defaults). */
export function panelProps(
  frames: DataFrame[],
  over: {
    options?: Partial<AttributionOptions>;
    width?: number;
    height?: number;
    replaceVariables?: InterpolateFunction;
  } = {},
): PanelProps<AttributionOptions> {
  return {
    id: 1,
    data: { state: LoadingState.Done, series: frames, timeRange: RANGE },
    timeRange: RANGE,
    timeZone: 'utc',
    options: { ...DEFAULT_OPTIONS, ...over.options },
    transparent: false,
    width: over.width ?? 800,
    height: over.height ?? 300,
    fieldConfig: { defaults: {}, overrides: [] },
    renderCounter: 0,
    title: 'Unknown attribution',
    eventBus: { publish: () => undefined } as unknown as PanelProps['eventBus'],
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    replaceVariables: over.replaceVariables ?? ((s: string) => s),
    onChangeTimeRange: () => undefined,
  };
}
