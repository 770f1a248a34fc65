/**
 * Spend to date against the budget: a bar filled to the share spent (over budget: full, in the error
 * colour; credits: empty), a tick where on-pace spend would be by now, and the numbers in words.
 *
 * @packageDocumentation
 */
import type { ReactNode } from 'react';
import { cx } from '@emotion/css';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { BudgetModel } from '../../budgets';
import { hasBudget, spendText } from '../../display';
import { getStyles } from './styles';

export interface SpendBarProps {
  budget: BudgetModel;
  /** More numbers for the same line (the row's projection and exhaustion). */
  children?: ReactNode;
  /** Placement in the parent's layout. */
  className?: string;
}

/** How full the bar is (0–1) and whether the budget is overspent; pure, for the component and its tests. */
export function spendFill(m: BudgetModel): { share: number; over: boolean } | undefined {
  if (!hasBudget(m)) return undefined;
  const spent = m.spent?.value ?? 0;
  // Net credits (spent < 0) leave the bar empty: there is nothing of the budget used.
  const share = spent <= 0 ? 0 : spent / m.budget!.value;
  return { share: Math.min(1, share), over: share > 1 };
}

/** The bar and its numbers (see the module notes); nothing when there is nothing to say. */
export function SpendBar({ budget: m, children, className }: SpendBarProps) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const text = spendText(m, theme);
  if (text === undefined && children === undefined) return null;
  const fill = spendFill(m);
  return (
    <div className={cx(styles.root, className)}>
      {fill !== undefined && (
        // The numbers beside it say everything the bar shows: hidden from screen readers.
        <div className={styles.track} aria-hidden="true" data-testid="spend-bar">
          <div
            className={cx(styles.fill, fill.over && styles.over)}
            style={{ width: `${(fill.share * 100).toFixed(2)}%` }}
            data-share={fill.share}
          />
          {m.elapsed !== undefined && (
            <div className={styles.pace} style={{ left: `${(m.elapsed * 100).toFixed(2)}%` }} />
          )}
        </div>
      )}
      <div className={styles.numbers}>
        {text}
        {fill?.over && <span className={styles.overWord}> over budget</span>}
        {children}
      </div>
    </div>
  );
}
