/**
 * Burn rate and budgets, from the points `meterline signals` writes (otel-processor `signals/budgets.ts`):
 *
 * - `cost_signal signal=burn_rate window=<5m…3d>`, tags `budget` (+ scope): `value` (1.0 = on pace),
 *   `spend_nano`;
 * - `cost_signal signal=projected_ratio window=period`: `value` (projected period-end spend / budget),
 *   `exhaustion_s`, `spent_nano`, `projected_nano`, `budget_nano`, flags `warn`, `escalate`, `page`,
 *   `ticket`;
 * - `cost_budget` (tags `budget`, `currency`): the budget's currency, which signal points do not carry.
 *
 * Signals are evaluated every minute; each bucket shows the last evaluation in it (`LAST`), so a panel
 * over a month reads one point per bucket, not 43,200.
 *
 * Frames, per `burnMetrics`:
 *
 * | metric | frame per | field (unit) |
 * |---|---|---|
 * | `burn` | budget × window | `burn` (ratio, or `percentunit` with `burnAsPercent`) |
 * | `projected` | budget | `projected` period-end spend (currency) |
 * | `budget` | budget | `budget` amount (currency) |
 * | `exhaustion` | budget | `exhaustion` time to exhaustion (`s`) |
 * | `spent` | budget | `spent` to date (currency) |
 *
 * and always a table frame named `budgets` (see {@link BUDGETS_FRAME}) for the burn-rate panel.
 *
 * @packageDocumentation
 */
import type { DataFrame, Field, ThresholdsConfig, ThresholdsMode } from '@grafana/data';
import type { JsonValue } from '@meterline/cost-model';
import { bool, column, num, tagOf, timeMs, type InfluxSeries } from '../frames/answers';
import { FieldTypes } from '../frames/field-type';
import { displayName, field, frame, timeField } from '../frames/frame';
import { currencyOf, moneyConfig, nanoToNumber } from '../frames/money';
import { bucketInterval } from '../influxql/interval';
import { and, eq, equalsCondition, oneOf, timeCondition } from '../influxql/where';
import { BURN_WINDOWS, type BurnMetric, type MeterlineOptions, type MeterlineQuery } from '../types';
import {
  QueryBuildError,
  type BuildContext,
  type BuiltStatement,
  type QueryTypeHandler,
  type ShapeContext,
} from './contract';

/** Name of the table frame with one row per budget. */
export const BUDGETS_FRAME = 'budgets';

const PROJECTED_FIELDS = [
  'value',
  'exhaustion_s',
  'spent_nano',
  'projected_nano',
  'budget_nano',
  'warn',
  'escalate',
  'page',
  'ticket',
] as const;

function lastOf(fields: readonly string[]): string {
  return fields.map((f) => `LAST("${f}") AS "${f}"`).join(', ');
}

function windowsOf(query: MeterlineQuery): string[] {
  const known: readonly string[] = BURN_WINDOWS;
  const windows = [...new Set(query.windows ?? [])];
  for (const w of windows) {
    if (!known.includes(w)) {
      throw new QueryBuildError(`burn: unknown window '${String(w)}' (one of ${BURN_WINDOWS.join(', ')})`);
    }
  }
  // In the order the signals loop lists them, whatever order they were ticked in.
  return known.filter((w) => windows.includes(w as never));
}

function build(query: MeterlineQuery, ctx: BuildContext): BuiltStatement[] {
  const bucket = bucketInterval(query.interval, ctx);
  const time = timeCondition(ctx.fromMs, ctx.toMs);
  const budget = equalsCondition('budget', query.budget, ctx);
  const windows = windowsOf(query);
  const out: BuiltStatement[] = [];
  if (windows.length > 0) {
    out.push({
      role: 'burn',
      text:
        `SELECT ${lastOf(['value', 'spend_nano'])} FROM "cost_signal" ` +
        `WHERE ${and(time, eq('signal', 'burn_rate'), oneOf('window', windows), budget)} ` +
        `GROUP BY time(${bucket.text}), "budget", "window" fill(none)`,
    });
  } else if ((query.burnMetrics ?? []).includes('burn')) {
    throw new QueryBuildError('burn: no burn-rate window selected (pick one or more of 5m, 1h, 6h, 1d, 3d)');
  }
  out.push({
    role: 'projected',
    text:
      `SELECT ${lastOf(PROJECTED_FIELDS)} FROM "cost_signal" ` +
      `WHERE ${and(time, eq('signal', 'projected_ratio'), eq('window', 'period'), budget)} ` +
      `GROUP BY time(${bucket.text}), "budget" fill(none)`,
  });
  // A budget's currency is on its `cost_budget` point, written at the period start, which may be long
  // before the range: no lower time bound (the measurement holds one point per budget and period).
  out.push({
    role: 'budget-currency',
    text:
      `SELECT LAST("amount_nano") AS "amount_nano" FROM "cost_budget" ` +
      `WHERE ${and(`time <= ${Math.floor(ctx.toMs)}ms`, budget)} GROUP BY "budget", "currency"`,
  });
  return out;
}

/** Latest values of one budget, for the `budgets` table. */
interface BudgetRow {
  burn: Map<string, number | null>;
  ratio: number | null;
  spent: JsonValue | undefined;
  projected: JsonValue | undefined;
  budget: JsonValue | undefined;
  exhaustion: number | null;
  page: boolean;
  ticket: boolean;
}

function emptyRow(): BudgetRow {
  return {
    burn: new Map(),
    ratio: null,
    spent: undefined,
    projected: undefined,
    budget: undefined,
    exhaustion: null,
    page: false,
    ticket: false,
  };
}

function shape(query: MeterlineQuery, ctx: ShapeContext): DataFrame[] {
  const metrics = new Set<BurnMetric>(query.burnMetrics ?? []);
  const currencies = budgetCurrencies(ctx);
  const rows = new Map<string, BudgetRow>();
  const rowOf = (budget: string): BudgetRow => {
    let r = rows.get(budget);
    if (r === undefined) rows.set(budget, (r = emptyRow()));
    return r;
  };
  const frames: DataFrame[] = [];
  ctx.statements.forEach((statement, i) => {
    if (statement.role !== 'burn' && statement.role !== 'projected') return;
    const out = { metrics, ctx, meta: { executedQueryString: statement.text } };
    for (const series of ctx.answers[i]?.series ?? []) {
      const budget = tagOf(series, 'budget');
      if (statement.role === 'burn') frames.push(...burnFrames(series, budget, rowOf(budget), out));
      else {
        const currency = currencies.get(budget) ?? currencyOf(undefined, ctx.settings);
        frames.push(...projectionFrames(series, budget, currency, rowOf(budget), out));
      }
    }
  });
  if (rows.size > 0) frames.push(budgetsTable(ctx, rows, currencies, windowsOf(query)));
  return frames;
}

interface FrameOptions {
  metrics: ReadonlySet<BurnMetric>;
  ctx: ShapeContext;
  meta: { executedQueryString: string };
}

function timesOf(series: InfluxSeries): number[] {
  const t = column(series, 'time');
  return series.values.map((r) => timeMs(r[t]) ?? NaN);
}

/** The burn rate of one budget and window; records its latest value in `row`. */
function burnFrames(series: InfluxSeries, budget: string, row: BudgetRow, o: FrameOptions): DataFrame[] {
  const window = tagOf(series, 'window');
  const values = numbers(series, 'value');
  row.burn.set(window, lastNonNull(values));
  if (!o.metrics.has('burn') || values.length === 0) return [];
  const name = displayName([budget, `burn ${window}`]);
  const config = {
    displayNameFromDS: name,
    unit: o.ctx.settings.burnAsPercent ? 'percentunit' : 'none',
    decimals: 2,
    thresholds: burnThresholds(o.ctx.settings),
  };
  const burn = field('burn', FieldTypes.number, values, config, { budget, window });
  return [frame(o.ctx.refId, [timeField(timesOf(series)), burn], { name, meta: o.meta })];
}

/**
 * Colours of a burn rate as time series and tables show them: on pace below 1, over pace from 1, critical
 * from the data source's "critical burn rate" (default 14.4, the page rule's threshold in BURN_RULES).
 */
function burnThresholds(settings: MeterlineOptions): ThresholdsConfig {
  const critical =
    settings.burnCritical !== undefined && settings.burnCritical > 1 ? settings.burnCritical : 14.4;
  return {
    // The enum's value: @grafana/data cannot be loaded at run time outside a browser (see frames/field-type.ts).
    mode: 'absolute' as ThresholdsMode.Absolute,
    steps: [
      { value: -Infinity, color: 'green' },
      { value: 1, color: 'orange' },
      { value: critical, color: 'red' },
    ],
  };
}

/** The projection metrics of one budget (per `burnMetrics`); records its latest values in `row`. */
function projectionFrames(
  series: InfluxSeries,
  budget: string,
  currency: string,
  row: BudgetRow,
  o: FrameOptions,
): DataFrame[] {
  latestProjected(series, row);
  if (series.values.length === 0) return [];
  const times = timesOf(series);
  const out: DataFrame[] = [];
  const add = (metric: BurnMetric, fieldName: string, col: string, label: string): void => {
    if (!o.metrics.has(metric)) return;
    const name = displayName([budget, label]);
    const seconds = metric === 'exhaustion';
    const values = seconds ? numbers(series, col) : money(series, col);
    const config = seconds
      ? { displayNameFromDS: name, unit: 's' }
      : moneyConfig(currency, o.ctx.settings, { displayName: name });
    const f = field(fieldName, FieldTypes.number, values, config, { budget });
    out.push(frame(o.ctx.refId, [timeField(times), f], { name, meta: o.meta }));
  };
  add('projected', 'projected', 'projected_nano', 'projected period-end spend');
  add('budget', 'budget', 'budget_nano', 'budget');
  add('exhaustion', 'exhaustion', 'exhaustion_s', 'time to exhaustion');
  add('spent', 'spent', 'spent_nano', 'spent to date');
  return out;
}

/** `budget` → currency, from the `cost_budget` answer. */
function budgetCurrencies(ctx: ShapeContext): Map<string, string> {
  const out = new Map<string, string>();
  ctx.statements.forEach((s, i) => {
    if (s.role !== 'budget-currency') return;
    for (const series of ctx.answers[i]?.series ?? []) {
      const currency = tagOf(series, 'currency');
      if (currency !== '') out.set(tagOf(series, 'budget'), currency);
    }
  });
  return out;
}

function numbers(series: InfluxSeries, name: string): Array<number | null> {
  const c = column(series, name);
  return series.values.map((r) => (c < 0 ? null : num(r[c])));
}

function money(series: InfluxSeries, name: string): Array<number | null> {
  const c = column(series, name);
  return series.values.map((r) => (c < 0 ? null : nanoToNumber(r[c])));
}

function lastNonNull<T>(values: ReadonlyArray<T | null>): T | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return null;
}

/**
 * The projected fields of the latest evaluation (series rows are in time order): the last row with a
 * `value`, every field read from that same row. Not the last non-null value of each field: `exhaustion_s`
 * is absent once the budget will not run out within the period, and an older value would be stale.
 */
function latestProjected(series: InfluxSeries, row: BudgetRow): void {
  const valueColumn = column(series, 'value');
  let at = series.values.length - 1;
  if (valueColumn >= 0) while (at >= 0 && (series.values[at]![valueColumn] ?? null) === null) at--;
  const latest = (name: string): JsonValue | undefined => {
    const c = column(series, name);
    return c < 0 || at < 0 ? undefined : (series.values[at]![c] ?? undefined);
  };
  row.ratio = num(latest('value'));
  row.exhaustion = num(latest('exhaustion_s'));
  row.spent = latest('spent_nano');
  row.projected = latest('projected_nano');
  row.budget = latest('budget_nano');
  row.page = bool(latest('page')) === true;
  row.ticket = bool(latest('ticket')) === true;
}

/**
 * The `budgets` table: one row per budget (sorted by name), latest values in the range. Fields:
 *
 * - `budget` (string), `currency` (string);
 * - `burn <window>` per selected window (number: 1.0 = on pace; `percentunit` with `burnAsPercent`);
 * - `projected ratio` (percentunit: projected period-end spend / budget);
 * - `spent`, `projected`, `budget amount` (currency amounts; the unit is set when every budget has the same
 *   currency, otherwise read the `currency` column);
 * - `exhaustion` (seconds until the budget runs out at the current pace; empty when not within the period);
 * - `state` (string): `page` when the page alert fires, else `ticket`, else `ok`.
 */
function budgetsTable(
  ctx: ShapeContext,
  rows: Map<string, BudgetRow>,
  currencies: Map<string, string>,
  windows: readonly string[],
): DataFrame {
  const settings: MeterlineOptions = ctx.settings;
  const names = [...rows.keys()].sort();
  const currencyList = names.map((b) => currencies.get(b) ?? currencyOf(undefined, settings));
  const one = new Set(currencyList).size === 1 ? currencyList[0]! : '';
  const moneyCfg = one === '' ? { decimals: 2 } : moneyConfig(one, settings);
  const get = <T>(f: (r: BudgetRow) => T): T[] => names.map((b) => f(rows.get(b)!));
  const fields: Field[] = [
    field('budget', FieldTypes.string, names),
    field('currency', FieldTypes.string, currencyList),
    ...windows.map((w) =>
      field(
        `burn ${w}`,
        FieldTypes.number,
        get((r) => r.burn.get(w) ?? null),
        {
          unit: settings.burnAsPercent ? 'percentunit' : 'none',
          decimals: 2,
          thresholds: burnThresholds(settings),
        },
      ),
    ),
    field(
      'projected ratio',
      FieldTypes.number,
      get((r) => r.ratio),
      { unit: 'percentunit', decimals: 1 },
    ),
    field(
      'spent',
      FieldTypes.number,
      get((r) => nanoToNumber(r.spent)),
      moneyCfg,
    ),
    field(
      'projected',
      FieldTypes.number,
      get((r) => nanoToNumber(r.projected)),
      moneyCfg,
    ),
    field(
      'budget amount',
      FieldTypes.number,
      get((r) => nanoToNumber(r.budget)),
      moneyCfg,
    ),
    field(
      'exhaustion',
      FieldTypes.number,
      get((r) => r.exhaustion),
      { unit: 's' },
    ),
    field(
      'state',
      FieldTypes.string,
      get((r) => (r.page ? 'page' : r.ticket ? 'ticket' : 'ok')),
    ),
  ];
  return frame(ctx.refId, fields, {
    name: BUDGETS_FRAME,
    meta: { preferredVisualisationType: 'table', custom: { resultType: 'budgets' } },
  });
}

/** Burn rates and budgets (see the module doc). */
export const burnQuery: QueryTypeHandler = { build, shape };
