/**
 * Trace correlation: fields holding trace IDs link to the configured Tempo data source, so a click on a
 * costly trace or an exemplar opens it in Explore (an internal link: no URL to build or keep in sync).
 *
 * @packageDocumentation
 */
import type { DataLink, FieldConfig } from '@grafana/data';
import type { MeterlineOptions } from '../types';

/** The Tempo query of a link: the clicked cell's raw value as a TraceQL trace ID lookup. */
export interface TempoLinkQuery {
  query: string;
  queryType: 'traceql';
}

/** The "Open trace" link to `settings.tempoUid`, or none when no Tempo data source is configured. */
export function traceLinks(settings: MeterlineOptions): DataLink[] {
  const uid = (settings.tempoUid ?? '').trim();
  if (uid === '') return [];
  const query: TempoLinkQuery = { query: '${__value.raw}', queryType: 'traceql' };
  return [
    {
      title: 'Open trace',
      url: '',
      internal: { datasourceUid: uid, datasourceName: 'Tempo', query },
    },
  ];
}

/** `config` with the trace links added (unchanged when Tempo is not configured). */
export function traceIdConfig(settings: MeterlineOptions, config: FieldConfig = {}): FieldConfig {
  const links = traceLinks(settings);
  return links.length === 0 ? config : { ...config, links: [...(config.links ?? []), ...links] };
}
