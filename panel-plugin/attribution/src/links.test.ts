import { dateTime, type InterpolateFunction, type TimeRange } from '@grafana/data';
import { fillRowVariables, rowHref, urlTimeRange, type RowValues } from './links';
import { DEFAULT_LINK_TEMPLATE } from './types';

const FROM = Date.UTC(2026, 2, 1);
const TO = FROM + 6 * 3_600_000;

const row = (over: Partial<RowValues> = {}): RowValues => ({
  service: 'legacy-cron',
  sku: 'compute.gb_s',
  resource: 'eu-west-1',
  region: 'eu-west-1',
  provider: '',
  account: '',
  currency: 'USD',
  source: 'telemetry',
  ...over,
});

const relative: TimeRange = { from: dateTime(FROM), to: dateTime(TO), raw: { from: 'now-6h', to: 'now' } };
const absolute: TimeRange = {
  from: dateTime(FROM),
  to: dateTime(TO),
  raw: { from: dateTime(FROM), to: dateTime(TO) },
};

describe('fillRowVariables', () => {
  it('fills every spelling of a row variable, URL-encoded, and leaves the others alone', () => {
    expect(
      fillRowVariables(
        '/d/x?a=${service}&b=$sku&c=[[region]]&d=${__data.fields.currency}&e=${service:raw}&f=$team&g=${__url_time_range}',
        row(),
      ),
    ).toBe('/d/x?a=legacy-cron&b=compute.gb_s&c=eu-west-1&d=USD&e=legacy-cron&f=$team&g=${__url_time_range}');
  });

  it('a value is one parameter value whatever it holds, and never a variable', () => {
    const service = 'reports & exports/v2 #1?x=${team}';
    expect(fillRowVariables('s=${service}', row({ service }))).toBe(
      's=reports%20%26%20exports%2Fv2%20%231%3Fx%3D%24%7Bteam%7D',
    );
    expect(decodeURIComponent('reports%20%26%20exports%2Fv2%20%231%3Fx%3D%24%7Bteam%7D')).toBe(service);
    // `$services` is not `$service`.
    expect(fillRowVariables('$services', row())).toBe('$services');
    // A malformed tag (a lone surrogate) is replaced, not thrown on.
    expect(fillRowVariables('${service}', row({ service: 'a\uD800b' }))).toBe('a%EF%BF%BDb');
  });
});

describe('rowHref', () => {
  it('the default template: the debug dashboard filtered to service and SKU, same time range', () => {
    expect(rowHref(DEFAULT_LINK_TEMPLATE, row(), { timeRange: relative })).toBe(
      '/d/meterline-debug?var-service=legacy-cron&var-sku=compute.gb_s&from=now-6h&to=now',
    );
    expect(rowHref(DEFAULT_LINK_TEMPLATE, row(), { timeRange: absolute })).toBe(
      `/d/meterline-debug?var-service=legacy-cron&var-sku=compute.gb_s&from=${FROM}&to=${TO}`,
    );
  });

  it("Grafana's interpolation runs after the row values, so it cannot see into them", () => {
    const seen: string[] = [];
    const replaceVariables: InterpolateFunction = (s) => {
      seen.push(s);
      return s.replace('${team}', 'payments').replace('${__url_time_range}', 'from=now-1h&to=now');
    };
    const href = rowHref(
      '/d/oncall?var-team=${team}&var-service=${service}&${__url_time_range}',
      row({ service: '${team}' }),
      { replaceVariables, timeRange: relative },
    );
    expect(seen).toEqual(['/d/oncall?var-team=${team}&var-service=%24%7Bteam%7D&${__url_time_range}']);
    // Grafana's own `${__url_time_range}` wins; the panel's is only the fallback.
    expect(href).toBe('/d/oncall?var-team=payments&var-service=%24%7Bteam%7D&from=now-1h&to=now');
  });

  it('no link for an empty template or an unsafe scheme; absolute URLs stay as they are', () => {
    expect(rowHref('  ', row())).toBeUndefined();
    expect(rowHref('javascript:alert(1)//${service}', row())).toBeUndefined();
    expect(rowHref('https://finops.example.com/owners?svc=${service}', row({ service: 'a b' }))).toBe(
      'https://finops.example.com/owners?svc=a%20b',
    );
  });
});

describe('urlTimeRange', () => {
  it('relative as typed, absolute in epoch milliseconds', () => {
    expect(urlTimeRange(relative)).toBe('from=now-6h&to=now');
    expect(urlTimeRange(absolute)).toBe(`from=${FROM}&to=${TO}`);
  });
});
