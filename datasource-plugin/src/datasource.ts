/**
 * The `meterline-cost-datasource` data source: runs each panel query's InfluxQL through Grafana's data proxy
 * and turns the answers into frames. What to run and how to shape it is each query type's business
 * (`queries/`); this class only wires Grafana to them: variables, request ids, errors per query.
 *
 * @packageDocumentation
 */
import {
  DataSourceApi,
  type AdHocVariableFilter,
  type AnnotationSupport,
  type DataFrame,
  type DataQueryError,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceGetTagKeysOptions,
  type DataSourceGetTagValuesOptions,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getBackendSrv, getTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { from, type Observable } from 'rxjs';
import { InfluxClient, type FetchLike } from './connection/influx-client';
import { checkHealth } from './connection/health';
import { TemplateSrvInterpolator } from './templating/interpolator';
import { buildQuery, migrateQuery, shapeQuery } from './queries';
import { annotationQuery } from './queries/annotations';
import { variableQuery } from './queries/variables';
import type { BuildContext, BuiltStatement } from './queries/contract';
import { MeterlineVariableSupport } from './variable-support';
import { toVariableQuery } from './components/VariableQueryEditor/VariableQueryEditor';
import { AnnotationEditor } from './components/AnnotationEditor/AnnotationEditor';
import {
  COST_TAGS,
  DEFAULT_QUERY,
  type TagFilter,
  type MeterlineAnnotationQuery,
  type MeterlineOptions,
  type MeterlineQuery,
  type MeterlineVariableQuery,
} from './types';

/** Meterline's Grafana data source (frontend; `access: proxy`). */
export class DataSource extends DataSourceApi<MeterlineQuery, MeterlineOptions> {
  readonly settings: MeterlineOptions;
  private readonly client: InfluxClient;
  private readonly interpolator: TemplateSrvInterpolator;

  constructor(
    readonly instanceSettings: DataSourceInstanceSettings<MeterlineOptions>,
    private readonly templateSrv: TemplateSrv = getTemplateSrv(),
    backend: FetchLike = getBackendSrv(),
  ) {
    super(instanceSettings);
    this.settings = instanceSettings.jsonData ?? {};
    this.client = new InfluxClient(backend, instanceSettings.url ?? '', this.settings);
    this.interpolator = new TemplateSrvInterpolator(templateSrv);
    this.variables = new MeterlineVariableSupport(this);
    this.annotations = annotationSupport;
  }

  /** Defaults for a new query in a panel or in Explore. */
  override getDefaultQuery(): Partial<MeterlineQuery> {
    return { ...DEFAULT_QUERY };
  }

  override filterQuery(query: MeterlineQuery): boolean {
    return !query.hide;
  }

  /** The build context of a request (time range, interval, variables, settings). */
  context(request: Pick<DataQueryRequest, 'range' | 'intervalMs' | 'scopedVars'>): BuildContext {
    return {
      fromMs: request.range.from.valueOf(),
      toMs: request.range.to.valueOf(),
      intervalMs: request.intervalMs,
      scopedVars: request.scopedVars,
      vars: this.interpolator,
      settings: this.settings,
    };
  }

  override query(request: DataQueryRequest<MeterlineQuery>): Observable<DataQueryResponse> {
    return from(this.run(request));
  }

  private async run(request: DataQueryRequest<MeterlineQuery>): Promise<DataQueryResponse> {
    const ctx = this.context(request);
    const adHoc = adHocFilters(request.filters);
    const targets = request.targets
      .filter((t) => !t.hide)
      .map((t) => (adHoc.length === 0 ? t : { ...t, filters: [...(t.filters ?? []), ...adHoc] }));
    // Each target is its own request: one failing query shows its error on its own row, the rest still render.
    const results = await Promise.all(
      targets.map((target) => this.runTarget(target, ctx, `${request.requestId}-${target.refId}`)),
    );
    const data: DataFrame[] = [];
    const errors: DataQueryError[] = [];
    for (const r of results) {
      data.push(...r.frames);
      if (r.error) errors.push(r.error);
    }
    return errors.length > 0 ? { data, errors, error: errors[0] } : { data };
  }

  private async runTarget(
    target: MeterlineQuery,
    ctx: BuildContext,
    requestId: string,
  ): Promise<{ frames: DataFrame[]; error?: DataQueryError }> {
    const annotation = (target as MeterlineAnnotationQuery).queryType === 'annotations';
    let statements: BuiltStatement[] = [];
    try {
      if (annotation) {
        const q = target as MeterlineAnnotationQuery;
        statements = annotationQuery.build(q, ctx);
        const answers = await this.client.query(texts(statements), requestId);
        const frames = annotationQuery.shape(q, { ...ctx, refId: target.refId, statements, answers });
        return { frames };
      }
      const query = migrateQuery(target);
      statements = buildQuery(query, ctx);
      if (statements.length === 0) return { frames: [] };
      const answers = await this.client.query(texts(statements), requestId);
      return { frames: shapeQuery(query, { ...ctx, refId: target.refId, statements, answers }) };
    } catch (err) {
      return { frames: [], error: toQueryError(err, target.refId) };
    }
  }

  /** Runs statements built elsewhere (variables, the query editor's "run"). */
  runStatements(statements: BuiltStatement[]) {
    return this.client.query(texts(statements));
  }

  /** Template variable values (`VariableSupport` and legacy `metricFindQuery`). */
  async findValues(query: MeterlineVariableQuery, scopedVars?: ScopedVars): Promise<MetricFindValue[]> {
    const now = Date.now();
    const ctx: BuildContext = {
      fromMs: now - 30 * 86_400_000,
      toMs: now,
      intervalMs: 60_000,
      scopedVars,
      vars: this.interpolator,
      settings: this.settings,
    };
    const statements = variableQuery.build(query, ctx);
    const answers = await this.client.query(texts(statements));
    return variableQuery.shape(query, { ...ctx, refId: 'variable', statements, answers });
  }

  override async metricFindQuery(
    query: MeterlineVariableQuery | string,
    options?: { scopedVars?: ScopedVars },
  ): Promise<MetricFindValue[]> {
    // A plain-text query comes from a dashboard saved by hand or an older version: `tenants`, `tagValues(team)`.
    return this.findValues(toVariableQuery(query), options?.scopedVars);
  }

  /** Explore's "copy to other data source" and dashboard exports: string fields with variables resolved. */
  override interpolateVariablesInQueries(
    queries: MeterlineQuery[],
    scopedVars: ScopedVars,
  ): MeterlineQuery[] {
    return queries.map((q) => {
      const out = { ...q };
      for (const key of [
        'budget',
        'dimensionValue',
        'service',
        'requestSku',
        'rawQuery',
        'interval',
      ] as const) {
        const v = out[key];
        if (typeof v === 'string') out[key] = this.templateSrv.replace(v, scopedVars);
      }
      return out;
    });
  }

  /** Ad-hoc filter keys: the tags of the `cost` measurement. */
  override async getTagKeys(
    _options?: DataSourceGetTagKeysOptions<MeterlineQuery>,
  ): Promise<MetricFindValue[]> {
    return COST_TAGS.map((text) => ({ text }));
  }

  /** Ad-hoc filter values of one tag, narrowed by the other filters already set. */
  override async getTagValues(
    options: DataSourceGetTagValuesOptions<MeterlineQuery>,
  ): Promise<MetricFindValue[]> {
    return this.findValues({
      refId: 'adhoc',
      kind: 'tagValues',
      tag: options.key,
      filters: adHocFilters(options.filters),
    });
  }

  override async testDatasource(): Promise<TestDataSourceResponse> {
    return checkHealth(this.client, this.settings);
  }
}

function texts(statements: BuiltStatement[]): string[] {
  return statements.map((s) => s.text);
}

const AD_HOC_OPERATORS = new Set<TagFilter['operator']>(['=', '!=', '=~', '!~']);

/**
 * Grafana's ad-hoc filters as tag filters; only the operators InfluxQL tags support (a `<` on a tag would
 * compare strings, which is never what a cost dashboard means). Values are data: quoted like any filter.
 */
function adHocFilters(filters: AdHocVariableFilter[] | undefined): TagFilter[] {
  const out: TagFilter[] = [];
  for (const f of filters ?? []) {
    const operator = f.operator as TagFilter['operator'];
    if (f.key && AD_HOC_OPERATORS.has(operator)) out.push({ key: f.key, operator, value: f.value });
  }
  return out;
}

function toQueryError(err: unknown, refId: string): DataQueryError {
  const message = err instanceof Error ? err.message : String(err);
  return { refId, message };
}

/** Deploys, anomalies and budget crossings as annotations; the editor picks which. */
const annotationSupport: AnnotationSupport<MeterlineQuery> = {
  QueryEditor: AnnotationEditor,
  prepareAnnotation(json: unknown) {
    const a = (json ?? {}) as { target?: MeterlineAnnotationQuery };
    const target = a.target ?? { refId: 'Anno' };
    return {
      ...(json as object),
      target: { events: ['deploy', 'anomaly', 'budget'], ...target, queryType: 'annotations', refId: 'Anno' },
    } as never;
  },
};
