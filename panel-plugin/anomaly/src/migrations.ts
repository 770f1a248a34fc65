/**
 * Saved options from older versions of the panel, turned into today's {@link AnomalyOptions}.
 *
 * v0 (the 0.0.x prototype shown on the on-call dashboard before the panel had its own options) saved
 * `{ threshold, band, seriesKey?, deployUrl? }`: `band` is today's `showBand`, `seriesKey` today's
 * `series`, and `deployUrl` a link template with `$service`/`$version` placeholders, today's
 * `deployLinkTemplate` with `${deploy.service}`/`${deploy.version}`. Some v0 dashboards were edited by hand
 * and hold the threshold as a string or as a percentage (`"90"`).
 *
 * @packageDocumentation
 */
import type { PanelMigrationHandler } from '@grafana/data';
import { DEFAULT_OPTIONS, type AnomalyOptions } from './types';

/** The options the v0 prototype saved. */
export interface AnomalyOptionsV0 {
  threshold?: number | string;
  band?: boolean;
  seriesKey?: string;
  deployUrl?: string;
}

/** Whether saved options are the v0 shape (today's options never have `band`). */
export function isV0(options: unknown): boolean {
  return typeof options === 'object' && options !== null && ('band' in options || 'deployUrl' in options);
}

/**
 * A threshold in [0, 1]: numbers and numeric strings, percentages (above 1 and up to 100) divided by 100;
 * anything else is the default, so a hand-edited dashboard never hides every event.
 */
export function normaliseThreshold(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return DEFAULT_OPTIONS.threshold;
  if (n <= 1) return n;
  return n <= 100 ? n / 100 : DEFAULT_OPTIONS.threshold;
}

/** v0's `$service`/`$version`/`$previous` placeholders (also `${service}` …) as today's `${deploy.…}`. */
function migrateTemplate(url: string): string {
  const names: Record<string, string> = {
    service: 'deploy.service',
    version: 'deploy.version',
    previous: 'deploy.previous_version',
  };
  return url.replace(
    /\$\{(service|version|previous)\}|\$(service|version|previous)\b/g,
    (_m, a?: string, b?: string) => {
      return `\${${names[(a ?? b)!]!}}`;
    },
  );
}

/** Any saved options (v0, today's, partial, missing) as complete current options. */
export function migrateOptions(saved: unknown): AnomalyOptions {
  const o = (typeof saved === 'object' && saved !== null ? saved : {}) as Record<string, unknown>;
  const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
  const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);
  if (isV0(o)) {
    const v0 = o as AnomalyOptionsV0;
    return {
      ...DEFAULT_OPTIONS,
      threshold: normaliseThreshold(v0.threshold ?? DEFAULT_OPTIONS.threshold),
      showBand: bool(v0.band, DEFAULT_OPTIONS.showBand),
      series: str(v0.seriesKey, DEFAULT_OPTIONS.series),
      deployLinkTemplate: migrateTemplate(str(v0.deployUrl, DEFAULT_OPTIONS.deployLinkTemplate)),
    };
  }
  return {
    threshold: normaliseThreshold(o.threshold ?? DEFAULT_OPTIONS.threshold),
    showBand: bool(o.showBand, DEFAULT_OPTIONS.showBand),
    series: str(o.series, DEFAULT_OPTIONS.series),
    showDeploys: bool(o.showDeploys, DEFAULT_OPTIONS.showDeploys),
    deployLinkTemplate: str(o.deployLinkTemplate, DEFAULT_OPTIONS.deployLinkTemplate),
  };
}

/** Grafana's migration handler: runs when the saved `pluginVersion` differs from the installed one. */
export function migrationHandler(
  panel: Parameters<PanelMigrationHandler<AnomalyOptions>>[0],
): AnomalyOptions {
  return migrateOptions(panel.options);
}
