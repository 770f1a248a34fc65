import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';

/** Styles of the projection chart. */
export const getStyles = (theme: GrafanaTheme2) => ({
  svg: css({
    flexShrink: 0,
    display: 'block',
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
  }),
});
