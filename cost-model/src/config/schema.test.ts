import { ConfigError } from './errors';
import { parseIsoTime, validateConfig } from './schema';

/** A valid configuration, as a YAML parser would hand it over. */
function valid(): Record<string, unknown> {
  return {
    catalog: {
      baseCurrency: 'USD',
      skus: [
        {
          id: 'api.request',
          unit: 'request',
          prices: [
            { effectiveFrom: '2024-01-01', currency: 'USD', unitPrice: '0.0000004' },
            {
              effectiveFrom: '2024-07-01T00:00:00+02:00',
              currency: 'EUR',
              unitPrice: '0.00000035',
              tiers: [{ upTo: '1000000', unitPrice: '0.00000035' }, { unitPrice: '0.0000003' }],
            },
          ],
        },
        {
          id: 'egress.gb',
          unit: 'GB',
          prices: [{ effectiveFrom: new Date(Date.UTC(2024, 0, 1)), currency: 'USD', unitPrice: 0 }],
        },
      ],
      discounts: [{ id: 'edp', percent: '7.5', skus: ['egress.gb'] }],
      exchangeRates: [{ currency: 'EUR', rate: '1.09', effectiveFrom: 1704067200000 }],
    },
    skus: [
      {
        id: 'req',
        sku: 'api.request',
        match: { signal: 'span', kinds: ['server'] },
        quantity: { type: 'count' },
      },
      {
        id: 'egress',
        sku: 'egress.gb',
        match: { signal: 'span', attributes: [{ key: 'http.status_code', equals: 200 }] },
        quantity: { type: 'attribute', attribute: 'http.response.body.size', scale: 1e-9 },
      },
    ],
    attribution: {
      rules: [
        { id: 't', match: [{ key: 'tenant.id', exists: true }], set: { tenant: { from: 'tenant.id' } } },
      ],
      fallbacks: [{ key: 'k8s.namespace.name', source: 'resource', map: { checkout: { team: 'payments' } } }],
    },
    budgets: [
      {
        name: 'payments-monthly',
        scope: { team: 'payments' },
        amount: '1000',
        currency: 'USD',
        period: 'month',
      },
    ],
    influx: { url: 'http://localhost:8086', database: 'meterline' },
    forward: [{ endpoint: 'http://tempo:4318' }],
  };
}

function issuesOf(raw: unknown): { path: string; message: string }[] {
  try {
    validateConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('validateConfig', () => {
  it('accepts a valid config, normalising times and applying defaults', () => {
    const c = validateConfig(valid());
    const prices = c.catalog.skus[0]!.prices;
    expect(prices[0]!.effectiveFrom).toBe(Date.UTC(2024, 0, 1));
    expect(prices[1]!.effectiveFrom).toBe(Date.UTC(2024, 5, 30, 22));
    expect(c.catalog.skus[1]!.prices[0]!.unitPrice).toBe('0'); // integer number accepted, as a string
    expect(c.catalog.exchangeRates[0]!.effectiveFrom).toBe(1704067200000);
    expect(c.skus[1]!.match.attributes![0]).toEqual({
      key: 'http.status_code',
      source: 'any',
      equals: '200',
    });
    expect(c.skus[1]!.quantity).toEqual({
      type: 'attribute',
      attribute: 'http.response.body.size',
      scale: '1e-9',
    });
    expect(c.budgets[0]!.timezone).toBe('UTC');
    expect(c.influx).toEqual({
      url: 'http://localhost:8086',
      database: 'meterline',
      batchSize: 5000,
      timeoutMs: 10000,
    });
    expect(c.forward).toEqual([
      { endpoint: 'http://tempo:4318', signals: ['traces', 'metrics'], headers: {}, timeoutMs: 10000 },
    ]);
    expect(c.attribution.fallbacks[0]!.map.checkout).toEqual({ team: 'payments' });
  });

  it('fills every default for an empty document', () => {
    expect(validateConfig({})).toEqual({
      catalog: { baseCurrency: 'USD', skus: [], discounts: [], exchangeRates: [] },
      skus: [],
      attribution: { rules: [], fallbacks: [] },
      budgets: [],
      forward: [],
      serve: {
        listen: '127.0.0.1:4318',
        maxBodyBytes: 64 * 1024 * 1024,
        walDir: '.meterline/wal',
        walHighWaterBytes: 1024 * 1024 * 1024,
        latenessMs: 300_000,
        dedupeWindowMs: 600_000,
        flushIntervalMs: 5_000,
        checkpointIntervalMs: 30_000,
        exemplarsPerKey: 5,
      },
    });
  });

  it('reports an unknown key with the closest known key', () => {
    const raw = valid();
    raw.catalgo = raw.catalog;
    expect(issuesOf(raw)).toEqual([
      { path: 'catalgo', message: "unknown key 'catalgo'; did you mean 'catalog'?" },
    ]);
    const snake = valid();
    (snake.catalog as Record<string, unknown>).base_currency = 'USD';
    expect(issuesOf(snake)[0]).toEqual({
      path: 'catalog.base_currency',
      message: "unknown key 'base_currency'; did you mean 'baseCurrency'?",
    });
  });

  it('rejects float prices, explaining why', () => {
    const raw = valid() as { catalog: { skus: { prices: Record<string, unknown>[] }[] } };
    raw.catalog.skus[0]!.prices[0]!.unitPrice = 0.0000004;
    const [issue] = issuesOf(raw);
    expect(issue!.path).toBe('catalog.skus[0].prices[0].unitPrice');
    expect(issue!.message).toContain('write prices as quoted decimal strings to keep them exact');
  });

  it('collects every issue at once, each naming its key path', () => {
    const raw = valid() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    raw.catalog.exchangeRates[1] = { currency: 'EURO', rate: '1.1', effectiveFrom: '2024-02-01' };
    raw.catalog.skus[0].prices[1].tiers = [{ unitPrice: '1' }, { upTo: '10', unitPrice: '0.5' }];
    raw.catalog.skus[1].id = 'api.request';
    raw.catalog.skus[0].prices[0].unitPrice = '-1';
    raw.skus[0].sku = 'api.requests';
    raw.skus[1].match.attributes[0] = { key: 'x', regex: '(' };
    raw.budgets[0].timezone = 'Mars/Olympus';
    raw.budgets[0].period = 'year';
    raw.influx = { url: 'localhost:8086', org: 'o', token: 't' };
    const issues = issuesOf(raw);
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'catalog.exchangeRates[1].currency',
        'catalog.skus[0].prices[1].tiers[0].upTo',
        'catalog.skus[0].prices[1].tiers[1].upTo',
        'catalog.skus[1].id',
        'catalog.skus[0].prices[0].unitPrice',
        'skus[0].sku',
        'skus[1].match.attributes[0].regex',
        'budgets[0].timezone',
        'budgets[0].period',
        'influx.url',
        'influx.bucket',
      ]),
    );
    const message = (path: string): string => issues.find((i) => i.path === path)!.message;
    expect(message('catalog.exchangeRates[1].currency')).toMatch(/^unknown currency "EURO"/);
    expect(message('catalog.skus[1].id')).toBe(
      'duplicate SKU id "api.request" (first at catalog.skus[0].id)',
    );
    expect(message('skus[0].sku')).toBe(
      'unknown SKU "api.requests" (not in catalog.skus); did you mean "api.request"?',
    );
    expect(message('budgets[0].timezone')).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(message('influx.bucket')).toMatch(/org, bucket and token together/);
    // the error message lists every issue as `path: message`
    try {
      validateConfig(raw);
    } catch (err) {
      for (const i of issues) expect((err as Error).message).toContain(`${i.path}: ${i.message}`);
    }
  });

  it('checks that quantity types fit the signal', () => {
    const raw = valid() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    raw.skus[0].quantity = { type: 'gauge_integral' };
    raw.skus[1].match = { signal: 'metric', kinds: ['server'] };
    expect(issuesOf(raw)).toEqual([
      {
        path: 'skus[0].quantity.type',
        message: expect.stringContaining(
          "quantity type 'gauge_integral' applies to metrics, but this rule matches spans",
        ),
      },
      { path: 'skus[1].match.kinds', message: 'applies to spans only (match.signal is metric)' },
      {
        path: 'skus[1].quantity.type',
        message: expect.stringContaining(
          "quantity type 'attribute' applies to spans, but this rule matches metrics",
        ),
      },
    ]);
  });

  it('checks tiers order, discount percent range, exchange-rate coverage and required fields', () => {
    const raw = valid() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    raw.catalog.skus[0].prices[1].tiers = [
      { upTo: '100', unitPrice: '1' },
      { upTo: '50', unitPrice: '1' },
      { unitPrice: '1' },
    ];
    raw.catalog.discounts[0].percent = '120';
    raw.catalog.exchangeRates = [];
    delete raw.catalog.skus[1].unit;
    const issues = issuesOf(raw);
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          path: 'catalog.skus[0].prices[1].currency',
          message: expect.stringContaining('no exchange rate from EUR to the base currency USD'),
        },
        {
          path: 'catalog.skus[0].prices[1].tiers[1].upTo',
          message: expect.stringContaining('increasing order'),
        },
        { path: 'catalog.skus[1].unit', message: 'is required' },
        { path: 'catalog.discounts[0].percent', message: 'must be at most 100, got 120' },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('validates attribution rules, fallbacks and forward endpoints', () => {
    const raw = valid() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    raw.attribution.rules.push({ id: 't', match: [], set: { tenant: { form: 'x' } } });
    raw.attribution.fallbacks[0].map.checkout = { teem: 'payments' };
    raw.forward[0].headers = { authorization: 5 };
    raw.forward.push({ endpoint: 'http://tempo:4318', signals: ['traces', 'logs'] });
    const issues = issuesOf(raw);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'attribution.rules[1].set.tenant.form', message: "unknown key 'form'; did you mean 'from'?" },
        { path: 'attribution.rules[1].set.tenant.from', message: 'is required' },
        {
          path: 'attribution.rules[1].id',
          message: 'duplicate attribution rule id "t" (first at attribution.rules[0].id)',
        },
        {
          path: 'attribution.fallbacks[0].map.checkout.teem',
          message: "unknown key 'teem'; did you mean 'team'?",
        },
        {
          path: 'forward[1].signals',
          message: 'expected "traces" or "metrics", got the string "logs"',
        },
        { path: 'forward[0].headers.authorization', message: 'expected a string, got the number 5' },
      ]),
    );
  });

  it('takes caFile only for an https forward endpoint', () => {
    const raw = valid() as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    raw.forward = [
      { endpoint: 'https://tempo:4318', caFile: '/etc/meterline/ca.pem' },
      { endpoint: 'http://tempo:4318', caFile: '/etc/meterline/ca.pem' },
      { endpoint: 'https://tempo:4318', caFile: 3 },
    ];
    expect(issuesOf(raw)).toEqual([
      { path: 'forward[1].caFile', message: 'only applies to an https endpoint, not http://tempo:4318' },
      { path: 'forward[2].caFile', message: 'expected the path of a PEM file, got the number 3' },
    ]);
    raw.forward = raw.forward.slice(0, 1);
    expect(validateConfig(raw).forward[0]).toEqual({
      endpoint: 'https://tempo:4318',
      signals: ['traces', 'metrics'],
      headers: {},
      timeoutMs: 10000,
      caFile: '/etc/meterline/ca.pem',
    });
  });

  it('rejects a document that is not a mapping', () => {
    expect(issuesOf([1, 2])).toEqual([{ path: '', message: 'expected a mapping, got a list' }]);
  });
});

describe('parseIsoTime', () => {
  it('parses dates and date-times; no offset means UTC', () => {
    expect(parseIsoTime('2024-03-01')).toBe(Date.UTC(2024, 2, 1));
    expect(parseIsoTime('2024-03-01T10:20')).toBe(Date.UTC(2024, 2, 1, 10, 20));
    expect(parseIsoTime('2024-03-01T10:20:30.5Z')).toBe(Date.UTC(2024, 2, 1, 10, 20, 30, 500));
    expect(parseIsoTime('2024-03-01T10:20:30-05:30')).toBe(Date.UTC(2024, 2, 1, 15, 50, 30));
  });

  it('rejects impossible or non-ISO dates', () => {
    expect(parseIsoTime('2023-02-30')).toBeUndefined();
    expect(parseIsoTime('3/1/2024')).toBeUndefined();
    expect(parseIsoTime('2024-13-01')).toBeUndefined();
  });
});

describe('validateConfig serve section', () => {
  const issuesOf = (serve: unknown): string[] => {
    try {
      validateConfig({ serve });
    } catch (err) {
      return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  };

  it('accepts overrides and keeps defaults for the rest', () => {
    const c = validateConfig({
      serve: { listen: '0.0.0.0:14318', bearerToken: 'a-long-enough-secret', latenessMs: 0 },
    });
    expect(c.serve.listen).toBe('0.0.0.0:14318');
    expect(c.serve.bearerToken).toBe('a-long-enough-secret');
    expect(c.serve.latenessMs).toBe(0);
    expect(c.serve.flushIntervalMs).toBe(5000);
  });

  it('names bad keys', () => {
    expect(issuesOf({ listen: 'localhost' })).toEqual([
      expect.stringMatching(/^serve\.listen: expected host:port/),
    ]);
    expect(issuesOf({ listen: '127.0.0.1:70000' })[0]).toMatch(/^serve\.listen/);
    expect(issuesOf({ bearerToken: 'short' })[0]).toMatch(/^serve\.bearerToken: .*16 characters/);
    expect(issuesOf({ walDri: 'x' })[0]).toMatch(/^serve\.walDri: .*walDir/);
    expect(issuesOf({ maxBodyBytes: -1 })[0]).toMatch(/^serve\.maxBodyBytes/);
  });
});

describe('validateConfig reconcile section', () => {
  const issuesOf = (reconcile: unknown): { path: string; message: string }[] => {
    try {
      validateConfig({ reconcile });
    } catch (err) {
      return (err as ConfigError).issues;
    }
    return [];
  };

  it('is absent unless written, and fills its own defaults when written', () => {
    expect(validateConfig({}).reconcile).toBeUndefined();
    expect(validateConfig({ reconcile: {} }).reconcile).toEqual({
      threshold: '0.05',
      charges: ['usage'],
      accounts: [],
    });
  });

  it('accepts a threshold, charge categories (lower-cased, deduplicated) and account mappings', () => {
    const c = validateConfig({
      reconcile: {
        threshold: 0.02,
        charges: ['Usage', 'usage', 'Purchase'],
        accounts: [
          { provider: 'AWS', account: '012345678901', match: { env: 'prod', service: 'checkout' } },
          { provider: 'AWS', account: '999999999999' },
        ],
      },
    });
    expect(c.reconcile).toEqual({
      threshold: '0.02',
      charges: ['usage', 'purchase'],
      accounts: [
        { provider: 'AWS', account: '012345678901', match: { env: 'prod', service: 'checkout' } },
        { provider: 'AWS', account: '999999999999', match: {} },
      ],
    });
  });

  it('names each bad key by its path, so the loader can point at its line', () => {
    const issues = issuesOf({
      threshhold: '0.1',
      charges: [],
      accounts: [
        { provider: 'AWS', account: 12345678901, match: { enviroment: 'prod', service: { x: 1 } } },
        { account: 'a' },
      ],
    });
    expect(issues).toEqual([
      { path: 'reconcile.threshhold', message: "unknown key 'threshhold'; did you mean 'threshold'?" },
      { path: 'reconcile.charges', message: "needs at least one charge category (e.g. 'usage')" },
      {
        path: 'reconcile.accounts[0].account',
        message:
          'got the number 12345678901: write account ids as quoted strings (a YAML number loses leading zeros)',
      },
      {
        path: 'reconcile.accounts[0].match.enviroment',
        message: expect.stringMatching(/^unknown key 'enviroment'; expected one of 'source', 'tenant'/),
      },
      {
        path: 'reconcile.accounts[0].match.service',
        message: 'expected the service tag value as a string, got a mapping',
      },
      { path: 'reconcile.accounts[1].provider', message: 'is required' },
    ]);
  });

  it('rejects a negative or non-numeric threshold', () => {
    expect(issuesOf({ threshold: '-0.1' })[0]?.path).toBe('reconcile.threshold');
    expect(issuesOf({ threshold: '5%' })[0]).toEqual({
      path: 'reconcile.threshold',
      message: 'expected a non-negative number, got the string "5%"',
    });
    expect(issuesOf('yes')).toEqual([
      { path: 'reconcile', message: 'expected a mapping, got the string "yes"' },
    ]);
  });
});

describe('validateConfig signals section', () => {
  const issuesOf = (signals: unknown): { path: string; message: string }[] => {
    try {
      validateConfig({ signals });
    } catch (err) {
      return (err as ConfigError).issues;
    }
    return [];
  };

  it('is absent unless written, and fills its defaults (enabled) when written', () => {
    expect(validateConfig({}).signals).toBeUndefined();
    expect(validateConfig({ signals: {} }).signals).toEqual({
      enabled: true,
      intervalMs: 60_000,
      anomaly: { bucket: '5m', lookbackDays: 14, threshold: 0.9, maxSeries: 500 },
      deployLookbackMs: 7_200_000,
    });
  });

  it('accepts overrides, keeping the defaults of the keys not written', () => {
    const c = validateConfig({
      signals: {
        enabled: false,
        intervalMs: 30_000,
        anomaly: { bucket: '15m', threshold: '0.95', maxSeries: 50 },
      },
    });
    expect(c.signals).toEqual({
      enabled: false,
      intervalMs: 30_000,
      anomaly: { bucket: '15m', lookbackDays: 14, threshold: 0.95, maxSeries: 50 },
      deployLookbackMs: 7_200_000,
    });
    expect(validateConfig({ signals: { anomaly: { bucket: '1h' } } }).signals?.anomaly.bucket).toBe('1h');
    expect(validateConfig({ signals: { anomaly: { bucket: '24h' } } }).signals?.anomaly.bucket).toBe('24h');
  });

  it('names each bad key by its path', () => {
    expect(
      issuesOf({
        enabled: 'yes',
        intervalMs: 10,
        deployLookbackMs: -1,
        anomaly: { bucket: '7m', lookbackDays: 0, threshold: 1.5, maxSeries: 0, treshold: 0.9 },
      }),
    ).toEqual([
      { path: 'signals.enabled', message: 'expected true or false, got the string "yes"' },
      { path: 'signals.intervalMs', message: 'expected an integer ≥ 1000, got the number 10' },
      { path: 'signals.deployLookbackMs', message: 'expected an integer ≥ 0, got the number -1' },
      { path: 'signals.anomaly.treshold', message: "unknown key 'treshold'; did you mean 'threshold'?" },
      {
        path: 'signals.anomaly.bucket',
        message:
          "invalid bucket \"7m\": expected minutes or hours that divide a day, from 1m to 24h (e.g. '5m', '15m', '1h')",
      },
      { path: 'signals.anomaly.lookbackDays', message: 'expected an integer ≥ 1, got the number 0' },
      { path: 'signals.anomaly.maxSeries', message: 'expected an integer ≥ 1, got the number 0' },
      {
        path: 'signals.anomaly.threshold',
        message: 'expected a score between 0 and 1 (exclusive) such as 0.9, got the number 1.5',
      },
    ]);
    expect(issuesOf({ anomaly: { bucket: '30s' } })[0]?.path).toBe('signals.anomaly.bucket');
    expect(issuesOf({ anomaly: { bucket: '48h' } })[0]?.path).toBe('signals.anomaly.bucket');
    expect(issuesOf({ anomaly: { threshold: 0 } })[0]?.path).toBe('signals.anomaly.threshold');
    expect(issuesOf({ anomaly: { threshold: 1 } })[0]?.path).toBe('signals.anomaly.threshold');
    expect(issuesOf({ intervall: 1 })[0]).toEqual({
      path: 'signals.intervall',
      message: "unknown key 'intervall'; did you mean 'intervalMs'?",
    });
    expect(issuesOf([])).toEqual([{ path: 'signals', message: 'expected a mapping, got a list' }]);
  });
});
