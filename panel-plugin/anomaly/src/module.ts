/**
 * The plugin's entry: Grafana imports `dist/module.js` and reads its `plugin` export. Only wiring here: the
 * panel component, its options, its field config and the migration of older saved options.
 *
 * @packageDocumentation
 */
import { FieldConfigProperty, PanelPlugin } from '@grafana/data';
import { AnomalyPanel } from './components/AnomalyPanel/AnomalyPanel';
import { migrationHandler } from './migrations';
import { buildOptions } from './options';
import type { AnomalyOptions } from './types';

/** The `meterline-anomaly-panel` plugin Grafana loads. */
export const plugin = new PanelPlugin<AnomalyOptions>(AnomalyPanel)
  .setPanelOptions(buildOptions)
  // Units, decimals and currency of the money come from the field config (the data source sets currency units).
  .useFieldConfig({
    disableStandardOptions: [
      FieldConfigProperty.Min,
      FieldConfigProperty.Max,
      FieldConfigProperty.Thresholds,
      FieldConfigProperty.Mappings,
      FieldConfigProperty.Color,
      FieldConfigProperty.Links,
      FieldConfigProperty.Actions,
      FieldConfigProperty.FieldMinMax,
    ],
  })
  .setMigrationHandler(migrationHandler);
