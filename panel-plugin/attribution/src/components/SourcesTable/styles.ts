import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** Styles of the sources table (theme tokens only). */
export const getStyles = (theme: GrafanaTheme2) => {
  const cell = {
    padding: theme.spacing(0.5, 1),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    whiteSpace: 'nowrap' as const,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  };
  return {
    table: css({
      width: '100%',
      // Fixed: the column widths are the ones given, whatever the text (long names are cut, not the amounts).
      tableLayout: 'fixed',
      borderCollapse: 'collapse',
      ...theme.typography.bodySmall,
      color: theme.colors.text.primary,
    }),
    caption: css({
      captionSide: 'top',
      textAlign: 'left',
      padding: theme.spacing(0, 1, 0.5, 1),
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
    }),
    th: css({
      ...cell,
      textAlign: 'left',
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
    }),
    thNumber: css({
      ...cell,
      textAlign: 'right',
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
    }),
    tr: css({ '&:hover': { background: theme.colors.action.hover } }),
    rowHeader: css({
      ...cell,
      textAlign: 'left',
      fontWeight: theme.typography.fontWeightRegular,
    }),
    td: css(cell),
    tdNumber: css({
      ...cell,
      textAlign: 'right',
      fontVariantNumeric: 'tabular-nums',
    }),
    link: css({
      color: theme.colors.text.link,
      '&:hover': { textDecoration: 'underline' },
      '&:focus-visible': {
        outline: `2px solid ${theme.colors.primary.main}`,
        // Inside the link: the cell clips what is outside (overflow hidden, for the ellipsis).
        outlineOffset: -2,
        borderRadius: theme.shape.radius.default,
      },
    }),
    badge: css({ color: theme.colors.text.secondary }),
  };
};
