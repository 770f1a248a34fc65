/**
 * Frames → one model per budget (pure). Reads what `meterline-cost-datasource`'s "Burn rate & budgets"
 * query returns (datasource-plugin `queries/burn.ts`):
 *
 * - the `budgets` table: one row per budget with `budget`, `currency`, `burn <window>`, `projected ratio`,
 *   `spent`, `projected`, `budget amount`, `exhaustion` (s) and `state` (`page` | `ticket` | `ok`, from the
 *   alert flags `meterline signals` wrote);
 * - per-budget series: `burn` (labels `budget`, `window`), and `projected`, `budget`, `exhaustion`, `spent`
 *   (label `budget`), whose latest values are used first (their units carry each budget's currency).
 *
 * Fields are looked up by name, type and labels, so frames of another data source with the same fields work
 * too; with only burn series, budgets have burn rates and nothing else.
 *
 * @packageDocumentation
 */
import { FieldType, type DataFrame, type Field } from '@grafana/data';
import { BURN_RULES } from '@meterline/cost-model';
import { fieldNamed, lastNumber, type FieldRequirement } from '@meterline/panel-shared';
import { BURN_WINDOWS, isBurnWindow, type BurnWindow } from './types';

/**
 * A budget's alert state in the rules' words: `page` (fast burn: someone acts now), `ticket` (slow burn:
 * within a working day), `ok`; `unknown` when neither the alert flags nor the windows a rule needs are in the
 * frames.
 */
export type AlertState = 'page' | 'ticket' | 'ok' | 'unknown';

/** A value with the field it came from, so it is shown with that field's unit, decimals and currency. */
export interface Shown {
  value: number;
  field: Field;
}

/** One budget, as the panel shows it. Amounts are in the budget's currency (see the fields' config). */
export interface BudgetModel {
  name: string;
  /** ISO 4217 code from the table's `currency` column, when there is one. */
  currency?: string;
  /** Spent from the period start to the evaluation; negative for net credits. */
  spent?: Shown;
  /** The budget amount for the period. */
  budget?: Shown;
  /** Projected period-end spend at the last day's pace. */
  projected?: Shown;
  /** Projected period-end spend / budget. */
  projectedRatio?: number;
  /** Latest burn rate per window present in the frames (1.0 = on pace). */
  burn: Partial<Record<BurnWindow, Shown>>;
  /**
   * Seconds from the evaluation until the budget runs out at the current pace: 0 once it has; `null` when it
   * does not within the period; `undefined` when the frames do not say.
   */
  exhaustionS?: number | null;
  state: AlertState;
  /** Where `state` comes from: the alert flags the signals loop wrote, or the burn rates here. */
  stateFrom: 'alert flags' | 'burn rates' | 'none';
  /**
   * Share of the budget period elapsed at the evaluation (0–1), derived from the projection (see
   * {@link elapsedShare}); `undefined` when the frames cannot tell.
   */
  elapsed?: number;
}

const STATES: ReadonlySet<string> = new Set(['page', 'ticket', 'ok']);

/** The table's budget-name column: a string field named `budget`. */
function isBudgetNameField(field: Field): boolean {
  return field.type === FieldType.string && field.name.toLowerCase() === 'budget';
}

/** A numeric series field of one budget: its `budget` label, and a name among `names`. */
function budgetSeries(names: readonly string[]) {
  const named = fieldNamed(...names);
  return (field: Field): boolean =>
    field.type === FieldType.number && typeof field.labels?.budget === 'string' && named(field);
}

/** A burn series: numeric, labels `budget` and a known `window` (the field's name does not matter). */
function isBurnSeries(field: Field): boolean {
  return (
    field.type === FieldType.number &&
    typeof field.labels?.budget === 'string' &&
    isBurnWindow(field.labels?.window)
  );
}

const isSpentSeries = budgetSeries(['spent']);
const isBudgetAmountSeries = budgetSeries(['budget', 'budget amount']);
const isProjectedSeries = budgetSeries(['projected']);
const isExhaustionSeries = budgetSeries(['exhaustion']);

/**
 * What the panel needs, as alternatives for `checkFrames`: the `budgets` table, or burn series, or spend
 * series. The descriptions are shown in the "wrong frames" state.
 */
export const REQUIREMENTS: ReadonlyArray<readonly FieldRequirement[]> = [
  [
    { description: 'budget (text: the budget name, one row per budget)', match: isBudgetNameField },
    {
      description: 'burn <window> or spent (number, in the same table)',
      match: (field, frame) =>
        field.type === FieldType.number &&
        /^(burn (5m|1h|6h|1d|3d)|spent)$/i.test(field.name) &&
        frame.fields.some(isBudgetNameField),
    },
  ],
  [{ description: 'burn (number, labels budget and window: 5m, 1h, 6h, 1d or 3d)', match: isBurnSeries }],
  [
    { description: 'spent (number, label budget)', match: isSpentSeries },
    { description: 'budget (number, label budget)', match: isBudgetAmountSeries },
  ],
];

/** The query that gives the frames this panel reads, for the no-data and wrong-frames states. */
export const QUERY_HINT = 'a "Burn rate & budgets" query of the Meterline Cost data source';

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function fieldByName(frame: DataFrame, name: string): Field | undefined {
  const lower = name.toLowerCase();
  return frame.fields.find((f) => f.name.toLowerCase() === lower);
}

function numberField(frame: DataFrame, name: string): Field | undefined {
  const f = fieldByName(frame, name);
  return f?.type === FieldType.number ? f : undefined;
}

/** The value at `row` of `field` as a {@link Shown}, if it is a finite number. */
function shownAt(field: Field | undefined, row: number): Shown | undefined {
  if (field === undefined) return undefined;
  const value = finite(field.values[row]);
  return value === undefined ? undefined : { value, field };
}

function emptyModel(name: string): BudgetModel {
  return { name, burn: {}, state: 'unknown', stateFrom: 'none' };
}

/** Rows of every `budgets`-like table (a string `budget` column) into `models`, filling what is missing. */
function readTables(frames: readonly DataFrame[], models: Map<string, BudgetModel>): void {
  for (const frame of frames) {
    const names = frame.fields.find(isBudgetNameField);
    if (names === undefined) continue;
    const currency = fieldByName(frame, 'currency');
    const state = fieldByName(frame, 'state');
    const spent = numberField(frame, 'spent');
    const budget = numberField(frame, 'budget amount');
    const projected = numberField(frame, 'projected');
    const ratio = numberField(frame, 'projected ratio');
    const exhaustion = numberField(frame, 'exhaustion');
    const burns = BURN_WINDOWS.map((w) => [w, numberField(frame, `burn ${w}`)] as const);
    for (let row = 0; row < frame.length; row++) {
      const name = names.values[row];
      if (typeof name !== 'string' || name === '') continue;
      const m = models.get(name) ?? emptyModel(name);
      models.set(name, m);
      const c = currency?.values[row];
      if (typeof c === 'string' && c !== '') m.currency = c;
      m.spent ??= shownAt(spent, row);
      m.budget ??= shownAt(budget, row);
      m.projected ??= shownAt(projected, row);
      m.projectedRatio ??= finite(ratio?.values[row]);
      for (const [w, f] of burns) m.burn[w] ??= shownAt(f, row);
      if (exhaustion !== undefined && m.exhaustionS === undefined) {
        // In the table an empty cell means "not within the period" (the data source's documented meaning).
        m.exhaustionS = finite(exhaustion.values[row]) ?? null;
      }
      const s = state?.values[row];
      if (typeof s === 'string' && STATES.has(s)) {
        m.state = s as AlertState;
        m.stateFrom = 'alert flags';
      }
    }
  }
}

/** The latest finite value of a series field. */
function latest(field: Field): Shown | undefined {
  const value = lastNumber(field);
  return value === undefined ? undefined : { value, field };
}

/** Per-budget series into `models` (latest values). */
function readSeries(frames: readonly DataFrame[], models: Map<string, BudgetModel>): void {
  for (const frame of frames) {
    for (const field of frame.fields) {
      const name = field.labels?.budget;
      if (field.type !== FieldType.number || typeof name !== 'string' || name === '') continue;
      const modelOf = (): BudgetModel => {
        const m = models.get(name) ?? emptyModel(name);
        models.set(name, m);
        return m;
      };
      if (isBurnSeries(field)) {
        const m = modelOf();
        m.burn[field.labels!.window as BurnWindow] ??= latest(field);
      } else if (isSpentSeries(field)) modelOf().spent ??= latest(field);
      else if (isBudgetAmountSeries(field)) modelOf().budget ??= latest(field);
      else if (isProjectedSeries(field)) modelOf().projected ??= latest(field);
      else if (isExhaustionSeries(field)) {
        const m = modelOf();
        if (m.exhaustionS === undefined && field.values.length > 0) {
          // The last bucket's value, even when empty: an empty latest bucket means the budget no longer
          // runs out within the period, and an older number would be stale.
          m.exhaustionS = finite(field.values[field.values.length - 1]) ?? null;
        }
      }
    }
  }
}

/**
 * The alert state from burn rates, as the alert rules decide it (cost-model `BURN_RULES`: both windows of a
 * rule strictly above its threshold); `unknown` when the frames lack a window every rule needs and no rule
 * fires.
 */
export function stateFromBurn(burn: Partial<Record<BurnWindow, number>>): AlertState {
  let evaluable = false;
  const fires = (name: 'page' | 'ticket'): boolean =>
    BURN_RULES.some((r) => {
      if (r.name !== name) return false;
      const long = burn[r.long];
      const short = burn[r.short];
      if (long === undefined || short === undefined) return false;
      evaluable = true;
      return long > r.threshold && short > r.threshold;
    });
  if (fires('page')) return 'page';
  if (fires('ticket')) return 'ticket';
  return evaluable ? 'ok' : 'unknown';
}

/**
 * The share of the budget period elapsed at the evaluation, from the projection the signals loop made:
 * `projected = spent + spend(1d) × left / 1d` and `burn(1d) = spend(1d) × period / (budget × 1d)` give
 * `left / period = (projected − spent) / (burn(1d) × budget)`. Only when the 1d pace is positive and the
 * budget is; otherwise (zero pace, credits, no 1d window) the frames cannot tell.
 */
export function elapsedShare(
  spent: number | undefined,
  projected: number | undefined,
  budget: number | undefined,
  burn1d: number | undefined,
): number | undefined {
  if (spent === undefined || projected === undefined || budget === undefined || burn1d === undefined) {
    return undefined;
  }
  if (!(budget > 0) || !(burn1d > 0)) return undefined;
  const left = (projected - spent) / (burn1d * budget);
  if (!Number.isFinite(left)) return undefined;
  return Math.min(1, Math.max(0, 1 - left));
}

/**
 * One model per budget in `frames`, in no particular order (see `sortBudgets`): latest values from the
 * series, the rest and the alert state from the table; without the alert flags, the state comes from the
 * burn rates.
 */
export function budgetsFromFrames(frames: readonly DataFrame[] | undefined): BudgetModel[] {
  const models = new Map<string, BudgetModel>();
  const list = frames ?? [];
  // Series first: each carries its own budget's currency in its unit, where the table's money columns
  // have no unit when budgets differ in currency. The table fills in the rest and gives the state.
  readSeries(list, models);
  readTables(list, models);
  for (const m of models.values()) {
    if (m.stateFrom === 'none') {
      const burn: Partial<Record<BurnWindow, number>> = {};
      for (const w of BURN_WINDOWS) if (m.burn[w] !== undefined) burn[w] = m.burn[w]!.value;
      m.state = stateFromBurn(burn);
      if (m.state !== 'unknown') m.stateFrom = 'burn rates';
    }
    if (m.projectedRatio === undefined && m.projected !== undefined && m.budget && m.budget.value > 0) {
      m.projectedRatio = m.projected.value / m.budget.value;
    }
    m.elapsed = elapsedShare(m.spent?.value, m.projected?.value, m.budget?.value, m.burn['1d']?.value);
  }
  return [...models.values()];
}

/** The highest burn rate among `windows` (−∞ without any), the key of the `burn` sort. */
export function maxBurn(m: BudgetModel, windows: readonly BurnWindow[]): number {
  let max = -Infinity;
  for (const w of windows) {
    const v = m.burn[w]?.value;
    if (v !== undefined && v > max) max = v;
  }
  return max;
}

/** The share of the budget spent (undefined without a positive budget), the key of the `spend` sort. */
export function spentShare(m: BudgetModel): number | undefined {
  if (m.spent === undefined || m.budget === undefined || !(m.budget.value > 0)) return undefined;
  return m.spent.value / m.budget.value;
}

/**
 * `models` ordered for display (a new array): `burn` — highest burn among the shown windows first;
 * `spend` — largest share of the budget spent first (a share, so budgets in different currencies compare);
 * `name` — alphabetical. Budgets without the key go last; ties are broken by name.
 */
export function sortBudgets(
  models: readonly BudgetModel[],
  by: 'burn' | 'name' | 'spend',
  windows: readonly BurnWindow[],
): BudgetModel[] {
  const byName = (a: BudgetModel, b: BudgetModel): number => a.name.localeCompare(b.name);
  if (by === 'name') return [...models].sort(byName);
  const key = (m: BudgetModel): number | undefined => {
    if (by === 'spend') return spentShare(m);
    const v = maxBurn(m, windows);
    return v === -Infinity ? undefined : v;
  };
  return [...models].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka === undefined || kb === undefined) {
      return ka === kb ? byName(a, b) : ka === undefined ? 1 : -1;
    }
    return kb - ka || byName(a, b);
  });
}
