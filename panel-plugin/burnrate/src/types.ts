/**
 * The burn-rate panel's options and their defaults.
 *
 * Thresholds default to what Meterline's alert rules use (cost-model `BURN_RULES`, the rules behind
 * `meterline-budget-burn-page` and `meterline-budget-burn-ticket`): a window above the page rule's 14.4 is
 * shown at page level, above the ticket rule's 1.0 (over pace) at ticket level. Burn rates are normalised by
 * the budget period, so the same numbers mean the same thing for every window and period; each window can
 * still be tuned on its own.
 *
 * @packageDocumentation
 */
import { BURN_RULES } from '@meterline/cost-model';

/** The trailing windows `meterline signals` evaluates burn rates over, shortest first. */
export const BURN_WINDOWS = ['5m', '1h', '6h', '1d', '3d'] as const;

/** One burn-rate window. */
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/** The levels a burn-rate chip is shown at, in the alert rules' words. */
export type BurnLevel = 'ok' | 'ticket' | 'page';

/** The burn rates above which (strictly, as the alert rules compare) a window shows as ticket / page. */
export interface WindowThresholds {
  ticket: number;
  page: number;
}

/** How budgets are ordered: highest burn first, by name, or by the share of the budget spent. */
export type SortBy = 'burn' | 'name' | 'spend';

/** One line per budget (`compact`), full rows (`full`), or compact only when the panel is small (`auto`). */
export type Layout = 'auto' | 'compact' | 'full';

/** The panel's options (`panel.options` in the dashboard JSON). */
export interface Options {
  /** Burn-rate windows shown as chips, when the frames have them. */
  windows: BurnWindow[];
  /** Chip thresholds per window. */
  thresholds: Record<BurnWindow, WindowThresholds>;
  sortBy: SortBy;
  layout: Layout;
  /** The small projection chart (spent so far → projected period-end spend, against the budget). */
  showProjection: boolean;
}

function ruleThreshold(name: 'page' | 'ticket'): number {
  const rule = BURN_RULES.find((r) => r.name === name);
  // BURN_RULES is a constant of cost-model: a missing rule is a programming error, not a user input.
  if (rule === undefined) throw new Error(`cost-model BURN_RULES has no ${name} rule`);
  return rule.threshold;
}

/** Page level: the page rule's threshold (14.4: 2% of a 30-day budget in an hour). */
export const PAGE_THRESHOLD = ruleThreshold('page');
/** Ticket level: the ticket rule's threshold (1.0: over pace). */
export const TICKET_THRESHOLD = ruleThreshold('ticket');

/** Every window's default thresholds (see the module notes). */
export function defaultThresholds(): Record<BurnWindow, WindowThresholds> {
  const out = {} as Record<BurnWindow, WindowThresholds>;
  for (const w of BURN_WINDOWS) out[w] = { ticket: TICKET_THRESHOLD, page: PAGE_THRESHOLD };
  return out;
}

/** The defaults of every option (also what a migration fills in). */
export const DEFAULT_OPTIONS: Options = {
  windows: [...BURN_WINDOWS],
  thresholds: defaultThresholds(),
  sortBy: 'burn',
  layout: 'auto',
  showProjection: true,
};

/**
 * Below either size `auto` switches to compact rows: a 4×3 dashboard cell is about 300×130 px, where full
 * rows (name, bar, numbers, chips, projection) would not fit even one budget.
 */
export const COMPACT_BELOW = { width: 480, height: 170 } as const;

/** Whether `value` is one of {@link BURN_WINDOWS}. */
export function isBurnWindow(value: unknown): value is BurnWindow {
  return typeof value === 'string' && (BURN_WINDOWS as readonly string[]).includes(value);
}
