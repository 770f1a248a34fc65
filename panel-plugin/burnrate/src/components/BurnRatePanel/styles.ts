import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** Styles of the panel: a summary line, then a list of rows that scrolls when it does not fit. */
export const getStyles = (theme: GrafanaTheme2) => ({
  root: css({
    display: 'flex',
    flexDirection: 'column',
    height: '100%',
    width: '100%',
    minWidth: 0,
    color: theme.colors.text.primary,
  }),
  summary: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    padding: theme.spacing(0, 1, 0.5),
  }),
  list: css({ flex: '1 1 auto', minHeight: 0, overflowY: 'auto', overflowX: 'hidden' }),
});
