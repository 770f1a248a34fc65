/**
 * The plugin's entry: Grafana imports `dist/module.js` and reads its `plugin` export. Only wiring here: the
 * panel component, its options (defaults in `types.ts`), the standard field options that format money and
 * burn rates, and the option migrations (`migrations.ts`).
 *
 * @packageDocumentation
 */
import { FieldConfigProperty, PanelPlugin, type SelectableValue } from '@grafana/data';
import { BurnRatePanel } from './components/BurnRatePanel/BurnRatePanel';
import { migrateOptions, shouldMigrate } from './migrations';
import { BURN_WINDOWS, DEFAULT_OPTIONS, type Options } from './types';

const THRESHOLDS = 'Thresholds';

// The multi-select editor's value is an array of the options' values, but @grafana/data types each option's
// value as the whole option's type (the array): the cast says what the editor really does.
const WINDOW_OPTIONS = BURN_WINDOWS.map((w) => ({ value: w, label: w })) as unknown as Array<
  SelectableValue<Options['windows']>
>;

/** The `meterline-burnrate-panel` plugin Grafana loads. */
export const plugin = new PanelPlugin<Options>(BurnRatePanel)
  .setPanelOptions((builder) => {
    builder
      .addMultiSelect({
        path: 'windows',
        name: 'Burn-rate windows',
        description: 'Windows shown as chips, when the query returns them',
        defaultValue: DEFAULT_OPTIONS.windows,
        settings: { options: WINDOW_OPTIONS },
      })
      .addRadio({
        path: 'sortBy',
        name: 'Sort budgets by',
        defaultValue: DEFAULT_OPTIONS.sortBy,
        settings: {
          options: [
            { value: 'burn', label: 'Burn rate', description: 'Highest burn among the shown windows first' },
            { value: 'spend', label: 'Spend', description: 'Largest share of the budget spent first' },
            { value: 'name', label: 'Name' },
          ],
        },
      })
      .addRadio({
        path: 'layout',
        name: 'Layout',
        description: 'Compact: one line per budget, for small panels. Auto: compact when the panel is small',
        defaultValue: DEFAULT_OPTIONS.layout,
        settings: {
          options: [
            { value: 'auto', label: 'Auto' },
            { value: 'full', label: 'Full' },
            { value: 'compact', label: 'Compact' },
          ],
        },
      })
      .addBooleanSwitch({
        path: 'showProjection',
        name: 'Projection chart',
        description: 'Spent so far and projected to the period end, against the budget (full rows)',
        defaultValue: DEFAULT_OPTIONS.showProjection,
        showIf: (o) => o.layout !== 'compact',
      });
    for (const w of BURN_WINDOWS) {
      // Only the shown windows' thresholds: the others colour nothing.
      const shown = (o: Options): boolean => (o.windows ?? DEFAULT_OPTIONS.windows).includes(w);
      builder
        .addNumberInput({
          path: `thresholds.${w}.ticket`,
          name: `${w}: ticket above`,
          category: [THRESHOLDS],
          defaultValue: DEFAULT_OPTIONS.thresholds[w].ticket,
          settings: { min: 0, step: 0.1 },
          showIf: shown,
        })
        .addNumberInput({
          path: `thresholds.${w}.page`,
          name: `${w}: page above`,
          category: [THRESHOLDS],
          defaultValue: DEFAULT_OPTIONS.thresholds[w].page,
          settings: { min: 0, step: 0.1 },
          showIf: shown,
        });
    }
  })
  // Money and burn rates are formatted by the frames' field config (unit, decimals, currency): only the
  // options that change that formatting are offered.
  .useFieldConfig({
    standardOptions: {
      [FieldConfigProperty.Unit]: {},
      [FieldConfigProperty.Decimals]: {},
      [FieldConfigProperty.NoValue]: {},
    },
    disableStandardOptions: [
      FieldConfigProperty.Min,
      FieldConfigProperty.Max,
      FieldConfigProperty.Color,
      FieldConfigProperty.Thresholds,
      FieldConfigProperty.Mappings,
      FieldConfigProperty.Links,
      FieldConfigProperty.DisplayName,
    ],
  })
  .setMigrationHandler(migrateOptions, shouldMigrate);
