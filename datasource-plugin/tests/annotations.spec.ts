import { expect, test } from '@grafana/plugin-e2e';
import { requireGrafana } from '../../test/e2e/env';

requireGrafana();

test('deploy, anomaly and budget annotations query', async ({
  annotationEditPage,
  readProvisionedDataSource,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'meterline.yaml', name: 'Meterline' });
  await annotationEditPage.datasource.set(ds.name);
  const response = await annotationEditPage.runQuery({
    waitForResponsePredicateCallback: (r) => r.url().includes('/api/datasources/proxy/'),
  });
  expect(response.ok()).toBeTruthy();
});
