/**
 * The plugin's entry: Grafana imports `dist/module.js` and reads its `plugin` export. Wiring only: the panel
 * component, its options, the standard field options it uses, and the migration of older saved options.
 *
 * @packageDocumentation
 */
import { FieldConfigProperty, PanelPlugin } from '@grafana/data';
import { AttributionPanel } from './components/AttributionPanel/AttributionPanel';
import { migrationHandler } from './migrations';
import { addPanelOptions } from './options';
import type { AttributionOptions } from './types';

/** The `meterline-attribution-panel` plugin Grafana loads. */
export const plugin = new PanelPlugin<AttributionOptions>(AttributionPanel)
  .setPanelOptions(addPanelOptions)
  // Unit, decimals and display name format the ratio, money and share. Colour comes from the target option,
  // so thresholds, colour scheme and min/max, which would contradict it, are not offered.
  .useFieldConfig({
    disableStandardOptions: [
      FieldConfigProperty.Thresholds,
      FieldConfigProperty.Color,
      FieldConfigProperty.Min,
      FieldConfigProperty.Max,
    ],
  })
  .setMigrationHandler(migrationHandler);
