import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** Styles of the spend bar. */
export const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.25), minWidth: 0 }),
  track: css({
    position: 'relative',
    height: theme.spacing(1),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    overflow: 'hidden',
  }),
  fill: css({ height: '100%', background: theme.colors.primary.main }),
  over: css({ background: theme.colors.error.main }),
  // Where spend would be if the budget were used exactly on pace: a fill past it is ahead of pace.
  pace: css({
    position: 'absolute',
    top: 0,
    bottom: 0,
    width: 2,
    marginLeft: -1,
    background: theme.colors.text.primary,
    opacity: 0.6,
  }),
  numbers: css({
    ...theme.typography.bodySmall,
    color: theme.colors.text.secondary,
    fontVariantNumeric: 'tabular-nums',
  }),
  overWord: css({ color: theme.colors.error.text, fontWeight: theme.typography.fontWeightMedium }),
});
