import type { DataFrame, PanelOptionsEditorBuilder } from '@grafana/data';
import { buildOptions } from './options';
import { CHECKOUT, bucket, seriesFrames } from './testing';
import { DEFAULT_OPTIONS, type AnomalyOptions } from './types';

interface Item {
  path: string;
  defaultValue?: unknown;
  settings?: unknown;
  showIf?: (options: AnomalyOptions, data?: DataFrame[]) => boolean | undefined;
}

/**
 * The options as the builder receives them: Grafana's builder needs Grafana core's editor registry (not
 * in a plugin's tests), so a recording stand-in takes the same calls.
 */
function items(): Map<string, Item> {
  const out = new Map<string, Item>();
  const builder: Record<string, (item: Item) => unknown> = {};
  for (const method of ['addSliderInput', 'addBooleanSwitch', 'addSelect', 'addTextInput']) {
    builder[method] = (item) => {
      out.set(item.path, item);
      return builder;
    };
  }
  buildOptions(builder as unknown as PanelOptionsEditorBuilder<AnomalyOptions>);
  return out;
}

describe('options', () => {
  it('every option, with the defaults of types.ts', () => {
    const all = items();
    expect([...all.keys()]).toEqual(['threshold', 'showBand', 'series', 'showDeploys', 'deployLinkTemplate']);
    for (const [path, item] of all)
      expect(item.defaultValue).toEqual(DEFAULT_OPTIONS[path as keyof AnomalyOptions]);
  });

  it('"Series" only with several series (or one chosen), listing them; "Deploy link" only with deploy markers', async () => {
    const series = items().get('series')!;
    const one = seriesFrames({ checkout: CHECKOUT });
    const three = seriesFrames({ a: [bucket(0, 1, 0.1)], b: [bucket(0, 1, 0.2)], c: [bucket(0, 1, 0.3)] });
    expect(series.showIf!(DEFAULT_OPTIONS, one)).toBe(false);
    expect(series.showIf!(DEFAULT_OPTIONS, three)).toBe(true);
    expect(series.showIf!({ ...DEFAULT_OPTIONS, series: 'currency=USD,service=a' }, one)).toBe(true);
    const choices = await (
      series.settings as {
        getOptions: (c: { data: DataFrame[] }) => Promise<Array<{ value: string; label: string }>>;
      }
    ).getOptions({ data: three });
    expect(choices.map((c) => c.label)).toEqual(['Highest score', 'a · USD', 'b · USD', 'c · USD']);
    const link = items().get('deployLinkTemplate')!;
    expect(link.showIf!(DEFAULT_OPTIONS)).toBe(true);
    expect(link.showIf!({ ...DEFAULT_OPTIONS, showDeploys: false })).toBe(false);
  });
});
