import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import type { RatioStatus } from '../../model';
import { statusColor } from '../statusColor';

/** Styles of the big number (theme tokens only). */
export const getStyles = (theme: GrafanaTheme2) => ({
  stat: css({ display: 'flex', flexDirection: 'column', minWidth: 0 }),
  valueRow: css({ display: 'flex', alignItems: 'baseline', gap: theme.spacing(1), minWidth: 0 }),
  value: (status: RatioStatus) =>
    css({
      color: statusColor(theme, status),
      fontWeight: theme.typography.fontWeightMedium,
      lineHeight: 1.1,
      whiteSpace: 'nowrap',
      fontVariantNumeric: 'tabular-nums',
    }),
  currency: css({ ...theme.typography.bodySmall, color: theme.colors.text.secondary }),
  status: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  statusWord: (status: RatioStatus) =>
    css({ color: statusColor(theme, status), fontWeight: theme.typography.fontWeightMedium }),
  target: css({ color: theme.colors.text.secondary }),
  others: css({
    ...theme.typography.bodySmall,
    listStyle: 'none',
    margin: theme.spacing(0.5, 0, 0, 0),
    padding: 0,
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(1.5),
    color: theme.colors.text.secondary,
  }),
  other: css({ whiteSpace: 'nowrap' }),
  otherCurrency: css({ color: theme.colors.text.secondary }),
  otherNote: css({ color: theme.colors.text.secondary }),
});
