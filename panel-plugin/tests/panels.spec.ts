import { expect, test } from '@grafana/plugin-e2e';
import { requireGrafana } from '../../test/e2e/env';

requireGrafana();

/** Each Meterline panel, the data source query type that feeds it, and what it shows once it has data. */
const PANELS = [
  { name: 'Meterline Budget Burn Rate', queryType: 'Burn rate & budgets', shows: /page|ticket|ok|No data/i },
  { name: 'Meterline Unknown Attribution', queryType: 'Unknown attribution', shows: /target|No data/i },
  { name: 'Meterline Anomalies', queryType: 'Anomalies', shows: /score|No data/i },
];

for (const { name, queryType, shows } of PANELS) {
  test(`${name} renders the Meterline data source's frames in a new dashboard panel`, async ({
    panelEditPage,
    readProvisionedDataSource,
    page,
  }) => {
    const ds = await readProvisionedDataSource({ fileName: 'meterline.yaml', name: 'Meterline' });
    await panelEditPage.datasource.set(ds.name);
    await panelEditPage.setVisualization(name);
    const row = panelEditPage.getQueryEditorRow('A');
    await row.getByLabel('Query type').click();
    await page.getByRole('option', { name: queryType }).click();
    await panelEditPage.refreshPanel({
      waitForResponsePredicateCallback: (r) => r.url().includes('/api/datasources/proxy/'),
    });
    await expect(panelEditPage.panel.locator).toContainText(shows);
  });
}
