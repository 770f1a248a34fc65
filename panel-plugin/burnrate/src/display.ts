/**
 * How a budget's numbers read, in words an on-call engineer uses (pure, no React): money through the
 * frames' field config, burn levels against the thresholds, time to exhaustion, and the one sentence a
 * screen reader hears for a whole budget row.
 *
 * @packageDocumentation
 */
import type { Field, GrafanaTheme2 } from '@grafana/data';
import { formatField } from '@meterline/panel-shared';
import type { AlertState, BudgetModel, Shown } from './budgets';
import type { BurnLevel, BurnWindow, WindowThresholds } from './types';

/**
 * The level of a burn rate against a window's thresholds: strictly above `page` → page, strictly above
 * `ticket` → ticket, else ok (strictly, as the alert rules compare: exactly 14.4 does not page).
 */
export function burnLevel(value: number, thresholds: WindowThresholds): BurnLevel {
  if (value > thresholds.page) return 'page';
  if (value > thresholds.ticket) return 'ticket';
  return 'ok';
}

/** Whole units of a duration, rounded down: time left is never overstated. */
export function humanDuration(seconds: number): string {
  if (seconds < 60) return '< 1 min';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** Whether the budget has a positive amount (a zero or missing amount cannot be burnt). */
export function hasBudget(m: BudgetModel): boolean {
  return m.budget !== undefined && m.budget.value > 0;
}

/**
 * Time to exhaustion in words: `in 3 d 4 h`, `exhausted` (the spend has reached the budget),
 * `not within period`; undefined when the frames do not say or there is no budget to run out of.
 */
export function exhaustionText(m: BudgetModel): string | undefined {
  if (m.budget !== undefined && !hasBudget(m)) return undefined;
  if (hasBudget(m) && m.spent !== undefined && m.spent.value >= m.budget!.value) return 'exhausted';
  if (m.exhaustionS === undefined) return undefined;
  if (m.exhaustionS === null) return 'not within period';
  if (m.exhaustionS <= 0) return 'exhausted';
  return `in ${humanDuration(m.exhaustionS)}`;
}

/**
 * A field to format `currency` amounts with: `field` itself when its config has a unit; otherwise (the
 * `budgets` table leaves money unitless when budgets have different currencies) a copy with the currency
 * code as a suffix unit, as the data source shows codes.
 */
function moneyField(field: Field, currency: string | undefined): Field {
  if (field.config.unit !== undefined && field.config.unit !== '') return field;
  if (currency === undefined || currency === '') return field;
  // A copy without `display`: the shared formatter makes a display processor for the new unit. No space
  // after the colon: Grafana's suffix units add one themselves.
  return { ...field, display: undefined, config: { ...field.config, unit: `suffix:${currency}` } };
}

/** An amount as the frames' field config says (unit, decimals, currency), e.g. `$812.34`. */
export function moneyText(
  shown: Shown,
  currency: string | undefined,
  theme: GrafanaTheme2,
  value = shown.value,
): string {
  return formatField(moneyField(shown.field, currency), value, theme);
}

/** A burn rate as its field says (a ratio with 2 decimals, or a percentage of pace). */
export function burnText(shown: Shown, theme: GrafanaTheme2): string {
  return formatField(shown.field, shown.value, theme);
}

/** A ratio as a whole percentage: `0.9034` → `90%`. */
export function percentText(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}

/** The state word shown on a row: the alert rules' words, and what to say when nothing tells. */
export function stateWord(state: AlertState): string {
  return state === 'unknown' ? 'no state' : state;
}

/** The text of the spend numbers: `812.34 of 900.00 (90%)`, a credit, or `no budget`. */
export function spendText(m: BudgetModel, theme: GrafanaTheme2): string | undefined {
  const parts: string[] = [];
  if (m.spent !== undefined) {
    parts.push(
      m.spent.value < 0
        ? `credit ${moneyText(m.spent, m.currency, theme, -m.spent.value)}`
        : `spent ${moneyText(m.spent, m.currency, theme)}`,
    );
  }
  if (m.budget !== undefined) {
    if (!hasBudget(m)) parts.push('no budget');
    else {
      const of = `of ${moneyText(m.budget, m.currency, theme)}`;
      const share =
        m.spent !== undefined && m.spent.value >= 0
          ? ` (${percentText(m.spent.value / m.budget.value)})`
          : '';
      parts.push(of + share);
    }
  }
  return parts.length === 0 ? undefined : parts.join(' ');
}

/** The projected period-end spend: `projected 2,345.00 (261% of budget)`. */
export function projectionText(m: BudgetModel, theme: GrafanaTheme2): string | undefined {
  if (m.projected === undefined) return undefined;
  const amount = moneyText(m.projected, m.currency, theme);
  const ratio =
    hasBudget(m) && m.projectedRatio !== undefined ? ` (${percentText(m.projectedRatio)} of budget)` : '';
  return `projected ${amount}${ratio}`;
}

/** What a burn-rate chip says to a screen reader: `1h burn rate 15.20, page`. */
export function chipLabel(window: BurnWindow, shown: Shown, level: BurnLevel, theme: GrafanaTheme2): string {
  return `${window} burn rate ${burnText(shown, theme)}, ${level}`;
}

/**
 * The whole state of a budget row in one sentence, for its `aria-label`: name and state first (what
 * on-call needs), then spend, projection, exhaustion and the burn rates of the shown windows.
 */
export function rowLabel(
  m: BudgetModel,
  windows: readonly BurnWindow[],
  thresholds: Record<BurnWindow, WindowThresholds>,
  theme: GrafanaTheme2,
): string {
  const parts = [`${m.name}: ${m.state === 'unknown' ? 'alert state unknown' : m.state}`];
  const spend = spendText(m, theme);
  if (spend !== undefined) parts.push(spend);
  const projection = projectionText(m, theme);
  if (projection !== undefined) parts.push(projection);
  const exhaustion = exhaustionText(m);
  if (exhaustion === 'exhausted') parts.push('budget exhausted');
  else if (exhaustion === 'not within period') parts.push('budget not exhausted within the period');
  else if (exhaustion !== undefined) parts.push(`budget exhausted ${exhaustion}`);
  const chips = windows
    .filter((w) => m.burn[w] !== undefined)
    .map((w) => {
      const shown = m.burn[w]!;
      return `${w} ${burnText(shown, theme)} ${burnLevel(shown.value, thresholds[w])}`;
    });
  if (chips.length > 0) parts.push(`burn rates ${chips.join(', ')}`);
  return parts.join('; ');
}
