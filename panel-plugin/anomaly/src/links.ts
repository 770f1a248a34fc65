/**
 * The links behind a marker's context menu, as Grafana `LinkModel`s (what `DataLinksContextMenu` and
 * `linkModelToContextMenuItems` take).
 *
 * **Open top traces** — one link per trace ID of the anomaly, to Grafana Explore on the Tempo data source
 * that the data source's trace fields link to (`config.links[0].internal.datasourceUid` of `trace_id`, set
 * from the data source's "Tempo data source" setting). Grafana turns an internal link into an Explore URL
 * through its data source service; a panel plugin has no such service without `@grafana/runtime`'s
 * `getDataSourceSrv`, and needs none here: the Explore URL is built directly, in the (still accepted) `left`
 * form:
 *
 * ```
 * /explore?left={"datasource":"<tempo uid>","queries":[{"refId":"A","datasource":{"uid":"<tempo uid>"},
 *   "queryType":"traceql","query":"<trace id>"}],"range":{"from":"<ms>","to":"<ms>"}}
 * ```
 *
 * (URL-encoded), the same TraceQL trace-ID lookup as the data source's own "Open trace" links. The range is
 * the anomaly's episode with {@link TRACE_RANGE_PADDING_MS} either side: Tempo searches a trace ID within the
 * range when its time-shift option is on, and the runaway spans lie inside the episode. The path goes through
 * `locationUtil.assureBaseUrl`, so a Grafana served under a sub-path (`root_url`) gets its prefix.
 *
 * **Open deploy** — the "Deploy link" option's template with `${deploy.service}`, `${deploy.version}`,
 * `${deploy.previous_version}`, `${deploy.time}`, `${deploy.from}`, `${deploy.to}` (URL-encoded) and then the
 * dashboard's variables; without a template, the current dashboard zoomed to {@link DEPLOY_RANGE_MS} either
 * side of the deploy.
 *
 * @packageDocumentation
 */
import { locationUtil, type LinkModel } from '@grafana/data';
import type { AnomalyMarker, DeployMarker } from './model';

/** Time added before and after an anomaly's episode in the Explore range of its traces. */
export const TRACE_RANGE_PADDING_MS = 15 * 60_000;
/** Half the width of the range "Open deploy" zooms the dashboard to by default. */
export const DEPLOY_RANGE_MS = 30 * 60_000;

/** The Explore pane state Grafana reads from `left`. */
export interface ExplorePane {
  datasource: string;
  queries: Array<{ refId: string; datasource: { uid: string }; queryType: 'traceql'; query: string }>;
  range: { from: string; to: string };
}

/** The Explore URL of one trace ID in Tempo data source `tempoUid`, over `[fromMs, toMs]`. */
export function exploreTraceUrl(tempoUid: string, traceId: string, fromMs: number, toMs: number): string {
  const left: ExplorePane = {
    datasource: tempoUid,
    queries: [{ refId: 'A', datasource: { uid: tempoUid }, queryType: 'traceql', query: traceId }],
    range: { from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) },
  };
  return locationUtil.assureBaseUrl(`/explore?left=${encodeURIComponent(JSON.stringify(left))}`);
}

/**
 * "Open top traces": one link per trace ID of `anomaly` (none when it has no trace IDs or no Tempo data
 * source is linked).
 */
export function traceLinks(anomaly: AnomalyMarker): Array<LinkModel<AnomalyMarker>> {
  const uid = anomaly.tempoUid;
  if (uid === undefined) return [];
  const from = anomaly.time - TRACE_RANGE_PADDING_MS;
  const to = anomaly.end + TRACE_RANGE_PADDING_MS;
  return anomaly.traceIds.map((id) => ({
    href: exploreTraceUrl(uid, id, from, to),
    title: `Open trace ${id}`,
    target: '_self',
    origin: anomaly,
  }));
}

/** Where the page is, for the default deploy link (`window.location` in the panel). */
export interface PageLocation {
  pathname: string;
  search: string;
}

/** What "Open deploy" needs besides the deploy. */
export interface DeployLinkContext {
  /** The "Deploy link" option (empty: the dashboard around the deploy). */
  template: string;
  /** The panel's `replaceVariables`, for dashboard variables in the template. */
  replaceVariables?: (text: string) => string;
  location: PageLocation;
}

/** The template's `${deploy.…}` placeholders filled in (URL-encoded), then the dashboard's variables. */
export function fillDeployTemplate(
  template: string,
  deploy: DeployMarker,
  replaceVariables: (text: string) => string = (t) => t,
): string {
  const values: Record<string, string> = {
    service: deploy.service,
    version: deploy.version,
    previous_version: deploy.previousVersion,
    env: deploy.env,
    team: deploy.team,
    time: String(deploy.time),
    from: String(deploy.time - DEPLOY_RANGE_MS),
    to: String(deploy.time + DEPLOY_RANGE_MS),
  };
  const filled = template.replace(/\$\{deploy\.(\w+)\}/g, (whole, name: string) =>
    name in values ? encodeURIComponent(values[name]!) : whole,
  );
  return replaceVariables(filled);
}

/** "Open deploy": the template's URL, or the dashboard zoomed to the half hour either side of the deploy. */
export function deployLink(deploy: DeployMarker, ctx: DeployLinkContext): LinkModel<DeployMarker> {
  const template = ctx.template.trim();
  if (template !== '') {
    const href = fillDeployTemplate(template, deploy, ctx.replaceVariables);
    return {
      href,
      title: 'Open deploy',
      // Outside Grafana (a CI run, a release page): a new tab keeps the dashboard open.
      target: /^https?:\/\//i.test(href) ? '_blank' : '_self',
      origin: deploy,
    };
  }
  return {
    href: locationUtil.getUrlForPartial(
      { ...ctx.location, hash: '', state: null, key: '' },
      {
        from: String(deploy.time - DEPLOY_RANGE_MS),
        to: String(deploy.time + DEPLOY_RANGE_MS),
      },
    ),
    title: 'Open deploy',
    target: '_self',
    origin: deploy,
  };
}
