/**
 * Query model migrations: any saved query → the current {@link MeterlineQuery} with every default filled.
 *
 * Version 0 (the prototype, before `version` existed) saved:
 *
 * ```ts
 * interface QueryV0 {
 *   refId: string;
 *   type: 'spend' | 'raw';
 *   query?: string;    // raw: the InfluxQL; spend: the generated InfluxQL (derived, not read back)
 *   groupBy?: string;  // spend: comma-separated tags, e.g. 'team,service'
 *   currency?: string; // spend: show only this currency, e.g. 'USD'
 * }
 * ```
 *
 * and becomes: `raw` → `queryType: 'raw'`, `rawQuery` = `query`, time series format; `spend` →
 * `queryType: 'spend'`, `groupBy` split into known tags (`currency` dropped: every spend query groups by
 * currency anyway), `currency` → a `currency = <code>` filter. Fields only v0 had are removed.
 *
 * @packageDocumentation
 */
import {
  COST_TAGS,
  DEFAULT_QUERY,
  PROVIDER_TAGS,
  QUERY_MODEL_VERSION,
  type MeterlineQuery,
  type SpendTag,
} from '../types';

/** The version-0 query shape (see the module doc). */
export interface QueryV0 {
  refId?: string;
  type?: 'spend' | 'raw';
  query?: string;
  groupBy?: string;
  currency?: string;
}

const KNOWN_TAGS: ReadonlySet<string> = new Set<string>([...COST_TAGS, ...PROVIDER_TAGS]);

/** Whether a saved query is version 0: no `version`, and v0's `type` discriminator. */
export function isQueryV0(raw: unknown): raw is QueryV0 & Record<string, unknown> {
  if (raw === null || typeof raw !== 'object') return false;
  const q = raw as Record<string, unknown>;
  return q.version === undefined && (q.type === 'spend' || q.type === 'raw') && q.queryType === undefined;
}

/**
 * The current query model of any saved query (already-current queries get missing defaults only). Arrays
 * from the defaults are copied, so editing one query never changes another.
 */
export function migrateQuery(raw: unknown): MeterlineQuery {
  const source = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const upgraded: Record<string, unknown> = isQueryV0(source) ? fromV0(source) : { ...source };
  const out: Record<string, unknown> = { ...upgraded };
  for (const [key, value] of Object.entries(DEFAULT_QUERY)) {
    if (out[key] === undefined || out[key] === null) out[key] = Array.isArray(value) ? [...value] : value;
  }
  // A query saved by a newer build keeps its version (we do not downgrade what we do not understand).
  if (typeof out.version !== 'number' || out.version < QUERY_MODEL_VERSION) out.version = QUERY_MODEL_VERSION;
  if (typeof out.refId !== 'string') out.refId = 'A';
  return out as unknown as MeterlineQuery;
}

function fromV0(v0: QueryV0 & Record<string, unknown>): Record<string, unknown> {
  const { type, query, groupBy, currency, ...rest } = v0;
  if (type === 'raw') {
    return { ...rest, queryType: 'raw', rawQuery: query ?? '', rawFormat: 'time_series' };
  }
  const tags = (groupBy ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '' && t !== 'currency' && KNOWN_TAGS.has(t)) as SpendTag[];
  const out: Record<string, unknown> = { ...rest, queryType: 'spend', groupBy: [...new Set(tags)] };
  const code = (currency ?? '').trim();
  if (code !== '') out.filters = [{ key: 'currency', operator: '=', value: code }];
  return out;
}
