import {
  type Attributes,
  type Meter,
  type ObservableCounter,
  type ObservableResult,
  ValueType,
} from '@opentelemetry/api';
import {
  COST_ATTRIBUTION,
  COST_CENTER,
  COST_CURRENCY,
  COST_SKU,
  COST_TEAM,
  COST_TENANT,
  COST_UNIT,
} from './attributes';
import type { UsageSink } from './span-pricer';

/** Name of the cost counter. */
export const COST_METRIC = 'meterline.cost';
/** Prefix of the usage counters: one per SKU unit, e.g. `meterline.usage.request`, `meterline.usage.gb_s`. */
export const USAGE_METRIC_PREFIX = 'meterline.usage.';
/** Attribute sets kept per instrument before new ones are folded into an overflow series (the SDK's default). */
export const DEFAULT_MAX_SERIES = 2000;
/** The OTel attribute marking an overflow series. */
export const OVERFLOW_ATTRIBUTE = 'otel.metric.overflow';

/** Options of {@link CostMetrics}. */
export interface CostMetricsOptions {
  /** ISO 4217 code every amount is recorded in (the catalog's base currency). */
  baseCurrency: string;
  /** SKU units known up front (the catalog's), so their instruments exist before the first span. */
  units?: readonly string[];
  /** Attribute sets kept before new ones go to an overflow series per SKU (default {@link DEFAULT_MAX_SERIES}). */
  maxSeries?: number;
}

interface Series {
  readonly costAttributes: Attributes;
  readonly usageAttributes: Attributes;
  amount: number;
  quantity: number;
}

interface UsageInstrument {
  readonly counter: ObservableCounter;
  readonly series: Series[];
}

/** Tenant → team → center → attribution kind → SKU → series. */
type Trie = Map<string, Map<string, Map<string, Map<string, Map<string, Series>>>>>;

/**
 * Cost metrics recorded in-process for every priced span:
 *
 * - `meterline.cost` — monotonic sum of amounts in the catalog's **base currency**, unit `{<currency>}`
 *   (e.g. `{USD}`: UCUM has no currencies, so the code is an OTel unit annotation; amounts in other price
 *   currencies are converted at the span's end time, so one instrument has one unit).
 * - `meterline.usage.<unit>` — one monotonic sum per SKU unit (`request` → `meterline.usage.request` with unit
 *   `{request}`, `GB-s` → `meterline.usage.gb_s` with `GBy.s`, …): summing quantities of different units is
 *   meaningless, and OTel requires one unit per instrument.
 *
 * Attributes: `cost.tenant`, `cost.team`, `cost.center`, `cost.attribution`, `cost.sku`, `cost.currency`
 * (usage also `cost.unit`, the SKU's unit as configured); `service.name` and the rest come from the resource.
 *
 * **Floats.** A metric value is a double by nature: these sums are for dashboards and alerts, and may differ
 * from the exact total in the last bits. Exact money lives in the span attribute `cost.amount` (a decimal
 * string) and in the InfluxDB rollups (integer nano-units).
 *
 * **Why observable counters.** A synchronous `Counter.add` hashes its attribute set on every call (sorting
 * and serialising it), which would dominate the span hot path. Here a span adds into a pre-built series found
 * by a few `Map.get`s; the SDK reads the running totals at collection time. Temporality is still the
 * exporter's choice (the SDK turns cumulative observations into deltas when asked).
 */
export class CostMetrics {
  private readonly meter: Meter;
  private readonly currency: string;
  private readonly maxSeries: number;
  private readonly cost: ObservableCounter;
  private readonly usage = new Map<string, UsageInstrument>();
  private readonly all: Series[] = [];
  private readonly trie: Trie = new Map();
  private readonly overflow = new Map<string, Series>();
  /** Series of the span being recorded (see {@link CostMetrics.begin}). */
  private scope: Map<string, Series> | undefined;
  private scopeTenant = '';
  private scopeTeam = '';
  private scopeCenter = '';
  private scopeAttribution = '';

  constructor(meter: Meter, options: CostMetricsOptions) {
    this.meter = meter;
    this.currency = options.baseCurrency;
    this.maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
    this.cost = meter.createObservableCounter(COST_METRIC, {
      description:
        'Cost of priced spans, in the base currency (a float: exact amounts are in span attributes)',
      unit: `{${options.baseCurrency}}`,
      valueType: ValueType.DOUBLE,
    });
    this.cost.addCallback((result) => this.observeCost(result));
    for (const unit of options.units ?? []) this.instrumentFor(unit);
  }

  /**
   * Records one priced usage. `amount` is in the base currency.
   * Hot path: allocates only the first time an attribute set is seen.
   */
  record(
    tenant: string,
    team: string,
    center: string,
    attribution: string,
    sku: string,
    unit: string,
    quantity: number,
    amount: number,
  ): void {
    this.begin(tenant, team, center, attribution);
    this.sink(sku, unit, quantity, amount);
  }

  /** Sets the attribution of the usages passed to {@link CostMetrics.sink} next (one span's). */
  begin(tenant: string, team: string, center: string, attribution: string): void {
    this.scopeTenant = tenant;
    this.scopeTeam = team;
    this.scopeCenter = center;
    this.scopeAttribution = attribution;
    let teams = this.trie.get(tenant);
    if (teams === undefined) this.trie.set(tenant, (teams = new Map()));
    let centers = teams.get(team);
    if (centers === undefined) teams.set(team, (centers = new Map()));
    let kinds = centers.get(center);
    if (kinds === undefined) centers.set(center, (kinds = new Map()));
    let skus = kinds.get(attribution);
    if (skus === undefined) kinds.set(attribution, (skus = new Map()));
    this.scope = skus;
  }

  /** Records one usage under the attribution given to the last {@link CostMetrics.begin}. */
  readonly sink: UsageSink = (sku, unit, quantity, amount) => {
    const scope = this.scope;
    if (scope === undefined) return;
    let series = scope.get(sku);
    if (series === undefined) {
      series = this.newSeries(sku, unit);
      scope.set(sku, series);
    }
    series.amount += amount;
    series.quantity += quantity;
  };

  private newSeries(sku: string, unit: string): Series {
    const instrument = this.instrumentFor(unit);
    if (this.all.length >= this.maxSeries) {
      let series = this.overflow.get(sku);
      if (series === undefined) {
        const base = { [OVERFLOW_ATTRIBUTE]: true, [COST_SKU]: sku, [COST_CURRENCY]: this.currency };
        series = {
          costAttributes: base,
          usageAttributes: { ...base, [COST_UNIT]: unit },
          amount: 0,
          quantity: 0,
        };
        this.overflow.set(sku, series);
        instrument.series.push(series);
      }
      return series;
    }
    const costAttributes: Attributes = {
      [COST_TENANT]: this.scopeTenant,
      [COST_TEAM]: this.scopeTeam,
      [COST_CENTER]: this.scopeCenter,
      [COST_ATTRIBUTION]: this.scopeAttribution,
      [COST_SKU]: sku,
      [COST_CURRENCY]: this.currency,
    };
    const series: Series = {
      costAttributes,
      usageAttributes: { ...costAttributes, [COST_UNIT]: unit },
      amount: 0,
      quantity: 0,
    };
    this.all.push(series);
    instrument.series.push(series);
    return series;
  }

  private instrumentFor(unit: string): UsageInstrument {
    let instrument = this.usage.get(unit);
    if (instrument === undefined) {
      const counter = this.meter.createObservableCounter(usageMetricName(unit), {
        description: `Usage of SKUs measured in ${unit || 'an unknown unit'}`,
        unit: otelUnit(unit),
        valueType: ValueType.DOUBLE,
      });
      const series: Series[] = [];
      counter.addCallback((result: ObservableResult) => {
        for (const s of series) result.observe(s.quantity, s.usageAttributes);
      });
      instrument = { counter, series };
      this.usage.set(unit, instrument);
    }
    return instrument;
  }

  private observeCost(result: ObservableResult): void {
    for (const s of this.all) result.observe(s.amount, s.costAttributes);
    for (const s of this.overflow.values()) result.observe(s.amount, s.costAttributes);
  }
}

/** `meterline.usage.<unit>`: the unit lower-cased, runs of other characters as `_` (`GB-s` → `gb_s`). */
export function usageMetricName(unit: string): string {
  const slug = unit
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return USAGE_METRIC_PREFIX + (slug || 'unknown');
}

/** Common SKU units in UCUM as OTel writes it (`By` bytes, SI `G` = 10^9); anything else as an annotation. */
const UCUM: Readonly<Record<string, string>> = {
  B: 'By',
  byte: 'By',
  bytes: 'By',
  KB: 'kBy',
  MB: 'MBy',
  GB: 'GBy',
  TB: 'TBy',
  'GB-s': 'GBy.s',
  'GB-h': 'GBy.h',
  'GB-mo': 'GBy.mo',
  s: 's',
  'cpu-s': 's',
  h: 'h',
  'cpu-h': 'h',
  ms: 'ms',
};

/** The OTel instrument unit of a SKU unit: UCUM where there is one, else `{<unit>}` (e.g. `{request}`). */
export function otelUnit(unit: string): string {
  return UCUM[unit] ?? (unit === '' ? '{unknown}' : `{${unit}}`);
}
