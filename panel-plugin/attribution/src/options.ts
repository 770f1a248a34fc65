/**
 * The panel's options pane (`PanelPlugin.setPanelOptions`): target and currency of the number, the trend,
 * the table's length and its row links.
 *
 * @packageDocumentation
 */
import type { PanelOptionsEditorBuilder } from '@grafana/data';
import { DEFAULT_OPTIONS, MAX_TOP_N, type AttributionOptions } from './types';

const RATIO = ['Unknown attribution'];
const TABLE = ['Top unattributed sources'];

/** Adds the panel's options to Grafana's options pane. */
export function addPanelOptions(builder: PanelOptionsEditorBuilder<AttributionOptions>): void {
  builder
    .addNumberInput({
      path: 'targetPercent',
      name: 'Target (%)',
      description:
        'Unknown attribution above this share of spend is shown as over target. The Meterline alert fires above 5%.',
      category: RATIO,
      defaultValue: DEFAULT_OPTIONS.targetPercent,
      settings: { min: 0, max: 100, step: 0.5, placeholder: '5' },
    })
    .addTextInput({
      path: 'currency',
      name: 'Currency',
      description:
        'ISO 4217 code of the ratio shown large (e.g. USD). Empty: the currency furthest over target; the others are listed under it.',
      category: RATIO,
      defaultValue: DEFAULT_OPTIONS.currency,
      settings: { placeholder: 'furthest over target', maxLength: 3 },
    })
    .addBooleanSwitch({
      path: 'showSparkline',
      name: 'Show trend',
      description: 'The ratio over the time range, with the target as a dashed line.',
      category: RATIO,
      defaultValue: DEFAULT_OPTIONS.showSparkline,
    })
    .addNumberInput({
      path: 'topN',
      name: 'Rows',
      description: 'How many of the costliest unattributed sources to list (the query’s limit caps it).',
      category: TABLE,
      defaultValue: DEFAULT_OPTIONS.topN,
      settings: { min: 1, max: MAX_TOP_N, integer: true },
    })
    .addBooleanSwitch({
      path: 'linkRows',
      name: 'Link rows',
      description: 'Each service links to a dashboard filtered to that source.',
      category: TABLE,
      defaultValue: DEFAULT_OPTIONS.linkRows,
    })
    .addTextInput({
      path: 'linkTemplate',
      name: 'Link template',
      description:
        'Row values (URL-encoded): ${service}, ${sku}, ${resource}, ${region}, ${provider}, ${account}, ${currency}, ${source}. Dashboard variables and ${__url_time_range} work too.',
      category: TABLE,
      defaultValue: DEFAULT_OPTIONS.linkTemplate,
      settings: { useTextarea: true, rows: 2 },
      showIf: (options) => options.linkRows,
    });
}
