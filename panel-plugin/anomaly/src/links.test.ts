import {
  DEPLOY_RANGE_MS,
  TRACE_RANGE_PADDING_MS,
  deployLink,
  exploreTraceUrl,
  fillDeployTemplate,
  traceLinks,
  type ExplorePane,
} from './links';
import type { AnomalyMarker, DeployMarker } from './model';
import { TRACES, at } from './testing';

/** The `left` pane of an Explore URL, decoded. */
function leftOf(href: string): ExplorePane {
  const url = new URL(href, 'http://grafana.local');
  expect(url.pathname).toBe('/explore');
  return JSON.parse(url.searchParams.get('left')!) as ExplorePane;
}

const anomaly: AnomalyMarker = {
  kind: 'anomaly',
  id: 'a1',
  time: at(35),
  end: at(50),
  score: 0.99,
  title: 'Cost anomaly: service checkout',
  text: '',
  traceIds: [...TRACES],
  tempoUid: 'tempo-uid',
  deploys: [],
  deploysText: '',
  source: 'events',
};

const deploy: DeployMarker = {
  kind: 'deploy',
  id: 'd1',
  time: at(25),
  service: 'checkout',
  team: 'payments',
  env: 'prod',
  version: '1.1.0',
  previousVersion: '1.0.0',
  title: 'checkout 1.0.0 → 1.1.0',
  text: '',
};

describe('Open top traces', () => {
  it('one Explore link per trace ID: Tempo, a TraceQL trace-ID query, the episode with padding', () => {
    const links = traceLinks(anomaly);
    expect(links.map((l) => l.title)).toEqual(TRACES.map((id) => `Open trace ${id}`));
    links.forEach((link, i) => {
      expect(link.target).toBe('_self');
      expect(link.origin).toBe(anomaly);
      expect(leftOf(link.href)).toEqual({
        datasource: 'tempo-uid',
        queries: [{ refId: 'A', datasource: { uid: 'tempo-uid' }, queryType: 'traceql', query: TRACES[i] }],
        range: { from: String(at(35) - TRACE_RANGE_PADDING_MS), to: String(at(50) + TRACE_RANGE_PADDING_MS) },
      });
      expect(link.href).toContain(TRACES[i]);
    });
  });

  it('no links without a Tempo data source or without trace IDs', () => {
    const { tempoUid: _uid, ...noTempo } = anomaly;
    expect(traceLinks(noTempo)).toEqual([]);
    expect(traceLinks({ ...anomaly, traceIds: [] })).toEqual([]);
  });

  it('the URL is encoded (a uid with URL characters survives)', () => {
    expect(leftOf(exploreTraceUrl('a&b=c', 'x', 0, 1)).datasource).toBe('a&b=c');
  });
});

describe('Open deploy', () => {
  const location = {
    pathname: '/d/meterline-oncall/on-call',
    search: '?orgId=1&from=now-6h&to=now&var-team=payments',
  };

  it('default: this dashboard, zoomed to the deploy, other parameters kept', () => {
    const link = deployLink(deploy, { template: '', location });
    const url = new URL(link.href, 'http://grafana.local');
    expect(url.pathname).toBe('/d/meterline-oncall/on-call');
    expect(url.searchParams.get('from')).toBe(String(at(25) - DEPLOY_RANGE_MS));
    expect(url.searchParams.get('to')).toBe(String(at(25) + DEPLOY_RANGE_MS));
    expect(url.searchParams.get('var-team')).toBe('payments');
    expect(url.searchParams.get('orgId')).toBe('1');
    expect(link).toMatchObject({ title: 'Open deploy', target: '_self', origin: deploy });
  });

  it('a template: deploy placeholders (encoded), then dashboard variables; external links open a tab', () => {
    const link = deployLink(deploy, {
      template:
        'https://ci.example.com/${deploy.service}/compare/${deploy.previous_version}...${deploy.version}?env=${env}',
      replaceVariables: (t) => t.replace('${env}', 'prod'),
      location,
    });
    expect(link.href).toBe('https://ci.example.com/checkout/compare/1.0.0...1.1.0?env=prod');
    expect(link.target).toBe('_blank');
    expect(
      fillDeployTemplate('/d/x?from=${deploy.from}&to=${deploy.to}&t=${deploy.time}&s=${deploy.nope}', {
        ...deploy,
        service: 'a b',
      }),
    ).toBe(
      `/d/x?from=${at(25) - DEPLOY_RANGE_MS}&to=${at(25) + DEPLOY_RANGE_MS}&t=${at(25)}&s=\${deploy.nope}`,
    );
    expect(fillDeployTemplate('${deploy.service}', { ...deploy, service: 'a b/c' })).toBe('a%20b%2Fc');
    expect(deployLink(deploy, { template: '/d/releases?var-v=${deploy.version}', location }).target).toBe(
      '_self',
    );
  });
});
