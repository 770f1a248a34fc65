import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { statusColor } from '../statusColor';
import type { RatioStatus } from '../../model';

/** Styles of the sparkline (theme tokens only, so light and dark both work). */
export const getStyles = (theme: GrafanaTheme2) => ({
  svg: css({ display: 'block', overflow: 'visible' }),
  target: css({
    stroke: theme.colors.text.secondary,
    strokeWidth: 1,
    strokeDasharray: '4 3',
  }),
  zero: css({ stroke: theme.colors.border.medium, strokeWidth: 1 }),
  line: (status: RatioStatus) =>
    css({
      fill: 'none',
      stroke: statusColor(theme, status),
      strokeWidth: 1.5,
      strokeLinejoin: 'round',
      strokeLinecap: 'round',
    }),
  dot: (status: RatioStatus) => css({ fill: statusColor(theme, status) }),
});
