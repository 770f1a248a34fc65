import { ExchangeRates, budgetWindows, computeDrift, zonedMidnight } from '@meterline/cost-model';
import { budgetWindowStatus, scopeText } from './budgets';
import { dailySpendSvg } from './chart-svg';
import { escapeHtml, escapeMarkdown } from './escape';
import { buildLineItems, type LineItem } from './line-items';
import { parsePeriod } from './period';
import type { CostDaySum } from './query';
import { summaryHtml } from './summary-html';
import { summaryMarkdown } from './summary-markdown';
import { reconcileSummary, summarize } from './summary';

const period = parsePeriod('2026-03');
const DAY1 = Date.UTC(2026, 2, 1);
const DAY3 = Date.UTC(2026, 2, 3);
const NANO = 1_000_000_000n;
const HOSTILE = `"><script>alert('x')</script><img src=x onerror=alert(1)>|*_[a](javascript:b)&amp;`;
const rates = new ExchangeRates('USD', [{ currency: 'EUR', rate: '1.1', effectiveFrom: 0 }]);

function item(over: Partial<CostDaySum>): CostDaySum {
  return {
    dayMs: DAY1,
    tags: {
      team: 'payments',
      tenant: 'acme',
      attribution: 'rule',
      currency: 'USD',
      sku: 's',
      service: 'api',
    },
    priceVersion: 'v1',
    amountNano: 10n * NANO,
    quantity: 1,
    events: 1n,
    ...over,
  };
}

function items(): LineItem[] {
  return buildLineItems(
    [
      item({}),
      item({ dayMs: DAY3, amountNano: 30n * NANO }),
      item({ tags: { team: HOSTILE, attribution: 'rule', currency: 'USD' }, amountNano: 50n * NANO }),
      item({ tags: { team: 'unknown', attribution: 'unknown', currency: 'USD' }, amountNano: 10n * NANO }),
      item({ tags: { team: 'payments', attribution: 'rule', currency: 'EUR' }, amountNano: 5n * NANO }),
    ],
    { unitOf: () => undefined, unitPriceOf: () => undefined, exemplars: new Map() },
  );
}

function summary() {
  const drift = computeDrift(
    [
      {
        dayMs: DAY1,
        provider: 'AWS',
        account: HOSTILE,
        currency: 'USD',
        charge: 'usage',
        team: '',
        billedNano: 100n,
      },
    ],
    [{ dayMs: DAY1, currency: 'USD', tags: { team: '' }, amountNano: 90n }],
    { threshold: '0.05', rates },
  );
  const budget = {
    name: HOSTILE,
    scope: { team: 'payments' },
    amount: '20',
    currency: 'USD',
    period: 'month' as const,
    timezone: 'UTC',
  };
  const [w] = budgetWindows(budget, period);
  return summarize(
    items(),
    period,
    'team',
    [
      {
        name: budget.name,
        scope: scopeText(budget.scope),
        period: 'month',
        timezone: 'UTC',
        currency: 'USD',
        amount: '20',
        windows: [
          budgetWindowStatus(
            budget,
            w!,
            new Map([
              ['USD', 15n * NANO],
              ['EUR', 10n * NANO],
            ]),
            rates,
          ),
        ],
      },
    ],
    reconcileSummary(drift),
  );
}

describe('summary model', () => {
  it('totals per currency and dimension with shares, unknown attribution and every day', () => {
    const s = summary();
    expect(s.currencies.map((c) => [c.currency, c.totalNano, c.lineItems])).toEqual([
      ['EUR', 5n * NANO, 1],
      ['USD', 100n * NANO, 4],
    ]);
    const usd = s.currencies[1]!;
    expect(usd.byDimension).toEqual([
      { value: HOSTILE, amountNano: 50n * NANO, sharePercent: '50.00' },
      { value: 'payments', amountNano: 40n * NANO, sharePercent: '40.00' },
      { value: 'unknown', amountNano: 10n * NANO, sharePercent: '10.00' },
    ]);
    expect(usd.unknownPercent).toBe('10.00');
    expect(usd.daily).toHaveLength(31);
    expect(usd.daily[0]).toEqual({ dayMs: DAY1, amountNano: 70n * NANO });
    expect(usd.daily[1]).toEqual({ dayMs: DAY1 + 86_400_000, amountNano: 0n });
    expect(usd.daily[2]!.amountNano).toBe(30n * NANO);
    // Budget: 15 USD + 10 EUR × 1.1 = 26 USD of 20 → over, 130%.
    expect(s.budgets[0]!.windows[0]).toMatchObject({
      spentNano: 26n * NANO,
      usedPercent: '130.00',
      status: 'over',
    });
    expect(s.budgets[0]!.windows[0]!.conversions).toEqual(['EUR → USD at 1.1']);
    expect(s.reconcile).toMatchObject({
      state: 'exceeded',
      thresholdPercent: '5.00',
      daysOver: ['2026-03-01'],
    });
  });
});

describe('escaping of hostile tag values', () => {
  it('escapes HTML and Markdown metacharacters', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeMarkdown('a|b*c_d[e](f)<g>&h`i~\\')).toBe('a\\|b\\*c\\_d\\[e\\](f)\\<g\\>\\&h\\`i\\~\\\\');
    expect(escapeMarkdown('row\n| injected |')).toBe('row\\x0a\\| injected \\|');
  });

  it('never lets a value become markup in summary.html', () => {
    const html = summaryHtml(summary());
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;');
    expect(html).toContain('&amp;amp;');
    // self-contained: no external reference, no script
    expect(html).not.toMatch(/<[a-z]+\s[^>]*\b(src|href)=/i);
    expect(html).not.toMatch(/<script|<link|@import|url\(/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
    // the chart is inline
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
  });

  it('never lets a value become markup or break a table row in summary.md', () => {
    const md = summaryMarkdown(summary());
    expect(md).not.toContain('<script>');
    expect(md).toContain('\\<script\\>');
    const teamRow = md.split('\n').find((l) => l.includes('script') && l.includes('50.000000000'))!;
    // Only the table's own unescaped pipes separate cells: 4 columns → 5 pipes.
    expect(teamRow.replace(/\\\|/g, '').split('|')).toHaveLength(6);
    expect(md).toContain('| USD | 10.000000000 | 100.000000000 | 10.00% | **missed** |');
    expect(md).toContain('| EUR | 0.000000000 | 5.000000000 | 0.00% | met |');
    expect(md).toContain('**over**');
    expect(md).toContain('Status: **over the threshold** on 1 day (2026-03-01)');
  });
});

describe('daily spend chart', () => {
  const days = period.days.map((dayMs, i) => ({
    dayMs,
    amountNano: i === 2 ? 30n * NANO : i === 0 ? 15n * NANO : 0n,
  }));

  it('draws one bar per day with labels, scaled to the largest day', () => {
    const svg = dailySpendSvg(days, 'USD', 'Daily spend, 2026-03, USD');
    expect(svg.match(/<rect /g)).toHaveLength(31);
    // plot height 208: the 30-unit day fills it, the 15-unit day half of it
    expect(svg).toMatch(
      /<rect x="[\d.]+" y="16\.00" width="[\d.]+" height="208\.00"[^>]*><title>2026-03-03: 30\.000000000 USD<\/title>/,
    );
    expect(svg).toMatch(/height="104\.00"[^>]*><title>2026-03-01: 15\.000000000 USD/);
    expect(svg).toContain('>30 USD</text>');
    expect(svg).toContain('>15 USD</text>');
    expect(svg).toContain('>31</text>');
    expect(dailySpendSvg(days, 'USD', 'Daily spend, 2026-03, USD')).toBe(svg); // deterministic
  });

  it('escapes the title and currency', () => {
    const svg = dailySpendSvg(days, '<b>&', `t"<script>`);
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('aria-label="t&quot;&lt;script&gt;"');
    expect(svg).toContain('&lt;b&gt;&amp;');
  });

  it('draws an empty month without dividing by zero', () => {
    const svg = dailySpendSvg(
      period.days.map((dayMs) => ({ dayMs, amountNano: 0n })),
      'USD',
      't',
    );
    expect(svg).not.toContain('NaN');
    expect(svg).toContain('height="0.00"');
  });
});

describe('budget periods', () => {
  it('follows calendar periods in the budget time zone', () => {
    // Berlin is UTC+1 in March until the 29th, then UTC+2.
    expect(new Date(zonedMidnight({ year: 2026, month: 3, day: 1 }, 'Europe/Berlin')).toISOString()).toBe(
      '2026-02-28T23:00:00.000Z',
    );
    expect(new Date(zonedMidnight({ year: 2026, month: 4, day: 1 }, 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-31T22:00:00.000Z',
    );
    const month = budgetWindows({ period: 'month', timezone: 'Europe/Berlin' }, period);
    expect(month.map((w) => [new Date(w.fromMs).toISOString(), new Date(w.toMs).toISOString()])).toEqual([
      ['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z'],
      ['2026-03-31T22:00:00.000Z', '2026-04-30T22:00:00.000Z'],
    ]);
    expect(budgetWindows({ period: 'month', timezone: 'UTC' }, period)).toEqual([
      { fromMs: period.fromMs, toMs: period.toMs },
    ]);
    const weeks = budgetWindows({ period: 'week', timezone: 'UTC' }, period);
    expect(new Date(weeks[0]!.fromMs).toISOString()).toBe('2026-02-23T00:00:00.000Z'); // a Monday
    expect(weeks).toHaveLength(6);
    expect(budgetWindows({ period: 'day', timezone: 'Asia/Kolkata' }, period)).toHaveLength(32);
  });

  it('reports an unknown status instead of a wrong one when a currency cannot be converted', () => {
    const w = budgetWindowStatus(
      { amount: '10', currency: 'USD' },
      { fromMs: DAY1, toMs: DAY3 },
      new Map([['JPY', 5n]]),
      rates,
    );
    expect(w).toMatchObject({ status: 'unknown', spentNano: undefined });
    expect(w.error).toMatch(/cannot convert JPY into USD/);
  });
});

describe('parsePeriod', () => {
  it('names the option and the value', () => {
    expect(() => parsePeriod('2024-13')).toThrow('--period: expected YYYY-MM, got "2024-13"');
    expect(() => parsePeriod('2024-1')).toThrow('--period: expected YYYY-MM, got "2024-1"');
    expect(parsePeriod('2024-02').days).toHaveLength(29);
  });
});
