import { expect, test } from '@grafana/plugin-e2e';
import { INFLUX_DB, INFLUX_URL, requireGrafana } from '../../test/e2e/env';

requireGrafana();

test('a new data source saves and passes its health check', async ({ createDataSourceConfigPage, page }) => {
  const configPage = await createDataSourceConfigPage({ type: 'meterline-cost-datasource' });
  await page.getByLabel('URL').fill(INFLUX_URL);
  await page.getByLabel('Database').fill(INFLUX_DB);
  await configPage.saveAndTest({ path: '/api/datasources/uid/*' });
  await expect(configPage).toHaveAlert('success', { hasText: /Connected to InfluxDB/ });
});

test('a wrong database is named in the health check', async ({ createDataSourceConfigPage, page }) => {
  const configPage = await createDataSourceConfigPage({ type: 'meterline-cost-datasource' });
  await page.getByLabel('URL').fill(INFLUX_URL);
  await page.getByLabel('Database').fill('no_such_database');
  await configPage.saveAndTest({ path: '/api/datasources/uid/*' });
  await expect(configPage).toHaveAlert('error', { hasText: /no database "no_such_database"/ });
});
