/**
 * The panel's options pane (Grafana renders it from this description).
 *
 * @packageDocumentation
 */
import type { DataFrame, PanelOptionsEditorBuilder } from '@grafana/data';
import { readSeries, seriesChoices } from './model';
import { DEFAULT_OPTIONS, type AnomalyOptions } from './types';

const CATEGORY = ['Anomalies'];

/** How many series the frames hold (the "Series" option only matters with more than one). */
function seriesCount(data: DataFrame[] | undefined, annotations?: DataFrame[]): number {
  return readSeries([...(data ?? []), ...(annotations ?? [])]).length;
}

/** Adds the panel's options to Grafana's builder. */
export function buildOptions(builder: PanelOptionsEditorBuilder<AnomalyOptions>): void {
  builder
    .addSliderInput({
      path: 'threshold',
      name: 'Score threshold',
      description:
        'Score cells at or above it are highlighted; anomaly events scored below it are hidden. ' +
        'The meterline-cost-anomaly alert rule pages at 0.9.',
      category: CATEGORY,
      defaultValue: DEFAULT_OPTIONS.threshold,
      settings: { min: 0, max: 1, step: 0.01 },
    })
    .addBooleanSwitch({
      path: 'showBand',
      name: 'Expected band',
      description: 'Draw the band (lower to upper) the detector expects the spend in.',
      category: CATEGORY,
      defaultValue: DEFAULT_OPTIONS.showBand,
    })
    .addSelect({
      path: 'series',
      name: 'Series',
      description:
        'Which series to show when the query returns several (one per team, service or tenant and currency).',
      category: CATEGORY,
      defaultValue: DEFAULT_OPTIONS.series,
      settings: {
        options: [],
        allowCustomValue: true,
        getOptions: async (context) => [
          { value: '', label: 'Highest score' },
          ...seriesChoices(context.data),
        ],
      },
      // Only when there is a choice to make, or one was made (so it can be undone).
      showIf: (options, data, annotations) => seriesCount(data, annotations) > 1 || options.series !== '',
    })
    .addBooleanSwitch({
      path: 'showDeploys',
      name: 'Deploy markers',
      description: 'Show deploys from annotations and from the events table as markers.',
      category: CATEGORY,
      defaultValue: DEFAULT_OPTIONS.showDeploys,
    })
    .addTextInput({
      path: 'deployLinkTemplate',
      name: 'Deploy link',
      description:
        'Where "Open deploy" goes. Placeholders: ${deploy.service}, ${deploy.version}, ${deploy.previous_version}, ' +
        '${deploy.env}, ${deploy.time}, ${deploy.from}, ${deploy.to} (epoch ms), and dashboard variables. ' +
        'Empty: this dashboard, zoomed to the half hour around the deploy.',
      category: CATEGORY,
      defaultValue: DEFAULT_OPTIONS.deployLinkTemplate,
      settings: { placeholder: 'https://ci.example.com/${deploy.service}/releases/${deploy.version}' },
      showIf: (options) => options.showDeploys,
    });
}
