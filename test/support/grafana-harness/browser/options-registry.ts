/**
 * What Grafana core registers at boot for panel options (public/app/core/components/OptionsUI/registry.tsx):
 * the option editors `PanelOptionsEditorBuilder.addTextInput/addRadio/…` look up by id, and the standard
 * field config properties (unit, min, max, decimals, display name, color, no value, links, mappings,
 * thresholds) with Grafana's processors, `shouldApply` rules and defaults, so `plugin.defaults`,
 * `useFieldConfig()` and `applyFieldOverrides` behave as in Grafana.
 *
 * The editor components themselves are Grafana core UI (the options pane), which the harness does not
 * render: they are placeholders here.
 */
import {
  FieldColorModeId,
  FieldType,
  ThresholdsMode,
  dataLinksOverrideProcessor,
  displayNameOverrideProcessor,
  identityOverrideProcessor,
  numberOverrideProcessor,
  standardEditorsRegistry,
  standardFieldConfigEditorRegistry,
  stringOverrideProcessor,
  thresholdsOverrideProcessor,
  valueMappingsOverrideProcessor,
  type Field,
  type FieldConfigPropertyItem,
  type StandardEditorsRegistryItem,
} from '@grafana/data';

const EDITOR_IDS = [
  'text',
  'number',
  'slider',
  'boolean',
  'radio',
  'select',
  'unit',
  'links',
  'stats-picker',
  'strings',
  'timezone',
  'fieldColor',
  'color',
  'multi-select',
  'field-name',
  'dashboard-uid',
  'mappings',
  'thresholds',
] as const;

/** The options pane is Grafana core UI: not rendered by the harness. */
const placeholder = () => null;

export function registerOptionEditors(): void {
  standardEditorsRegistry.setInit(() =>
    EDITOR_IDS.map(
      (id) =>
        ({ id, name: id, description: '', editor: placeholder }) as unknown as StandardEditorsRegistryItem,
    ),
  );
  const std = { editor: placeholder, override: placeholder, category: ['Standard options'] };
  const isNumber = (f: Field) => f.type === FieldType.number;
  const items = [
    {
      ...std,
      id: 'unit',
      path: 'unit',
      name: 'Unit',
      process: stringOverrideProcessor,
      shouldApply: () => true,
    },
    { ...std, id: 'min', path: 'min', name: 'Min', process: numberOverrideProcessor, shouldApply: isNumber },
    { ...std, id: 'max', path: 'max', name: 'Max', process: numberOverrideProcessor, shouldApply: isNumber },
    {
      ...std,
      id: 'decimals',
      path: 'decimals',
      name: 'Decimals',
      process: numberOverrideProcessor,
      settings: { min: 0, max: 15, integer: true },
      shouldApply: isNumber,
    },
    {
      ...std,
      id: 'displayName',
      path: 'displayName',
      name: 'Display name',
      process: displayNameOverrideProcessor,
      settings: { expandTemplateVars: true },
      shouldApply: () => true,
    },
    {
      ...std,
      id: 'color',
      path: 'color',
      name: 'Color scheme',
      process: identityOverrideProcessor,
      settings: { byValueSupport: true, preferThresholdsMode: true },
      defaultValue: { mode: FieldColorModeId.PaletteClassic },
      shouldApply: () => true,
    },
    {
      ...std,
      id: 'noValue',
      path: 'noValue',
      name: 'No value',
      process: stringOverrideProcessor,
      shouldApply: () => true,
    },
    {
      ...std,
      id: 'links',
      path: 'links',
      name: 'Data links',
      process: dataLinksOverrideProcessor,
      shouldApply: () => true,
      category: ['Data links'],
    },
    {
      ...std,
      id: 'mappings',
      path: 'mappings',
      name: 'Value mappings',
      process: valueMappingsOverrideProcessor,
      defaultValue: [],
      shouldApply: (f: Field) => f.type !== FieldType.time,
      category: ['Value mappings'],
    },
    {
      ...std,
      id: 'thresholds',
      path: 'thresholds',
      name: 'Thresholds',
      process: thresholdsOverrideProcessor,
      defaultValue: {
        mode: ThresholdsMode.Absolute,
        steps: [
          { value: -Infinity, color: 'green' },
          { value: 80, color: 'red' },
        ],
      },
      shouldApply: () => true,
      category: ['Thresholds'],
    },
  ];
  standardFieldConfigEditorRegistry.setInit(() => items as unknown as FieldConfigPropertyItem[]);
}
