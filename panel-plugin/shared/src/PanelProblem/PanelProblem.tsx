/**
 * What a panel shows instead of a blank area: "No data" for an empty result, or, for frames without the
 * fields it needs, which fields those are and which query gives them. Announced to screen readers.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { FrameCheck } from '../frames';

export interface PanelProblemProps {
  check: Exclude<FrameCheck, { state: 'ok' }>;
  /** The query that gives the right frames, e.g. `a "Burn rate & budgets" query of Meterline Cost`. */
  queryHint: string;
}

export function PanelProblem({ check, queryHint }: PanelProblemProps) {
  const styles = useStyles2(getStyles);
  if (check.state === 'no-data') {
    return (
      <div className={styles.box} role="status" aria-live="polite">
        <div className={styles.title}>No data</div>
        <div className={styles.hint}>Nothing in this time range. This panel reads {queryHint}.</div>
      </div>
    );
  }
  return (
    <div className={styles.box} role="status" aria-live="polite">
      <div className={styles.title}>These frames do not have what this panel needs</div>
      <div className={styles.hint}>
        Expected {queryHint}, or frames with these fields:
        <ul className={styles.list}>
          {check.missing.map((r) => (
            <li key={r.description}>{r.description}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    display: 'flex',
    flexDirection: 'column',
    justifyContent: 'center',
    height: '100%',
    padding: theme.spacing(1),
    overflow: 'auto',
    color: theme.colors.text.secondary,
  }),
  title: css({ ...theme.typography.h5, color: theme.colors.text.primary }),
  hint: css({ ...theme.typography.bodySmall }),
  list: css({ margin: theme.spacing(0.5, 0, 0, 2), padding: 0 }),
});
