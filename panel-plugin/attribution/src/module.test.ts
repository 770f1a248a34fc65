import { PanelPlugin } from '@grafana/data';
import { plugin } from './module';
import { addPanelOptions } from './options';
import { DEFAULT_OPTIONS } from './types';

interface Item {
  path: string;
  defaultValue?: unknown;
  showIf?: (o: unknown) => boolean;
}

/**
 * The options `addPanelOptions` adds, collected by a stand-in builder: Grafana core registers the option
 * editors (`number`, `text`…) that the real builder looks up, and jest has no Grafana core.
 */
function optionItems(): Item[] {
  const items: Item[] = [];
  const builder: unknown = new Proxy(
    {},
    {
      get:
        () =>
        (item: Item): unknown => {
          items.push(item);
          return builder;
        },
    },
  );
  addPanelOptions(builder as never);
  return items;
}

describe('plugin', () => {
  it('is a panel plugin with a migration handler', () => {
    expect(plugin).toBeInstanceOf(PanelPlugin);
    expect(plugin.onPanelMigration).toBeDefined();
    expect(plugin.panel).toBeDefined();
  });

  it('every option is offered, with the documented default', () => {
    const items = optionItems();
    expect(Object.fromEntries(items.map((i) => [i.path, i.defaultValue]))).toEqual(DEFAULT_OPTIONS);
    expect(items.map((i) => i.path)).toEqual([
      'targetPercent',
      'currency',
      'showSparkline',
      'topN',
      'linkRows',
      'linkTemplate',
    ]);
  });

  it('shows the link template only when rows link', () => {
    const link = optionItems().find((i) => i.path === 'linkTemplate')!;
    expect(link.showIf?.({ ...DEFAULT_OPTIONS, linkRows: false })).toBe(false);
    expect(link.showIf?.(DEFAULT_OPTIONS)).toBe(true);
  });
});
