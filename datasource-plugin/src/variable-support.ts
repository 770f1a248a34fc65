/**
 * Query variables (tenants, teams, services, SKUs, budgets…) with their own editor, through Grafana's
 * `CustomVariableSupport`. Values come back as `MetricFindValue`s, which Grafana accepts as they are.
 *
 * @packageDocumentation
 */
import { CustomVariableSupport, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { from, map, type Observable } from 'rxjs';
import type { DataSource } from './datasource';
import type { MeterlineVariableQuery } from './types';
import { VariableQueryEditor } from './components/VariableQueryEditor/VariableQueryEditor';

export class MeterlineVariableSupport extends CustomVariableSupport<DataSource, MeterlineVariableQuery> {
  constructor(private readonly datasource: DataSource) {
    super();
  }

  editor = VariableQueryEditor;

  query(request: DataQueryRequest<MeterlineVariableQuery>): Observable<DataQueryResponse> {
    const target = request.targets[0] ?? { refId: 'A', kind: 'tenants' };
    return from(this.datasource.findValues(target, request.scopedVars)).pipe(map((data) => ({ data })));
  }
}
