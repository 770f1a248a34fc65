import { expect, test } from '@grafana/plugin-e2e';
import { QUERY_TYPES } from '../src/types';
import { PROVISIONED_UID, requireGrafana } from '../../test/e2e/env';

requireGrafana();

// A frontend data source queries through the data proxy, not /api/ds/query.
const proxied = {
  waitForResponsePredicateCallback: (r: { url(): string }) => r.url().includes('/api/datasources/proxy/'),
};

for (const { value, label } of QUERY_TYPES.filter((t) => t.value !== 'raw')) {
  test(`${label} runs in Explore`, async ({ explorePage, readProvisionedDataSource, page }) => {
    const ds = await readProvisionedDataSource({ fileName: 'meterline.yaml', name: 'Meterline' }).catch(
      () => ({
        uid: PROVISIONED_UID,
        name: 'Meterline',
      }),
    );
    await explorePage.datasource.set(ds.name);
    const row = explorePage.getQueryEditorRow('A');
    await row.getByLabel('Query type').click();
    await page.getByRole('option', { name: label }).click();
    await expect(row.getByText('InfluxQL preview')).toBeVisible();
    const response = await explorePage.runQuery(proxied);
    expect(response.ok(), `${value}: ${await response.text()}`).toBeTruthy();
  });
}

test('raw InfluxQL with macros runs in Explore', async ({ explorePage, readProvisionedDataSource, page }) => {
  const ds = await readProvisionedDataSource({ fileName: 'meterline.yaml', name: 'Meterline' }).catch(() => ({
    uid: PROVISIONED_UID,
    name: 'Meterline',
  }));
  await explorePage.datasource.set(ds.name);
  const row = explorePage.getQueryEditorRow('A');
  await row.getByLabel('Query type').click();
  await page.getByRole('option', { name: 'Raw InfluxQL' }).click();
  await row
    .getByRole('textbox')
    .last()
    .fill('SELECT SUM("amount_nano") FROM "cost" WHERE $timeFilter GROUP BY time($__interval)');
  await row.getByRole('textbox').last().blur();
  const response = await explorePage.runQuery(proxied);
  expect(response.ok()).toBeTruthy();
});
