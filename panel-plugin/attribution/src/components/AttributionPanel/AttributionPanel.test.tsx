import { render, screen, within } from '@testing-library/react';
import { FieldType, toDataFrame, type DataFrame, type InterpolateFunction } from '@grafana/data';
import { panelProps, ratioFrames, sourcesFrames, FROM, type TelemetrySource } from '../../testing';
import type { AttributionOptions } from '../../types';
import { AttributionPanel, targetText } from './AttributionPanel';

// Unknown USD spend: 6 + 3 + 1 = 10 USD, so shares are 60.0%, 30.0% and 10.0%.
const TELEMETRY: TelemetrySource[] = [
  { service: 'legacy-cron', sku: 'compute.gb_s', region: 'eu-west-1', nano: 6_000_000_000 },
  { service: 'image-resizer', sku: 'egress.gb', region: 'us-east-1', nano: 3_000_000_000 },
];
const EXPORTS = [
  { provider: 'aws', account: '0012', service: 'S3', sku: 'storage.gb', region: 'eu', nano: 1_000_000_000 },
];

function setup(
  frames: DataFrame[],
  over: {
    options?: Partial<AttributionOptions>;
    width?: number;
    height?: number;
    replaceVariables?: InterpolateFunction;
  } = {},
) {
  return render(<AttributionPanel {...panelProps(frames, over)} />);
}

const ratio = () => screen.getByTestId('attribution-ratio');
const status = () => screen.getByTestId('attribution-status').textContent;
const rows = () =>
  screen
    .getAllByTestId('attribution-source-row')
    .map((tr) => [tr.querySelector('th'), ...tr.querySelectorAll('td')].map((c) => c!.textContent));

describe('AttributionPanel', () => {
  it('normal, over target: the number against the target, its trend, and the sources with links', () => {
    setup([...ratioFrames({ USD: [0.031, 0.042, 0.073] }), ...sourcesFrames(TELEMETRY, EXPORTS)]);
    expect(screen.getByTestId('attribution-panel').getAttribute('data-layout')).toBe('side');
    expect(ratio().textContent).toBe('7.3%');
    expect(ratio().getAttribute('aria-label')).toBe('Unknown attribution 7.3%, over the 5% target');
    expect(status()).toBe('over target · target 5%');
    expect(screen.getByTestId('attribution-stat').getAttribute('data-status')).toBe('over');
    expect(screen.getByTestId('attribution-sparkline').getAttribute('aria-label')).toBe(
      'Trend of unknown attribution over the time range: from 3.1% to 7.3%; target 5%',
    );
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe('Top unattributed sources');
    expect(rows()).toEqual([
      ['legacy-cron', 'compute.gb_s', 'eu-west-1', '$6.00', '60.0%'],
      ['image-resizer', 'egress.gb', 'us-east-1', '$3.00', '30.0%'],
      ['S3', 'storage.gb', 'aws / 0012 · eu bill', '$1.00', '10.0%'],
    ]);
    expect(screen.getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual([
      '/d/meterline-debug?var-service=legacy-cron&var-sku=compute.gb_s&from=now-6h&to=now',
      '/d/meterline-debug?var-service=image-resizer&var-sku=egress.gb&from=now-6h&to=now',
      '/d/meterline-debug?var-service=S3&var-sku=storage.gb&from=now-6h&to=now',
    ]);
  });

  it('within target: the latest value decides, not the peak', () => {
    setup(ratioFrames({ USD: [0.07, 0.042] }));
    expect(ratio().textContent).toBe('4.2%');
    expect(ratio().getAttribute('aria-label')).toBe('Unknown attribution 4.2%, within the 5% target');
    expect(status()).toBe('within target · target 5%');
    // Only the ratio: no table.
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('threshold crossed by changing the target: 4.2% is over a 4% target', () => {
    setup(ratioFrames({ USD: [0.07, 0.042] }), { options: { targetPercent: 4 } });
    expect(ratio().getAttribute('aria-label')).toBe('Unknown attribution 4.2%, over the 4% target');
    expect(screen.getByTestId('attribution-stat').getAttribute('data-status')).toBe('over');
  });

  it('no data: says so, and which query the panel reads', () => {
    setup([]);
    expect(screen.getByRole('status').textContent).toContain('No data');
    expect(screen.getByRole('status').textContent).toContain('"Unknown attribution" query');
    // The data source returns no table when nothing is unattributed: still no data, not an error.
    setup(sourcesFrames([]));
    expect(screen.getAllByRole('status')).toHaveLength(2);
  });

  it('wrong frames: names the fields it expected', () => {
    const spend = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [FROM] },
        { name: 'amount', type: FieldType.number, values: [12.5] },
      ],
    });
    setup([spend]);
    expect(screen.getByRole('status').textContent).toContain(
      'These frames do not have what this panel needs',
    );
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      '"unknown ratio" (number, a series per currency label)',
    ]);
  });

  it('many series: 100 sources cut to the top N, three currencies with the worst one large', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      service: `svc-${String(i).padStart(3, '0')}`,
      sku: 'requests',
      nano: (i + 1) * 10_000_000,
    }));
    setup([...ratioFrames({ EUR: [0.08], GBP: [-0.2], USD: [0.02] }), ...sourcesFrames(many, [], 100)], {
      options: { topN: 5 },
    });
    expect(ratio().textContent).toBe('8.0%');
    expect(ratio().getAttribute('aria-label')).toBe('Unknown attribution (EUR) 8.0%, over the 5% target');
    const others = within(screen.getByRole('list', { name: 'Other currencies' }));
    expect(others.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'GBP -20.0% credit',
      'USD 2.0%',
    ]);
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe(
      'Top unattributed sources (top 5 of 100)',
    );
    // svc-099: 1.00 of 100 × 101 / 2 × 0.01 = 50.50 USD → 1.98%.
    expect(rows()[0]).toEqual(['svc-099', 'requests', '', '$1.00', '2.0%']);
    expect(rows().map((r) => r[0])).toEqual(['svc-099', 'svc-098', 'svc-097', 'svc-096', 'svc-095']);
  });

  it('a chosen currency is shown large instead', () => {
    setup(ratioFrames({ EUR: [0.08], USD: [0.02] }), { options: { currency: 'usd' } });
    expect(ratio().textContent).toBe('2.0%');
    expect(ratio().getAttribute('aria-label')).toBe('Unknown attribution (USD) 2.0%, within the 5% target');
  });

  it('zero total: no ratio rather than NaN, and no share of a zero unknown total', () => {
    const zero = toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [FROM, FROM + 60_000] },
        {
          name: 'unknown ratio',
          type: FieldType.number,
          values: [NaN, null],
          labels: { currency: 'USD' },
          config: { unit: 'percentunit', decimals: 1 },
        },
      ],
    });
    setup([
      zero,
      ...sourcesFrames([
        { service: 'batch', sku: 'cpu', nano: 2_000_000_000 },
        { service: 'refunds', sku: 'cpu', nano: -2_000_000_000 },
      ]),
    ]);
    expect(ratio().textContent).toBe('—');
    expect(ratio().getAttribute('aria-label')).toBe(
      'Unknown attribution: no ratio in this time range (nothing spent), target 5%',
    );
    expect(screen.queryByTestId('attribution-sparkline')).toBeNull();
    expect(document.body.textContent).not.toMatch(/NaN|Infinity/);
    expect(rows()).toEqual([
      ['batch', 'cpu', '', '$2.00', '—'],
      ['refunds', 'cpu', '', '-$2.00 credit', '—'],
    ]);
  });

  it('negative spend: a negative ratio is a net credit; credit rows say so', () => {
    setup([
      ...ratioFrames({ GBP: [0.01, -0.2] }),
      ...sourcesFrames([
        { service: 'storage', sku: 'gcs', nano: 1_500_000_000, currency: 'GBP' },
        { service: 'trial', sku: 'credit', nano: -500_000_000, currency: 'GBP' },
      ]),
    ]);
    expect(ratio().textContent).toBe('-20.0%');
    expect(ratio().getAttribute('aria-label')).toBe(
      'Unknown attribution -20.0%, a net credit, within the 5% target',
    );
    expect(status()).toBe('net credit, within target · target 5%');
    // Unknown GBP total 1.5 − 0.5 = 1.0: shares 150% and −50%.
    expect(rows()).toEqual([
      ['storage', 'gcs', '', '£1.50', '150.0%'],
      ['trial', 'credit', '', '-£0.50 credit', '-50.0%'],
    ]);
  });

  it('several currencies in the table: each amount says its currency', () => {
    setup(
      sourcesFrames([
        { service: 'a', sku: 's', nano: 2_000_000_000, currency: 'USD' },
        { service: 'b', sku: 's', nano: 1_000_000_000, currency: 'EUR' },
      ]),
    );
    expect(rows()).toEqual([
      ['a', 's', '', '2.00 USD', '100.0%'],
      ['b', 's', '', '1.00 EUR', '100.0%'],
    ]);
    // Only the table: no number.
    expect(screen.queryByTestId('attribution-ratio')).toBeNull();
  });

  it('small (a 4×3 grid cell, 300×130): the number and the trend only', () => {
    setup([...ratioFrames({ USD: [0.031, 0.042, 0.073] }), ...sourcesFrames(TELEMETRY)], {
      width: 300,
      height: 130,
    });
    expect(screen.getByTestId('attribution-panel').getAttribute('data-layout')).toBe('none');
    expect(ratio().textContent).toBe('7.3%');
    expect(ratio().getAttribute('style')).toContain('font-size: 38px');
    expect(screen.getByTestId('attribution-sparkline').getAttribute('height')).toBe('42');
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('the trend can be turned off', () => {
    setup(ratioFrames({ USD: [0.031, 0.073] }), { options: { showSparkline: false } });
    expect(screen.queryByTestId('attribution-sparkline')).toBeNull();
  });

  it('links carry the row values URL-encoded, then the dashboard variables', () => {
    const replaceVariables: InterpolateFunction = (s) => s.replace('$env', 'prod');
    setup(
      sourcesFrames([
        { service: 'reports & exports/v2 #1', sku: 'egress.gb?tier=1', region: 'eu west', nano: 1 },
      ]),
      {
        options: {
          linkTemplate: '/d/meterline-debug?var-env=$env&var-service=${service}&var-sku=${sku}&r=${resource}',
        },
        replaceVariables,
      },
    );
    const link = screen.getByRole('link', { name: 'reports & exports/v2 #1' });
    expect(link.getAttribute('href')).toBe(
      '/d/meterline-debug?var-env=prod&var-service=reports%20%26%20exports%2Fv2%20%231&var-sku=egress.gb%3Ftier%3D1&r=eu%20west',
    );
    const params = new URL(link.getAttribute('href')!, 'http://grafana').searchParams;
    expect([params.get('var-service'), params.get('var-sku'), params.get('r')]).toEqual([
      'reports & exports/v2 #1',
      'egress.gb?tier=1',
      'eu west',
    ]);
  });

  it('rows do not link when links are off', () => {
    setup(sourcesFrames(TELEMETRY), { options: { linkRows: false } });
    expect(screen.queryAllByRole('link')).toEqual([]);
    // Then the scrolling area itself is the tab stop.
    expect(screen.getByRole('region', { name: 'Top unattributed sources' }).getAttribute('tabindex')).toBe(
      '0',
    );
  });

  it('targetText keeps the target as typed', () => {
    expect(targetText(5)).toBe('5%');
    expect(targetText(2.5)).toBe('2.5%');
    expect(targetText(1 / 3)).toBe('0.33%');
  });
});
