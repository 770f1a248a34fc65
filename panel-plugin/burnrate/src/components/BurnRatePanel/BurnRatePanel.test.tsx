import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  EventBusSrv,
  FieldType,
  LoadingState,
  getDefaultTimeRange,
  toDataFrame,
  type DataFrame,
} from '@grafana/data';
import { plugin } from '../../module';
import { dataSourceFrames, type BudgetFixture } from '../../testing/frames';
import { DEFAULT_OPTIONS, type Options } from '../../types';
import { BurnRatePanel, isCompact, summaryText } from './BurnRatePanel';

const DAY_S = 86_400;

// Three monthly USD budgets evaluated 26 days into a 30-day month (4 days left). Each budget's last-day pace
// is burn(1d) × budget / 30; the projection adds 4 days of it, the exhaustion is what is left over the pace.
//
// checkout-monthly: 900 budget, 767 spent, burn(1d) 2 → 60 a day: projected 767 + 240 = 1007 (112%),
//   133 left / 60 = 2.2167 d = 2 d 5 h 12 min. Page and ticket flags set → state page.
const CHECKOUT: BudgetFixture = {
  name: 'checkout-monthly',
  currency: 'USD',
  burn: { '5m': 52.1, '1h': 15.2, '6h': 3.1, '1d': 2, '3d': 1.4 },
  spent: 767,
  budget: 900,
  projected: 1007,
  exhaustionS: (133 / 60) * DAY_S,
  page: true,
  ticket: true,
};
// search-monthly: 600 budget, 500 spent, burn(1d) 1.3 → 26 a day: projected 500 + 104 = 604 (101%),
//   100 left / 26 = 3.846 d = 3 d 20 h 18 min. Ticket flag → state ticket.
const SEARCH: BudgetFixture = {
  name: 'search-monthly',
  currency: 'USD',
  burn: { '5m': 0.8, '1h': 0.9, '6h': 1.5, '1d': 1.3, '3d': 1.2 },
  spent: 500,
  budget: 600,
  projected: 604,
  exhaustionS: (100 / 26) * DAY_S,
  ticket: true,
};
// ads-monthly: 300 budget, 120 spent, burn(1d) 0.6 → 6 a day: projected 120 + 24 = 144 (48%); never runs
//   out this period.
const ADS: BudgetFixture = {
  name: 'ads-monthly',
  currency: 'USD',
  burn: { '5m': 0.5, '1h': 0.4, '6h': 0.6, '1d': 0.6, '3d': 0.5 },
  spent: 120,
  budget: 300,
  projected: 144,
  exhaustionS: null,
};

const timeRange = getDefaultTimeRange();

function renderPanel(
  series: DataFrame[],
  options: Partial<Options> = {},
  size: { width: number; height: number } = { width: 800, height: 400 },
  state: LoadingState = LoadingState.Done,
) {
  return render(
    <BurnRatePanel
      id={1}
      data={{ series, state, timeRange }}
      timeRange={timeRange}
      timeZone="utc"
      options={{ ...DEFAULT_OPTIONS, ...options }}
      transparent={false}
      width={size.width}
      height={size.height}
      fieldConfig={{ defaults: {}, overrides: [] }}
      renderCounter={0}
      title="Budget burn rate"
      eventBus={new EventBusSrv()}
      onOptionsChange={() => undefined}
      onFieldConfigChange={() => undefined}
      replaceVariables={(s) => s}
      onChangeTimeRange={() => undefined}
    />,
  );
}

const rows = () => screen.getAllByRole('listitem');
const row = (name: string) => {
  const r = rows().find((x) => x.getAttribute('data-budget') === name);
  if (r === undefined) throw new Error(`no row for ${name}`);
  return r;
};
const chips = (r: HTMLElement) =>
  within(r)
    .queryAllByRole('img')
    .map((c) => c.getAttribute('aria-label'));

describe('BurnRatePanel: normal', () => {
  beforeEach(() => renderPanel(dataSourceFrames([ADS, CHECKOUT, SEARCH])));

  it('one focusable row per budget, highest burn first, under a count per state', () => {
    expect(screen.getByRole('list', { name: 'Budgets' })).toBeTruthy();
    expect(rows().map((r) => r.getAttribute('data-budget'))).toEqual([
      'checkout-monthly',
      'search-monthly',
      'ads-monthly',
    ]);
    expect(rows().every((r) => r.getAttribute('tabindex') === '0')).toBe(true);
    expect(screen.getByText('1 page · 1 ticket · 1 ok')).toBeTruthy();
  });

  it('checkout-monthly: page, its numbers, and the whole state in its label', () => {
    const r = row('checkout-monthly');
    expect(r.querySelector('[data-state]')!.textContent).toBe('page');
    expect(r.textContent).toContain('spent $767.00 of $900.00 (85%)'); // 767 / 900 = 85.2%
    expect(r.textContent).toContain('projected $1.01K (112% of budget)'); // 1007 / 900 = 111.9%
    expect(r.textContent).toContain('exhaustion in 2 d 5 h');
    expect(r.getAttribute('aria-label')).toBe(
      'checkout-monthly: page; spent $767.00 of $900.00 (85%); projected $1.01K (112% of budget); ' +
        'budget exhausted in 2 d 5 h; burn rates 5m 52.10 page, 1h 15.20 page, 6h 3.10 ticket, ' +
        '1d 2.00 ticket, 3d 1.40 ticket',
    );
    // 26 of 30 days elapsed: the spend bar's pace tick and the projection chart are placed.
    expect(within(r).getByTestId('spend-bar')).toBeTruthy();
    expect(within(r).getByTestId('projection-line').getAttribute('data-over')).toBe('true');
  });

  it('search-monthly: ticket; ads-monthly: ok, not exhausted within the period', () => {
    const search = row('search-monthly');
    expect(search.querySelector('[data-state]')!.textContent).toBe('ticket');
    expect(search.textContent).toContain('exhaustion in 3 d 20 h');
    expect(search.textContent).toContain('projected $604.00 (101% of budget)');
    const ads = row('ads-monthly');
    expect(ads.querySelector('[data-state]')!.textContent).toBe('ok');
    expect(ads.textContent).toContain('exhaustion not within period');
    expect(ads.textContent).toContain('spent $120.00 of $300.00 (40%)');
    expect(ads.textContent).toContain('projected $144.00 (48% of budget)');
    expect(chips(ads)).toEqual([
      '5m burn rate 0.50, ok',
      '1h burn rate 0.40, ok',
      '6h burn rate 0.60, ok',
      '1d burn rate 0.60, ok',
      '3d burn rate 0.50, ok',
    ]);
  });

  it('arrow keys, Home and End move between rows', async () => {
    const user = userEvent.setup();
    await user.tab();
    expect(document.activeElement).toBe(row('checkout-monthly'));
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(row('search-monthly'));
    await user.keyboard('{End}');
    expect(document.activeElement).toBe(row('ads-monthly'));
    await user.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(row('ads-monthly'));
    await user.keyboard('{Home}');
    expect(document.activeElement).toBe(row('checkout-monthly'));
    await user.keyboard('{ArrowUp}');
    expect(document.activeElement).toBe(row('checkout-monthly'));
  });
});

describe('BurnRatePanel: thresholds crossed', () => {
  it('page and ticket chips by the default thresholds (the alert rules’ 14.4 and 1.0, strictly above)', () => {
    renderPanel(
      dataSourceFrames([{ name: 'edge', burn: { '5m': 14.41, '1h': 14.4, '6h': 1.01, '3d': 1 } }], {
        burnMetrics: ['burn'],
      }),
    );
    expect(chips(row('edge'))).toEqual([
      '5m burn rate 14.41, page',
      '1h burn rate 14.40, ticket', // exactly 14.4 does not page
      '6h burn rate 1.01, ticket',
      '3d burn rate 1.00, ok',
    ]);
  });

  it('per-window thresholds from the options; the state stays the alert rules’', () => {
    renderPanel(dataSourceFrames([CHECKOUT]), {
      windows: ['1h', '6h'],
      thresholds: {
        ...DEFAULT_OPTIONS.thresholds,
        '1h': { ticket: 5, page: 20 },
        '6h': { ticket: 4, page: 10 },
      },
    });
    expect(chips(row('checkout-monthly'))).toEqual(['1h burn rate 15.20, ticket', '6h burn rate 3.10, ok']);
    expect(row('checkout-monthly').querySelector('[data-state]')!.textContent).toBe('page');
  });

  it('without the alert flags (only burn series) the state comes from the burn rates', () => {
    const frames = dataSourceFrames([CHECKOUT, SEARCH, ADS], { burnMetrics: ['burn'] }).filter(
      (f) => f.name !== 'budgets',
    );
    renderPanel(frames);
    expect(
      rows().map((r) => [r.getAttribute('data-budget'), r.querySelector('[data-state]')!.textContent]),
    ).toEqual([
      ['checkout-monthly', 'page'], // 1h 15.2 and 5m 52.1 > 14.4
      ['search-monthly', 'ticket'], // 3d 1.2 and 6h 1.5 > 1
      ['ads-monthly', 'ok'],
    ]);
    // Chips without the spend bar: the frames have no spend.
    expect(screen.queryByTestId('spend-bar')).toBeNull();
    expect(chips(row('checkout-monthly'))).toHaveLength(5);
  });
});

describe('BurnRatePanel: problems', () => {
  it('no data: says so and names the query', () => {
    renderPanel([]);
    const status = screen.getByRole('status');
    expect(status.textContent).toContain('No data');
    expect(status.textContent).toContain('"Burn rate & budgets" query');
  });

  it('while the first answer is loading: nothing yet, not “No data”', () => {
    const { container } = renderPanel([], {}, undefined, LoadingState.Loading);
    expect(container.innerHTML).toBe('');
  });

  it('empty answers from the data source are no data too', () => {
    renderPanel([toDataFrame({ fields: [{ name: 'burn', type: FieldType.number, values: [] }] })]);
    expect(screen.getByRole('status').textContent).toContain('No data');
  });

  it('wrong frames: lists the fields it expects', () => {
    renderPanel([
      toDataFrame({
        fields: [
          { name: 'Time', type: FieldType.time, values: [1] },
          { name: 'spend', type: FieldType.number, values: [2] },
        ],
      }),
    ]);
    const status = screen.getByRole('status');
    expect(status.textContent).toContain('These frames do not have what this panel needs');
    expect(
      within(status)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['burn (number, labels budget and window: 5m, 1h, 6h, 1d or 3d)']);
  });
});

describe('BurnRatePanel: edge cases', () => {
  it('many budgets: 30 rows, sorted, in a scrolling list', () => {
    // burn(1h) = i / 2 for budget-01 … budget-30: budget-30 (15) first, budget-01 (0.5) last.
    const many: BudgetFixture[] = Array.from({ length: 30 }, (_, k) => ({
      name: `budget-${String(k + 1).padStart(2, '0')}`,
      currency: 'USD',
      burn: { '1h': (k + 1) / 2 },
      spent: 10,
      budget: 100,
      projected: 20,
    }));
    renderPanel(dataSourceFrames(many), {}, { width: 800, height: 300 });
    const names = rows().map((r) => r.getAttribute('data-budget'));
    expect(names).toHaveLength(30);
    expect(names[0]).toBe('budget-30');
    expect(names[29]).toBe('budget-01');
    expect(chips(row('budget-30'))).toEqual(['1h burn rate 15.00, page']);
    // Sorted by name on request.
  });

  it('many budgets sorted by name and by share spent', () => {
    const budgets: BudgetFixture[] = [
      { name: 'b', currency: 'USD', spent: 90, budget: 100, projected: 95 },
      { name: 'a', currency: 'USD', spent: 10, budget: 100, projected: 20 },
      { name: 'c', currency: 'USD', spent: 50, budget: 100, projected: 60 },
    ];
    const { unmount } = renderPanel(dataSourceFrames(budgets, { windows: ['1h'] }), { sortBy: 'name' });
    expect(rows().map((r) => r.getAttribute('data-budget'))).toEqual(['a', 'b', 'c']);
    unmount();
    renderPanel(dataSourceFrames(budgets, { windows: ['1h'] }), { sortBy: 'spend' });
    expect(rows().map((r) => r.getAttribute('data-budget'))).toEqual(['b', 'c', 'a']);
  });

  it('zero budget: “no budget”, no bar, nothing divided by zero', () => {
    renderPanel(
      dataSourceFrames([{ name: 'free-tier', currency: 'USD', spent: 12, budget: 0, projected: 12 }]),
    );
    const r = row('free-tier');
    expect(r.textContent).toContain('spent $12.00 no budget');
    expect(within(r).queryByTestId('spend-bar')).toBeNull();
    expect(r.textContent).not.toMatch(/Infinity|NaN/);
    expect(r.getAttribute('aria-label')).not.toMatch(/Infinity|NaN/);
  });

  it('negative spend (credits): shown as a credit, the bar empty', () => {
    // Credits are not extrapolated: projected = spent (cost-model projects a negative pace as zero).
    renderPanel(
      dataSourceFrames([
        {
          name: 'refunds',
          currency: 'USD',
          burn: { '1d': -0.3 },
          spent: -25,
          budget: 500,
          projected: -25,
          exhaustionS: null,
        },
      ]),
    );
    const r = row('refunds');
    expect(r.textContent).toContain('credit $25.00 of $500.00');
    expect(r.querySelector('[data-share]')!.getAttribute('data-share')).toBe('0');
    expect(r.textContent).toContain('exhaustion not within period');
    expect(chips(r)).toEqual(['1d burn rate -0.30, ok']);
  });

  it('mixed currencies: each budget in its own', () => {
    renderPanel(dataSourceFrames([CHECKOUT, { ...ADS, name: 'berlin-monthly', currency: 'EUR' }]));
    expect(row('berlin-monthly').textContent).toContain('spent €120.00 of €300.00 (40%)');
    expect(row('checkout-monthly').textContent).toContain('spent $767.00 of $900.00 (85%)');
  });
});

describe('BurnRatePanel: compact mode', () => {
  it('automatically in a 4×3 cell (300×130): one line per budget', () => {
    const { container } = renderPanel(
      dataSourceFrames([ADS, CHECKOUT, SEARCH]),
      {},
      { width: 300, height: 130 },
    );
    expect(container.querySelector('[data-compact]')!.getAttribute('data-compact')).toBe('true');
    expect(screen.queryByTestId('spend-bar')).toBeNull();
    expect(screen.queryByTestId('projection-line')).toBeNull();
    expect(screen.queryByText('1 page · 1 ticket · 1 ok')).toBeNull();
    const r = row('checkout-monthly');
    expect(r.textContent).toContain('85% spent');
    expect(r.textContent).toContain('exhaustion in 2 d 5 h');
    // The state word is still there: nothing only by colour.
    expect(r.querySelector('[data-state]')!.textContent).toBe('page');
    expect(r.getAttribute('aria-label')).toMatch(/^checkout-monthly: page; spent \$767\.00 of \$900\.00/);
  });

  it('as the layout option says, whatever the size', () => {
    expect(isCompact('auto', 300, 130)).toBe(true);
    expect(isCompact('auto', 800, 150)).toBe(true);
    expect(isCompact('auto', 800, 400)).toBe(false);
    expect(isCompact('full', 300, 130)).toBe(false);
    expect(isCompact('compact', 1600, 900)).toBe(true);
    const { container } = renderPanel(dataSourceFrames([CHECKOUT]), { layout: 'compact' });
    expect(container.querySelector('[data-compact]')!.getAttribute('data-compact')).toBe('true');
  });
});

describe('BurnRatePanel: options', () => {
  it('only the selected windows are shown', () => {
    renderPanel(dataSourceFrames([CHECKOUT]), { windows: ['1h', '3d'] });
    expect(chips(row('checkout-monthly'))).toEqual(['1h burn rate 15.20, page', '3d burn rate 1.40, ticket']);
  });

  it('a v0 panel migrates through the plugin’s handler and renders with the migrated options', async () => {
    const v0 = { showWindows: '1h,6h', threshold: 20, compact: true };
    const panel = {
      id: 1,
      type: 'meterline-burnrate-panel',
      options: v0,
      fieldConfig: { defaults: {}, overrides: [] },
    };
    expect(plugin.shouldMigrate?.(panel as never)).toBe(true);
    let migrated: Partial<Options> = {};
    await act(async () => {
      migrated = await plugin.onPanelMigration!(panel as never);
    });
    expect(migrated).toMatchObject({ windows: ['1h', '6h'], layout: 'compact' });
    renderPanel(dataSourceFrames([CHECKOUT]), migrated);
    // 15.2 is below the migrated page threshold of 20: ticket.
    expect(chips(row('checkout-monthly'))).toEqual([
      '1h burn rate 15.20, ticket',
      '6h burn rate 3.10, ticket',
    ]);
  });

  it('malformed options never break it', () => {
    renderPanel(dataSourceFrames([CHECKOUT]), { windows: 'all' as never, thresholds: null as never });
    expect(chips(row('checkout-monthly'))).toHaveLength(5);
  });
});

describe('summaryText', () => {
  it('counts per state, worst first', () => {
    const m = (state: 'page' | 'ticket' | 'ok' | 'unknown') => ({
      name: state,
      burn: {},
      state,
      stateFrom: 'none' as const,
    });
    expect(summaryText([m('ok'), m('page'), m('ok'), m('unknown')])).toBe('1 page · 2 ok · 1 no state');
  });
});
