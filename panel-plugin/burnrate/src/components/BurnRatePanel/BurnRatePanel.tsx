/**
 * The `meterline-burnrate-panel` panel: one row per budget with its alert state in the rules' words
 * (page, ticket, ok), spend to date against the budget, projected period-end spend, time to exhaustion and
 * a burn-rate chip per window, for the on-call dashboard's "Budget burn rate" panel.
 *
 * Reads the frames of a "Burn rate & budgets" query of `meterline-cost-datasource` (see `budgets.ts`);
 * without them it says what it expected instead of staying blank.
 *
 * @packageDocumentation
 */
import { useMemo, type KeyboardEvent } from 'react';
import { LoadingState, type PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { PanelProblem, checkFrames } from '@meterline/panel-shared';
import { QUERY_HINT, REQUIREMENTS, budgetsFromFrames, sortBudgets, type BudgetModel } from '../../budgets';
import { normalizeOptions } from '../../migrations';
import { COMPACT_BELOW, type Layout, type Options } from '../../types';
import { BudgetRow } from '../BudgetRow/BudgetRow';
import { getStyles } from './styles';

/** Props Grafana passes to the panel. */
export type BurnRatePanelProps = PanelProps<Options>;

/** Whether rows are compact: as the layout option says, or (auto) when the panel is small. */
export function isCompact(layout: Layout, width: number, height: number): boolean {
  if (layout !== 'auto') return layout === 'compact';
  return width < COMPACT_BELOW.width || height < COMPACT_BELOW.height;
}

/** `2 page · 1 ticket · 27 ok`: how many budgets are in each state, worst first, zero counts left out. */
export function summaryText(models: readonly BudgetModel[]): string {
  const counts = new Map<string, number>();
  for (const m of models) counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
  return (['page', 'ticket', 'ok', 'unknown'] as const)
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s === 'unknown' ? 'no state' : s}`)
    .join(' · ');
}

/** Arrow keys, Home and End move between rows (Tab still visits each one). */
function moveFocus(event: KeyboardEvent<HTMLDivElement>): void {
  const rows = Array.from(event.currentTarget.querySelectorAll<HTMLElement>('[role="listitem"]'));
  const at = rows.indexOf(event.target as HTMLElement);
  if (at < 0) return;
  const next =
    event.key === 'ArrowDown'
      ? at + 1
      : event.key === 'ArrowUp'
        ? at - 1
        : event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? rows.length - 1
            : undefined;
  if (next === undefined) return;
  event.preventDefault();
  rows[Math.max(0, Math.min(rows.length - 1, next))]?.focus();
}

/** The panel (see the module notes). */
export function BurnRatePanel({ data, options, width, height }: BurnRatePanelProps) {
  const styles = useStyles2(getStyles);
  const opts = useMemo(() => normalizeOptions(options), [options]);
  const check = useMemo(() => checkFrames(data.series, REQUIREMENTS), [data.series]);
  const budgets = useMemo(
    () => sortBudgets(budgetsFromFrames(data.series), opts.sortBy, opts.windows),
    [data.series, opts.sortBy, opts.windows],
  );
  // The first answer is on its way: "No data" now would be a false alarm on an on-call dashboard.
  if (check.state === 'no-data' && data.state === LoadingState.Loading) return null;
  if (check.state !== 'ok') return <PanelProblem check={check} queryHint={QUERY_HINT} />;
  // Frames with the right fields but no budget name in any row: nothing to show for this range.
  if (budgets.length === 0) return <PanelProblem check={{ state: 'no-data' }} queryHint={QUERY_HINT} />;
  const compact = isCompact(opts.layout, width, height);
  return (
    <div className={styles.root} data-compact={compact}>
      {!compact && <div className={styles.summary}>{summaryText(budgets)}</div>}
      <div role="list" aria-label="Budgets" className={styles.list} onKeyDown={moveFocus}>
        {budgets.map((b) => (
          <BudgetRow key={b.name} budget={b} options={opts} compact={compact} />
        ))}
      </div>
    </div>
  );
}
