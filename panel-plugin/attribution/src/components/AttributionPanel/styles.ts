import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PAD } from './layout';

/** Styles of the panel's frame (theme tokens only; sizes come from `layout.ts`). */
export const getStyles = (theme: GrafanaTheme2) => ({
  side: css({
    display: 'flex',
    flexDirection: 'row',
    gap: PAD,
    padding: PAD,
    boxSizing: 'border-box',
    overflow: 'hidden',
  }),
  stacked: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    padding: PAD,
    boxSizing: 'border-box',
    overflow: 'hidden',
  }),
  statColumn: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    flexShrink: 0,
    minWidth: 0,
  }),
  spark: css({ flexShrink: 0 }),
  tableArea: css({ flex: '1 1 auto', minWidth: 0, minHeight: 0, overflow: 'auto' }),
  empty: css({ ...theme.typography.bodySmall, color: theme.colors.text.secondary, margin: 0 }),
});
