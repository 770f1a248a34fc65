/**
 * Values shown the way the user configured the field (unit, decimals, currency) in Grafana's field config:
 * through the field's display processor, which Grafana attaches to panel data, or one made here for
 * frames that come without (tests, the harness).
 *
 * @packageDocumentation
 */
import {
  formattedValueToString,
  getDisplayProcessor,
  type DisplayValue,
  type Field,
  type GrafanaTheme2,
} from '@grafana/data';

/** The display of `value` as `field` formats it (text, prefix/suffix, colour from thresholds). */
export function displayOf(field: Field, value: unknown, theme: GrafanaTheme2): DisplayValue {
  const display = field.display ?? getDisplayProcessor({ field, theme });
  return display(value);
}

/** `value` as text, formatted as `field` says (e.g. `$1.23 K`, `12.5%`). */
export function formatField(field: Field, value: unknown, theme: GrafanaTheme2): string {
  return formattedValueToString(displayOf(field, value, theme));
}

/** The last non-null numeric value of a field, if any. */
export function lastNumber(field: Field | undefined): number | undefined {
  if (field === undefined) return undefined;
  const values = field.values as ArrayLike<unknown>;
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}
