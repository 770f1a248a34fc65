/**
 * One burn-rate window of a budget: `1h 15.20 PAGE`, coloured by its level against the window's
 * thresholds, with the level written out (never by colour alone) and read as "1h burn rate 15.20, page".
 *
 * @packageDocumentation
 */
import { cx } from '@emotion/css';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { Shown } from '../../budgets';
import { burnLevel, burnText, chipLabel } from '../../display';
import type { BurnWindow, WindowThresholds } from '../../types';
import { getStyles } from './styles';

export interface BurnChipProps {
  window: BurnWindow;
  /** The window's latest burn rate and its field (for unit and decimals). */
  burn: Shown;
  thresholds: WindowThresholds;
  compact?: boolean;
}

/** A burn-rate chip (see the module notes). */
export function BurnChip({ window, burn, thresholds, compact = false }: BurnChipProps) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const level = burnLevel(burn.value, thresholds);
  const label = chipLabel(window, burn, level, theme);
  return (
    // role="img": a named, non-interactive badge; its text parts are presentation for the label.
    <span
      role="img"
      aria-label={label}
      title={label}
      data-level={level}
      className={cx(styles.chip, styles[level], compact && styles.compact)}
    >
      <span className={styles.window}>{window}</span>
      <span className={styles.value}>{burnText(burn, theme)}</span>
      {level !== 'ok' && <span className={styles.word}>{level}</span>}
    </span>
  );
}
