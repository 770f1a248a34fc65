/**
 * The plugin's entry: Grafana imports `dist/module.js` and reads its `plugin` export. Only wiring here:
 * the data source class and its editors. Template variables (`VariableQueryEditor`) and annotations are
 * wired by the data source itself (`variables` / `annotations` support), not by the plugin object.
 *
 * @packageDocumentation
 */
import { DataSourcePlugin } from '@grafana/data';
import { DataSource } from './datasource';
import { ConfigEditor } from './components/ConfigEditor/ConfigEditor';
import { QueryEditor } from './components/QueryEditor/QueryEditor';
import type { MeterlineOptions, MeterlineQuery, MeterlineSecureJsonData } from './types';

/** The `meterline-cost-datasource` plugin Grafana loads. */
export const plugin = new DataSourcePlugin<
  DataSource,
  MeterlineQuery,
  MeterlineOptions,
  MeterlineSecureJsonData
>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
