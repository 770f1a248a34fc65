/**
 * Options saved by earlier versions of the panel, brought to the current shape. Grafana calls the handler
 * when a dashboard was saved with another plugin version; it must also leave current options as they are
 * (it runs again after every upgrade), so versions are recognised by shape, not by number.
 *
 * @packageDocumentation
 */
import type { PanelMigrationHandler } from '@grafana/data';
import { normalizeOptions, type AttributionOptions } from './types';

/**
 * Options of the 0.0.x pre-release ("v0"), as dashboards saved them:
 *
 * - `targetPercent`: the same target, sometimes saved as a string by its text input (`"5"`);
 * - `rows`: the table length (now `topN`);
 * - `drilldownUrl`: the row link, with `{{service}}`-style placeholders; empty meant "no links" (now
 *   `linkRows` + `linkTemplate` with `${service}` placeholders).
 *
 * The sparkline could not be turned off and there was no currency choice.
 */
export interface AttributionOptionsV0 {
  targetPercent?: number | string;
  rows?: number | string;
  drilldownUrl?: string;
}

/** Whether saved options are in the v0 shape (they have a key only v0 had). */
export function isV0(options: unknown): options is AttributionOptionsV0 {
  return typeof options === 'object' && options !== null && ('rows' in options || 'drilldownUrl' in options);
}

/** v0's `{{name}}` / `{{ name }}` placeholders in Grafana's `${name}` spelling. */
export function mustacheToVariables(url: string): string {
  return url.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => '${' + name + '}');
}

/**
 * Any saved options → current options: v0 converted, current ones checked (see `normalizeOptions`), keys no
 * version knows dropped. Pure; never throws.
 */
export function migrateOptions(saved: unknown): AttributionOptions {
  if (isV0(saved)) {
    const url = typeof saved.drilldownUrl === 'string' ? saved.drilldownUrl.trim() : '';
    return normalizeOptions({
      targetPercent: saved.targetPercent,
      topN: saved.rows,
      // v0 had no toggle: an empty URL was how links were turned off. Keep the new default template
      // then, so turning links on later starts from something that works.
      linkRows: url !== '',
      linkTemplate: url !== '' ? mustacheToVariables(url) : undefined,
    });
  }
  return normalizeOptions(typeof saved === 'object' && saved !== null ? saved : undefined);
}

/** The panel's migration handler (`PanelPlugin.setMigrationHandler`). */
export const migrationHandler: PanelMigrationHandler<AttributionOptions> = (panel) =>
  migrateOptions(panel.options);
