import { useState } from 'react';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { dateTime, type TimeRange } from '@grafana/data';
import type { DataSource } from '../../datasource';
import { QUERY_TYPES, type MeterlineQuery } from '../../types';
import { chooseOption, installComboboxStubs } from '../testing/combobox';
import { ALL_FIELDS, visibleFields, type EditorField } from './fields';
import { QueryEditor } from './QueryEditor';

// @grafana/ui's icons fetch their SVG and set state after act(): render them as nothing in tests.
jest.mock('react-inlinesvg', () => ({ __esModule: true, default: () => null }));

installComboboxStubs();

/** The label each editor field is shown with (two views never share a query type). */
const LABELS: Record<EditorField, string> = {
  sources: 'Sources',
  providerField: 'Provider cost',
  groupBy: 'Group by',
  mode: 'Mode',
  interval: 'Interval',
  filters: 'Filters',
  budget: 'Budget',
  windows: 'Windows',
  burnMetrics: 'Show',
  unknownView: 'View',
  unknownWindow: 'Window',
  unknownSource: 'Source',
  anomalyView: 'View',
  dimension: 'Dimension',
  dimensionValue: 'Value',
  service: 'Service',
  requestSku: 'Request SKU',
  limit: 'Limit',
  rawQuery: 'InfluxQL',
  rawFormat: 'Format',
};

const FROM = Date.UTC(2026, 2, 1);
const TO = FROM + 6 * 3_600_000;
const range: TimeRange = { from: dateTime(FROM), to: dateTime(TO), raw: { from: 'now-6h', to: 'now' } };
const datasource = { instanceSettings: { jsonData: { database: 'meterline' } } } as unknown as DataSource;

function setup(query: Partial<MeterlineQuery>) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const utils = render(
    <QueryEditor
      query={{ refId: 'A', ...query }}
      datasource={datasource}
      range={range}
      onChange={onChange}
      onRunQuery={onRunQuery}
    />,
  );
  return { ...utils, onChange, onRunQuery, last: () => onChange.mock.calls.at(-1)?.[0] as MeterlineQuery };
}

/** Like Grafana: the editor's changes come back to it as its query. */
function setupStateful(query: Partial<MeterlineQuery>) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  function Host() {
    const [q, setQ] = useState<MeterlineQuery>({ refId: 'A', ...query });
    return (
      <QueryEditor
        query={q}
        datasource={datasource}
        range={range}
        onChange={(next) => {
          onChange(next);
          setQ(next);
        }}
        onRunQuery={onRunQuery}
      />
    );
  }
  render(<Host />);
  return { onChange, onRunQuery, last: () => onChange.mock.calls.at(-1)?.[0] as MeterlineQuery };
}

/** The text of the InfluxQL preview. */
function previewText(): string {
  return within(screen.getByRole('region', { name: 'InfluxQL preview' })).getByText(/./, { selector: 'pre' })
    .textContent!;
}

describe('QueryEditor', () => {
  const cases: Array<[string, Partial<MeterlineQuery>]> = [
    ...QUERY_TYPES.map((t): [string, Partial<MeterlineQuery>] => [t.value, { queryType: t.value }]),
    ['spend with provider bills', { queryType: 'spend', sources: ['telemetry', 'provider'] }],
    ['unknown, top sources', { queryType: 'unknown', unknownView: 'sources' }],
    ['anomaly events', { queryType: 'anomalies', anomalyView: 'events' }],
  ];

  it.each(cases)('%s: shows the options its type uses and hides the others', (_name, query) => {
    setup(query);
    const shown = visibleFields({ refId: 'A', ...query });
    expect(shown.size).toBeGreaterThan(0);
    for (const field of ALL_FIELDS) {
      // Two fields share the label "View": the other one's absence is checked by its own type's case.
      const sameLabel = ALL_FIELDS.filter((f) => f !== field && LABELS[f] === LABELS[field] && shown.has(f));
      if (!shown.has(field) && sameLabel.length > 0) continue;
      // Radio buttons are named by their own option labels (the dimension "Service"), not field labels.
      const found = screen.queryAllByLabelText(LABELS[field], { selector: ':not([type="radio"])' });
      if (shown.has(field)) expect({ field, count: found.length }).toEqual({ field, count: 1 });
      else expect({ field, count: found.length }).toEqual({ field, count: 0 });
    }
  });

  it('the expected fields per type', () => {
    // The table the editor follows, spelled out once so a change to it is a visible decision.
    const names = (q: Partial<MeterlineQuery>) => [...visibleFields({ refId: 'A', ...q })].sort();
    expect(names({ queryType: 'spend' })).toEqual(['filters', 'groupBy', 'interval', 'mode', 'sources']);
    expect(names({ queryType: 'spend', sources: ['provider'] })).toContain('providerField');
    expect(names({ queryType: 'burn' })).toEqual(['budget', 'burnMetrics', 'interval', 'windows']);
    expect(names({ queryType: 'raw' })).toEqual(['rawFormat', 'rawQuery']);
    expect(names({ queryType: 'traces' })).toEqual(['filters', 'limit']);
  });

  it('changing the query type commits it and runs the query', async () => {
    const user = userEvent.setup();
    const { last, onRunQuery } = setup({ queryType: 'spend' });
    await chooseOption(user, 'Query type', /^Burn rate & budgets/);
    expect(last().queryType).toBe('burn');
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('adding a group-by tag calls onChange with the tags in canonical order', async () => {
    const user = userEvent.setup();
    const { last, onRunQuery } = setup({ queryType: 'spend', groupBy: ['team'] });
    await chooseOption(user, 'Group by', /^tenant/);
    expect(last().groupBy).toEqual(['tenant', 'team']);
    expect(last().queryType).toBe('spend');
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('offers provider-only tags only when provider bills are read', async () => {
    const user = userEvent.setup();
    setupStateful({ queryType: 'spend', sources: ['telemetry'] });
    await user.click(screen.getByRole('combobox', { name: 'Group by' }));
    expect(within(await screen.findByRole('listbox')).queryByRole('option', { name: /^account/ })).toBeNull();
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('radio', { name: 'Both' }));
    expect(screen.getByRole('radiogroup', { name: 'Provider cost' })).toBeTruthy();
    await user.click(screen.getByRole('combobox', { name: 'Group by' }));
    expect(within(await screen.findByRole('listbox')).getByRole('option', { name: /^account/ })).toBeTruthy();
  });

  it('sources and mode radios store the model values', async () => {
    const user = userEvent.setup();
    const { last } = setupStateful({ queryType: 'spend' });
    await user.click(screen.getByRole('radio', { name: 'Provider bills' }));
    expect(last().sources).toEqual(['provider']);
    await user.click(screen.getByRole('radio', { name: 'Effective' }));
    expect(last().providerField).toBe('effective');
    await user.click(screen.getByRole('radio', { name: 'Cumulative' }));
    expect(last().mode).toBe('cumulative');
  });

  it('edits filters: add (not run yet), value (run), operator, remove', async () => {
    const user = userEvent.setup();
    const { last, onRunQuery } = setupStateful({ queryType: 'spend', filters: [] });
    await user.click(screen.getByRole('button', { name: 'Add filter' }));
    expect(last().filters).toEqual([{ key: 'tenant', operator: '=', value: '' }]);
    expect(onRunQuery).not.toHaveBeenCalled();

    await user.type(screen.getByRole('textbox', { name: 'Filter 1 value' }), 'acme{Enter}');
    expect(last().filters).toEqual([{ key: 'tenant', operator: '=', value: 'acme' }]);
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await chooseOption(user, 'Filter 1 operator', /^!=/);
    expect(last().filters).toEqual([{ key: 'tenant', operator: '!=', value: 'acme' }]);
    await chooseOption(user, 'Filter 1 key', /^service/);
    expect(last().filters).toEqual([{ key: 'service', operator: '!=', value: 'acme' }]);

    await user.click(screen.getByRole('button', { name: 'Add filter' }));
    expect(last().filters).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Remove filter 1' }));
    expect(last().filters).toEqual([{ key: 'tenant', operator: '=', value: '' }]);
  });

  it('commits text options on blur and validates the limit', async () => {
    const user = userEvent.setup();
    const { last, onChange } = setupStateful({ queryType: 'traces', limit: 10 });
    const limit = screen.getByRole('spinbutton', { name: 'Limit' });
    await user.clear(limit);
    await user.type(limit, '0');
    await user.tab();
    expect(screen.getByText('A whole number, 1 or more')).toBeTruthy();
    expect(onChange).not.toHaveBeenCalled();
    await user.clear(limit);
    await user.type(limit, '25');
    await user.tab();
    expect(last().limit).toBe(25);
    expect(screen.queryByText('A whole number, 1 or more')).toBeNull();
  });

  it('upgrades a version-0 query when it is edited', async () => {
    const user = userEvent.setup();
    const v0 = {
      refId: 'A',
      type: 'spend',
      groupBy: 'team,service',
      currency: 'EUR',
    } as unknown as MeterlineQuery;
    const { last } = setup(v0);
    await user.click(screen.getByRole('radio', { name: 'Cumulative' }));
    expect(last()).toMatchObject({
      version: 1,
      queryType: 'spend',
      groupBy: ['team', 'service'],
      mode: 'cumulative',
      filters: [{ key: 'currency', operator: '=', value: 'EUR' }],
    });
    expect(last()).not.toHaveProperty('type');
  });

  describe('InfluxQL preview', () => {
    it('shows the escaped statement the query runs, variables as typed', () => {
      setup({
        queryType: 'spend',
        groupBy: ['team'],
        filters: [
          { key: 'tenant', operator: '=', value: "o'brien" },
          { key: 'service', operator: '=', value: '$service' },
        ],
      });
      const text = previewText();
      expect(text).toContain('FROM "cost"');
      expect(text).toContain(`"tenant" = 'o\\'brien'`);
      expect(text).toContain(`"service" = '$service'`);
      expect(text).toContain(`time >= ${FROM}ms`);
      expect(text).toMatch(/GROUP BY time\([^)]+\), "team", "currency"/);
    });

    it('shows one statement per source', () => {
      setup({ queryType: 'spend', sources: ['telemetry', 'provider'], providerField: 'list' });
      const text = previewText();
      expect(text).toContain('FROM "cost"');
      expect(text).toContain('SUM("list_nano")');
      expect(text).toContain('FROM "provider_cost"');
    });

    it('shows why a query cannot be built instead of throwing', () => {
      setup({ queryType: 'spend', filters: [{ key: '', operator: '=', value: 'x' }] });
      const alert = screen.getByRole('alert');
      expect(alert.textContent).toContain('This query cannot be built');
      expect(alert.textContent).toContain('no tag key');
      expect(screen.queryByText(/./, { selector: 'pre' })).toBeNull();
    });

    it('follows the query as it changes', async () => {
      const user = userEvent.setup();
      setupStateful({ queryType: 'spend', groupBy: ['team'] });
      await chooseOption(user, 'Group by', /^sku/);
      expect(previewText()).toMatch(/"team", "sku", "currency"/);
    });
  });
});
