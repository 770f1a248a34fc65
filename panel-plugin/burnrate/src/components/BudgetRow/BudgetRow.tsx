/**
 * One budget: its alert state word, name, spend against the budget, projected period-end spend, time to
 * exhaustion and a chip per shown burn-rate window. Focusable, with an `aria-label` that reads the whole
 * state, so a keyboard or screen-reader user gets a row in one stop.
 *
 * Full rows: state, name and chips over the spend bar and its numbers, the projection chart beside them.
 * Compact rows (small panels) keep one line, most important first so that what does not fit is the least
 * needed: state, name, chips, the share of the budget spent, the time to exhaustion.
 *
 * @packageDocumentation
 */
import { cx } from '@emotion/css';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { BudgetModel } from '../../budgets';
import { exhaustionText, hasBudget, percentText, projectionText, rowLabel } from '../../display';
import type { Options } from '../../types';
import { BurnChip } from '../BurnChip/BurnChip';
import { ProjectionLine } from '../ProjectionLine/ProjectionLine';
import { SpendBar } from '../SpendBar/SpendBar';
import { StateBadge } from '../StateBadge/StateBadge';
import { getStyles } from './styles';

export interface BudgetRowProps {
  budget: BudgetModel;
  options: Pick<Options, 'windows' | 'thresholds' | 'showProjection'>;
  compact: boolean;
}

/** The short spend of a compact row: `90%`, `credit`, `no budget`, or nothing. */
export function compactSpend(m: BudgetModel): string | undefined {
  if (m.spent !== undefined && m.spent.value < 0) return 'credit';
  if (m.budget !== undefined && !hasBudget(m)) return 'no budget';
  if (m.spent === undefined || m.budget === undefined) return undefined;
  return `${percentText(m.spent.value / m.budget.value)} spent`;
}

/** A budget row (see the module notes). */
export function BudgetRow({ budget: m, options, compact }: BudgetRowProps) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const label = rowLabel(m, options.windows, options.thresholds, theme);
  const chips = options.windows
    .filter((w) => m.burn[w] !== undefined)
    .map((w) => (
      <BurnChip key={w} window={w} burn={m.burn[w]!} thresholds={options.thresholds[w]} compact={compact} />
    ));
  const exhaustion = exhaustionText(m);
  // "exhausted" says it all; the other answers read after the question they answer.
  const exhaustionLine =
    exhaustion === undefined || exhaustion === 'exhausted' ? exhaustion : `exhaustion ${exhaustion}`;

  if (compact) {
    const spend = compactSpend(m);
    return (
      <div
        role="listitem"
        tabIndex={0}
        aria-label={label}
        className={cx(styles.row, styles.compact)}
        data-budget={m.name}
      >
        <StateBadge state={m.state} from={m.stateFrom} />
        <span className={cx(styles.name, styles.nameCompact)} title={m.name}>
          {m.name}
        </span>
        <span className={cx(styles.chips, styles.chipsCompact)}>{chips}</span>
        {spend !== undefined && <span className={styles.meta}>{spend}</span>}
        {/* "Not within period" needs no room in a small cell: the row's label still says it. */}
        {exhaustionLine !== undefined && exhaustion !== 'not within period' && (
          <span className={cx(styles.meta, styles.urgent)}>{exhaustionLine}</span>
        )}
      </div>
    );
  }

  const projection = projectionText(m, theme);
  const chart = options.showProjection ? <ProjectionLine budget={m} /> : null;
  return (
    <div
      role="listitem"
      tabIndex={0}
      aria-label={label}
      className={cx(styles.row, styles.full)}
      data-budget={m.name}
    >
      <div className={styles.head}>
        <StateBadge state={m.state} from={m.stateFrom} />
        <span className={styles.name} title={m.name}>
          {m.name}
        </span>
        {chips.length > 0 && <span className={styles.chips}>{chips}</span>}
      </div>
      {chart !== null && <div className={styles.chart}>{chart}</div>}
      <SpendBar budget={m} className={styles.spend}>
        {projection !== undefined && <span> · {projection}</span>}
        {exhaustionLine !== undefined && (
          <span className={cx(exhaustion !== 'not within period' && styles.urgent)}> · {exhaustionLine}</span>
        )}
      </SpendBar>
    </div>
  );
}
