import type { GrafanaTheme2 } from '@grafana/data';
import type { RatioStatus } from '../model';

/**
 * The colour of a status, from theme tokens (readable text colours in both themes): over target is an
 * error, within target a success, a net credit is information (nothing to fix, but unusual), no ratio is
 * secondary text. Colour is never the only signal: every status is also written out.
 */
export function statusColor(theme: GrafanaTheme2, status: RatioStatus): string {
  switch (status) {
    case 'over':
      return theme.colors.error.text;
    case 'within':
      return theme.colors.success.text;
    case 'credit':
      return theme.colors.info.text;
    default:
      return theme.colors.text.secondary;
  }
}
