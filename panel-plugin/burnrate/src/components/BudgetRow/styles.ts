import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** Styles of a budget row, full and compact. */
export const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    minWidth: 0,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    outline: 'none',
    '&:focus-visible': {
      outline: `2px solid ${theme.colors.primary.main}`,
      outlineOffset: -2,
    },
    '&:hover': { background: theme.colors.action.hover },
  }),
  // Full rows: state, name and chips over the spend bar and its numbers; the projection chart on the right.
  full: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) auto',
    columnGap: theme.spacing(1.5),
    rowGap: theme.spacing(0.5),
    alignItems: 'center',
    padding: theme.spacing(0.75, 1),
  }),
  compact: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.75),
    padding: theme.spacing(0.25, 0.5),
    whiteSpace: 'nowrap',
    overflow: 'hidden',
  }),
  head: css({
    gridColumn: 1,
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(0.5, 1),
    minWidth: 0,
  }),
  chart: css({ gridColumn: 2, gridRow: '1 / span 2' }),
  spend: css({ gridColumn: 1 }),
  name: css({
    flex: '0 1 auto',
    minWidth: theme.spacing(6),
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    fontWeight: theme.typography.fontWeightMedium,
  }),
  // Compact: the name gives way to the chips, down to a few characters.
  nameCompact: css({ minWidth: theme.spacing(8), maxWidth: '40%', flexShrink: 1 }),
  meta: css({
    flexShrink: 0,
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    fontVariantNumeric: 'tabular-nums',
  }),
  urgent: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  chips: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
    minWidth: 0,
    marginLeft: 'auto',
  }),
  // Compact rows: chips keep to one line and do not shrink; the row clips what does not fit, from the right.
  chipsCompact: css({ flexWrap: 'nowrap', flex: '0 0 auto', marginLeft: 0 }),
});
