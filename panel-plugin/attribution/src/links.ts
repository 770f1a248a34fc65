/**
 * Row links: the link template of the options, filled with one table row's values and then with Grafana's
 * own interpolation (dashboard variables, `${__url_time_range}`, `$__from`…).
 *
 * Order matters. Row values go in first, each URL-encoded, so whatever a tag holds (`&`, `#`, `/`, spaces,
 * or text that looks like a variable: `$` and `{` are encoded too) stays one query-parameter value and can
 * never be read as a variable by the second step. Row variables therefore win over dashboard variables of
 * the same name, like scoped variables do in Grafana's data links.
 *
 * @packageDocumentation
 */
import {
  isDateTime,
  locationUtil,
  textUtil,
  type DateTime,
  type InterpolateFunction,
  type TimeRange,
} from '@grafana/data';
import type { SourceRow } from './model';

/** The variables a row provides to the link template. */
export const ROW_VARIABLES = [
  'service',
  'sku',
  'resource',
  'region',
  'provider',
  'account',
  'currency',
  'source',
] as const;

/** A row variable's name. */
export type RowVariable = (typeof ROW_VARIABLES)[number];

/** The values of a row's variables (raw, not yet encoded). */
export type RowValues = Record<RowVariable, string>;

const ROW_SET: ReadonlySet<string> = new Set(ROW_VARIABLES);

/**
 * `${name}`, `${name:format}`, `${__data.fields.name}` (Grafana's data-link spelling), `$name` and
 * `[[name]]`. The format is ignored: a row value is always URL-encoded.
 */
const ROW_PATTERN = /\$\{(?:__data\.fields\.)?(\w+)(?::[\w-]+)?\}|\$(\w+)\b|\[\[(\w+)\]\]/g;

/** `${__url_time_range}` left as it is by an interpolator that does not know it. */
const URL_TIME_RANGE = /\$\{__url_time_range\}|\$__url_time_range\b/g;

/** The row variables of a table row. */
export function rowValues(row: SourceRow): RowValues {
  return {
    service: row.service,
    sku: row.sku,
    resource: row.resource,
    region: row.region,
    provider: row.provider,
    account: row.account,
    currency: row.currency,
    source: row.source,
  };
}

/** Replaces the row variables of `template` with their URL-encoded values; other variables stay. */
export function fillRowVariables(template: string, values: RowValues): string {
  return template.replace(ROW_PATTERN, (whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    return ROW_SET.has(name) ? encode(values[name as RowVariable]) : whole;
  });
}

/** `encodeURIComponent`, except that a lone surrogate (a malformed tag) becomes U+FFFD instead of a throw. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(
      value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
    );
  }
}

function urlTime(t: DateTime | string): string {
  return isDateTime(t) ? String(t.valueOf()) : t;
}

/**
 * `from=…&to=…` as Grafana writes `${__url_time_range}`: relative ranges as typed (`now-6h`), absolute
 * ones in epoch milliseconds.
 */
export function urlTimeRange(range: TimeRange): string {
  const from = range.raw?.from ?? range.from;
  const to = range.raw?.to ?? range.to;
  return `from=${encodeURIComponent(urlTime(from))}&to=${encodeURIComponent(urlTime(to))}`;
}

/** What the link of a row needs from the panel. */
export interface LinkContext {
  /** `PanelProps.replaceVariables`: dashboard variables and Grafana's macros. */
  replaceVariables?: InterpolateFunction;
  /** `PanelProps.timeRange`, for `${__url_time_range}` when the interpolator leaves it. */
  timeRange?: TimeRange;
}

/**
 * The href of a row: `template` with the row's values (encoded), then Grafana's variables, then made safe
 * (`javascript:` and friends become nothing) and prefixed with Grafana's sub-path for `/…` links.
 * `undefined` when there is no link to make.
 */
export function rowHref(template: string, values: RowValues, ctx: LinkContext = {}): string | undefined {
  if (template.trim() === '') return undefined;
  let url = fillRowVariables(template.trim(), values);
  if (ctx.replaceVariables !== undefined) url = ctx.replaceVariables(url);
  if (ctx.timeRange !== undefined) {
    const range = urlTimeRange(ctx.timeRange);
    url = url.replace(URL_TIME_RANGE, () => range);
  }
  const safe = textUtil.sanitizeUrl(url);
  if (safe === 'about:blank' || safe === '') return undefined;
  return locationUtil.assureBaseUrl(safe);
}
