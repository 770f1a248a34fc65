/**
 * Which theme colour each level and state uses. Theme tokens only, so light and dark themes (and a theme's
 * colour-blind palette) both work; the level is always also written in words beside the colour.
 *
 * @packageDocumentation
 */
import type { GrafanaTheme2, ThemeRichColor } from '@grafana/data';
import type { AlertState } from '../budgets';
import type { BurnLevel } from '../types';

/** page → error, ticket → warning, ok → success; an unknown state → secondary. */
export function levelColor(theme: GrafanaTheme2, level: BurnLevel | AlertState): ThemeRichColor {
  switch (level) {
    case 'page':
      return theme.colors.error;
    case 'ticket':
      return theme.colors.warning;
    case 'ok':
      return theme.colors.success;
    default:
      return theme.colors.secondary;
  }
}
