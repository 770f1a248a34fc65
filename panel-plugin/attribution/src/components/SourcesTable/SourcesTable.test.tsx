import { render, screen, within } from '@testing-library/react';
import { FieldType, type Field } from '@grafana/data';
import type { SourceRow, SourcesTable as SourcesModel } from '../../model';
import { captionText, columnWidths, linkTitle, SourcesTable } from './SourcesTable';

const amountField: Field = { name: 'amount', type: FieldType.number, config: {}, values: [] };

function row(over: Partial<SourceRow>): SourceRow {
  return {
    key: over.service ?? 'k',
    source: 'telemetry',
    service: 'svc',
    sku: 'sku',
    region: 'eu-west-1',
    provider: '',
    account: '',
    currency: 'USD',
    resource: 'eu-west-1',
    amount: 1,
    share: 0.5,
    ...over,
  };
}

const table = (rows: SourceRow[], total = rows.length): SourcesModel => ({
  rows,
  total,
  amountField,
  shareField: undefined,
  multiCurrency: false,
});

describe('captionText', () => {
  it('says when the table is cut to the top N', () => {
    expect(captionText({ rows: [row({})], total: 1 })).toBe('Top unattributed sources');
    expect(captionText({ rows: [row({}), row({})], total: 100 })).toBe(
      'Top unattributed sources (top 2 of 100)',
    );
  });

  it('linkTitle names what the link filters to', () => {
    expect(linkTitle(row({ service: 'a', sku: 'b', resource: 'eu' }))).toBe(
      'Open the dashboard filtered to service a, SKU b, eu',
    );
    expect(linkTitle(row({ service: '', sku: '', resource: '' }))).toBe(
      'Open the dashboard filtered to service (none)',
    );
  });
});

describe('columnWidths', () => {
  it('numbers get fixed widths, text columns share the rest', () => {
    // 600 − 128 − 64 = 408: 40/25/35%.
    expect(columnWidths(600, true, true)).toEqual([163, 102, 142, 128, 64]);
    expect(columnWidths(400, true, false)).toEqual([124, 83, 128, 64]);
    expect(columnWidths(300, false, false)).toEqual([108, 128, 64]);
    expect(columnWidths(100, false, false)).toEqual([0, 128, 64]);
  });
});

describe('SourcesTable', () => {
  const rows = [
    row({ service: 'legacy-cron', sku: 'compute.gb_s', amount: 6 }),
    row({
      service: 'S3',
      source: 'export',
      provider: 'aws',
      account: '0012',
      resource: 'aws / 0012 · eu',
      amount: -1,
      share: -0.1,
    }),
    row({ service: '', sku: '', amount: null, share: null }),
  ];
  const setup = (over: Partial<Parameters<typeof SourcesTable>[0]> = {}) =>
    render(
      <SourcesTable
        table={table(rows, 40)}
        width={600}
        amountText={(r) => (r.amount === null ? '—' : `$${r.amount}`)}
        shareText={(r) => (r.share === null ? '—' : `${r.share * 100}%`)}
        hrefOf={(r) => (r.service === '' ? undefined : `/d/x?s=${encodeURIComponent(r.service)}`)}
        showSku
        showResource
        {...over}
      />,
    );

  it('a table with a caption, column headers and the service as row header', () => {
    setup();
    const t = screen.getByRole('table');
    expect(t.querySelector('caption')?.textContent).toBe('Top unattributed sources (top 3 of 40)');
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Service',
      'SKU',
      'Resource',
      'Amount',
      'Share',
    ]);
    expect(screen.getAllByRole('rowheader').map((h) => h.textContent)).toEqual([
      'legacy-cron',
      'S3',
      '(none)',
    ]);
    const [first, second, third] = screen.getAllByTestId('attribution-source-row');
    expect([...first!.querySelectorAll('td')].map((c) => c.textContent)).toEqual([
      'compute.gb_s',
      'eu-west-1',
      '$6',
      '50%',
    ]);
    // A credit says so in words, an export says it comes from a bill.
    expect([...second!.querySelectorAll('td')].map((c) => c.textContent)).toEqual([
      'sku',
      'aws / 0012 · eu bill',
      '$-1 credit',
      '-10%',
    ]);
    expect([...third!.querySelectorAll('td')].map((c) => c.textContent)).toEqual(['', 'eu-west-1', '—', '—']);
  });

  it('services link where a link is made; the links are focusable anchors', () => {
    setup();
    const links = screen.getAllByRole('link');
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['/d/x?s=legacy-cron', '/d/x?s=S3']);
    expect(links[0]!.getAttribute('title')).toBe(
      'Open the dashboard filtered to service legacy-cron, SKU compute.gb_s, eu-west-1',
    );
    links[0]!.focus();
    expect(document.activeElement).toBe(links[0]);
    // The row without a service has no link, just the text.
    expect(within(screen.getAllByTestId('attribution-source-row')[2]!).queryByRole('link')).toBeNull();
  });

  it('no links when rows do not link; narrow tables drop SKU and resource', () => {
    setup({ hrefOf: undefined, showSku: false, showResource: false });
    expect(screen.queryAllByRole('link')).toEqual([]);
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Service',
      'Amount',
      'Share',
    ]);
  });
});
