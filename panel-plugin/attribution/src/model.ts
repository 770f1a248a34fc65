/**
 * What the panel shows, computed from the frames without React or a theme: the unknown-attribution ratio
 * per currency (latest value, trend, status against the target) and the top unattributed sources.
 *
 * The frames are those of `meterline-cost-datasource`'s "Unknown attribution" query
 * (`datasource-plugin/src/queries/unknown.ts`):
 *
 * - `ratio` view: one frame per currency, a time field and a number field `unknown ratio` (`percentunit`,
 *   labels `{ currency }`);
 * - `sources` view: one table `unknown sources` with `source`, `provider`, `account`, `service`, `sku`,
 *   `region`, `currency`, `amount` (money) and `share` (of its currency's unknown total; `null` when that
 *   total is zero), costliest first.
 *
 * Fields are found by name, so the same fields from another query (e.g. Raw InfluxQL aliased like the
 * runbook's `SUM(...) AS "unknown"`) work too; either view alone is enough.
 *
 * @packageDocumentation
 */
import { FieldType, type DataFrame, type Field } from '@grafana/data';
import { fieldNamed, numberNamed, timeFieldOf, type FieldRequirement } from '@meterline/panel-shared';
import type { AttributionOptions } from './types';

/** Where the ratio stands against the target. `credit`: negative (unattributed credits exceed charges). */
export type RatioStatus = 'over' | 'within' | 'credit' | 'none';

/** One point of the ratio's trend (finite values only: gaps are simply absent, as `fill(none)` leaves them). */
export interface TrendPoint {
  time: number;
  value: number;
}

/** The ratio of one currency. */
export interface CurrencyRatio {
  /** The `currency` label; `''` for a series without one. */
  currency: string;
  /** The ratio field, for formatting with its field config (unit `percentunit`, decimals). */
  field: Field;
  /** The trend, in time order. */
  points: TrendPoint[];
  /** The last finite value; `undefined` when there is none (nothing spent: no ratio was written). */
  latest: number | undefined;
  status: RatioStatus;
}

/** One row of the top unattributed sources. Tags a source does not have are `''`. */
export interface SourceRow {
  /** Stable across refreshes (React key). */
  key: string;
  /** `telemetry` or `export` (`''` when the frame has no `source` field). */
  source: string;
  service: string;
  sku: string;
  region: string;
  provider: string;
  account: string;
  currency: string;
  /** What the cost ran on: the region for telemetry; provider, account and region for exports. */
  resource: string;
  /** Unknown spend; negative for credits; `null` when missing. */
  amount: number | null;
  /** Share of its currency's unknown total (a fraction); `null` when that total is zero or unknown. */
  share: number | null;
}

/** The top unattributed sources. */
export interface SourcesTable {
  /** The top {@link AttributionOptions.topN} rows, costliest first. */
  rows: SourceRow[];
  /** How many rows the frame had (to say "top 10 of 100"). */
  total: number;
  amountField: Field;
  /** Absent when the frame has no share (then {@link SourceRow.share} is computed over the frame's rows). */
  shareField: Field | undefined;
  /** More than one currency among the rows: amounts are shown with their currency code. */
  multiCurrency: boolean;
}

/** Everything the panel shows. */
export interface AttributionModel {
  /** The target as a fraction (5% → 0.05). */
  target: number;
  /** One per currency, in frame order. Empty without a ratio query. */
  ratios: CurrencyRatio[];
  /** The ratio of the big number: the chosen currency, else the one furthest over target. */
  primary: CurrencyRatio | undefined;
  /** Undefined without a sources query. */
  sources: SourcesTable | undefined;
}

const isRatio = (field: Field): boolean =>
  numberNamed('unknown ratio', 'unknown_ratio')(field) ||
  (field.type === FieldType.number && field.labels?.signal === 'unknown_ratio');

const isService = (field: Field): boolean => field.type === FieldType.string && fieldNamed('service')(field);

/** Names an unknown amount goes by: the data source's `amount`, the runbook's `unknown` alias. */
const AMOUNT_NAMES = ['amount', 'unknown', 'unknown spend'];
const isAmount = numberNamed(...AMOUNT_NAMES);

/** The ratio series (the data source's `ratio` view). */
export const RATIO_REQUIREMENT: FieldRequirement = {
  description: '"unknown ratio" (number, a series per currency label)',
  match: isRatio,
};

/** The table's service column (the data source's `sources` view). */
export const SERVICE_REQUIREMENT: FieldRequirement = {
  description: '"service" (string, in the unknown sources table)',
  match: isService,
};

/** The table's amount column, in the same frame as the service. */
export const AMOUNT_REQUIREMENT: FieldRequirement = {
  description: '"amount" (number, money, in the same table as "service")',
  match: (field, frame) => isAmount(field) && frame.fields.some(isService),
};

/** Either the ratio or the sources table is enough (for `checkFrames`). */
export const REQUIREMENTS: ReadonlyArray<readonly FieldRequirement[]> = [
  [RATIO_REQUIREMENT],
  [SERVICE_REQUIREMENT, AMOUNT_REQUIREMENT],
];

/**
 * Where `ratio` stands against `target` (fractions): above it is over (a ratio equal to the target is
 * within it, as the alert fires only above), below zero is a net credit, no ratio is `none`.
 */
export function statusOf(ratio: number | undefined, target: number): RatioStatus {
  if (ratio === undefined || !Number.isFinite(ratio)) return 'none';
  if (ratio > target) return 'over';
  return ratio < 0 ? 'credit' : 'within';
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function ratiosOf(frames: readonly DataFrame[], target: number): CurrencyRatio[] {
  const byCurrency = new Map<string, CurrencyRatio>();
  for (const frame of frames) {
    const time = timeFieldOf(frame);
    for (const field of frame.fields) {
      if (!isRatio(field)) continue;
      const currency = (field.labels?.currency ?? '').trim().toUpperCase();
      // Two ratio queries of one currency (say 1h and 1d windows): the first one, as documented.
      if (byCurrency.has(currency)) continue;
      const points: TrendPoint[] = [];
      const values = field.values as ArrayLike<unknown>;
      for (let i = 0; i < values.length; i++) {
        const value = finite(values[i]);
        const t = time === undefined ? i : finite((time.values as ArrayLike<unknown>)[i]);
        // NaN or Infinity (a 0/0 from some other writer) and nulls are no data, never a point.
        if (value !== undefined && t !== undefined) points.push({ time: t, value });
      }
      points.sort((a, b) => a.time - b.time);
      const latest = points.at(-1)?.value;
      byCurrency.set(currency, { currency, field, points, latest, status: statusOf(latest, target) });
    }
  }
  return [...byCurrency.values()];
}

/**
 * The ratio the big number shows: `currency` when a series has it, else the highest latest ratio (the one
 * an on-call engineer must see first; the alert is per currency too), ties and no-ratio series in frame
 * order.
 */
export function choosePrimary(ratios: readonly CurrencyRatio[], currency: string): CurrencyRatio | undefined {
  const wanted = currency.trim().toUpperCase();
  if (wanted !== '') {
    const pinned = ratios.find((r) => r.currency === wanted);
    if (pinned !== undefined) return pinned;
  }
  let best: CurrencyRatio | undefined;
  for (const r of ratios) {
    if (best === undefined) best = r;
    else if (r.latest !== undefined && (best.latest === undefined || r.latest > best.latest)) best = r;
  }
  return best;
}

/** What a source ran on, as one text: `eu-west-1`, or `Google Cloud / payments-prod-4711 · us-central1`. */
export function resourceOf(row: Pick<SourceRow, 'provider' | 'account' | 'region'>): string {
  const owner = [row.provider, row.account].filter((s) => s !== '').join(' / ');
  return [owner, row.region].filter((s) => s !== '').join(' · ');
}

function sourcesOf(frames: readonly DataFrame[], topN: number): SourcesTable | undefined {
  const frame = frames.find((f) => f.fields.some(isService) && f.fields.some(isAmount));
  if (frame === undefined) return undefined;
  const amountField = frame.fields.find(isAmount)!;
  const column = (name: string): Field | undefined =>
    frame.fields.find((f) => f.type === FieldType.string && fieldNamed(name)(f));
  const text = (f: Field | undefined, i: number): string => {
    const v = f === undefined ? undefined : (f.values as ArrayLike<unknown>)[i];
    return v === null || v === undefined ? '' : String(v);
  };
  const shareField = frame.fields.find(numberNamed('share'));
  const cols = {
    source: column('source'),
    service: column('service'),
    sku: column('sku'),
    region: column('region'),
    provider: column('provider'),
    account: column('account'),
    currency: column('currency'),
  };
  const all: SourceRow[] = [];
  const length = (amountField.values as ArrayLike<unknown>).length;
  for (let i = 0; i < length; i++) {
    const row = {
      source: text(cols.source, i),
      service: text(cols.service, i),
      sku: text(cols.sku, i),
      region: text(cols.region, i),
      provider: text(cols.provider, i),
      account: text(cols.account, i),
      currency: text(cols.currency, i).toUpperCase(),
      amount: finite((amountField.values as ArrayLike<unknown>)[i]) ?? null,
      share: shareField === undefined ? null : (finite((shareField.values as ArrayLike<unknown>)[i]) ?? null),
    };
    const key = [row.source, row.provider, row.account, row.service, row.sku, row.region, row.currency].join(
      '\u0000',
    );
    all.push({ ...row, key, resource: resourceOf(row) });
  }
  if (shareField === undefined) {
    // No share column: each row's share of its currency's unknown total over the rows we have. A zero total
    // (credits cancelling charges) has no share, rather than a division by zero.
    const totals = new Map<string, number>();
    for (const r of all)
      if (r.amount !== null) totals.set(r.currency, (totals.get(r.currency) ?? 0) + r.amount);
    for (const r of all) {
      const total = totals.get(r.currency) ?? 0;
      r.share = r.amount === null || total === 0 ? null : r.amount / total;
    }
  }
  // The data source already ranks them; other queries may not. Stable: equal amounts keep frame order.
  const ranked = all
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const x = a.r.amount ?? -Infinity;
      const y = b.r.amount ?? -Infinity;
      return x !== y ? y - x : a.i - b.i;
    })
    .map(({ r }) => r);
  // Keys must be unique for React even if a frame repeats a group.
  const seen = new Map<string, number>();
  for (const r of ranked) {
    const n = seen.get(r.key) ?? 0;
    seen.set(r.key, n + 1);
    if (n > 0) r.key += `\u0000${n}`;
  }
  return {
    rows: ranked.slice(0, topN),
    total: ranked.length,
    amountField,
    shareField,
    multiCurrency: new Set(ranked.map((r) => r.currency)).size > 1,
  };
}

/** The model of `frames` under `options` (options already normalised). */
export function buildModel(frames: readonly DataFrame[], options: AttributionOptions): AttributionModel {
  const target = options.targetPercent / 100;
  const ratios = ratiosOf(frames, target);
  return {
    target,
    ratios,
    primary: choosePrimary(ratios, options.currency),
    sources: sourcesOf(frames, options.topN),
  };
}
