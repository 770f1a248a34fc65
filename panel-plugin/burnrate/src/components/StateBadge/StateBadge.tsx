/**
 * A budget's alert state as the rules word it — `page`, `ticket`, `ok` — on the state's colour.
 *
 * @packageDocumentation
 */
import { cx } from '@emotion/css';
import { useStyles2 } from '@grafana/ui';
import type { AlertState } from '../../budgets';
import { stateWord } from '../../display';
import { getStyles } from './styles';

export interface StateBadgeProps {
  state: AlertState;
  /** Where the state comes from, shown as a tooltip. */
  from: string;
}

/** The state word (see the module notes). */
export function StateBadge({ state, from }: StateBadgeProps) {
  const styles = useStyles2(getStyles);
  const title = state === 'unknown' ? 'No alert flags and not the windows a rule needs' : `From the ${from}`;
  return (
    <span className={cx(styles.badge, styles[state])} data-state={state} title={title}>
      {stateWord(state)}
    </span>
  );
}
