import { validateConfig } from '@meterline/cost-model';
import { canonicalJson, catalogPriceVersions, influxTarget, manifestJson, sha256Hex } from './manifest';
import { parsePeriod } from './period';

const config = validateConfig({
  catalog: {
    skus: [
      {
        id: 'api.requests',
        unit: 'request',
        prices: [
          { effectiveFrom: '2026-03-15', currency: 'USD', unitPrice: '0.0000005', version: 'req-cut' },
          { effectiveFrom: '2026-01-01', currency: 'USD', unitPrice: '0.0000004' },
        ],
      },
    ],
  },
  influx: {
    url: 'https://admin:s3cret@influx.example:8086/?u=admin&p=s3cret',
    database: 'meterline',
    username: 'admin',
    password: 's3cret',
  },
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function manifest(over: { files?: { name: string; content: string; rows?: number }[] } = {}): Json {
  const text = manifestJson({
    meterlineVersion: '0.1.0',
    period: parsePeriod('2026-03'),
    by: 'team',
    catalog: config.catalog,
    usedPriceVersions: ['req-cut'],
    providerFiles: ['sha256:aaa', 'sha256:bbb'],
    influx: config.influx!,
    reconcile: { threshold: '0.05', charges: ['usage'], accounts: [] },
    budgets: [{ name: 'b', windows: [{ fromMs: Date.UTC(2026, 2, 1), toMs: Date.UTC(2026, 3, 1) }] }],
    files: over.files ?? [{ name: 'line-items.csv', content: 'a,b\r\n', rows: 0 }],
    rowCounts: { lineItems: 0 },
  });
  return JSON.parse(text);
}

describe('manifest', () => {
  it('states version, exact period, grouping, catalog version, inputs and file digests', () => {
    const m = manifest();
    expect(m.meterline).toEqual({ version: '0.1.0' });
    expect(m.period).toEqual({
      label: '2026-03',
      from: '2026-03-01T00:00:00Z',
      to: '2026-04-01T00:00:00Z',
      endExclusive: true,
      timeZone: 'UTC',
    });
    expect(m.by).toBe('team');
    expect(m.catalog.sha256).toBe(sha256Hex(canonicalJson(config.catalog)));
    expect(m.catalog.priceVersions).toEqual(['api.requests@2026-01-01T00:00:00.000Z', 'req-cut']);
    expect(m.catalog.usedPriceVersions).toEqual(['req-cut']);
    expect(m.inputs.providerFiles).toEqual(['sha256:aaa', 'sha256:bbb']);
    expect(m.budgets[0].periods).toEqual([{ from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' }]);
    expect(m.files).toEqual([{ name: 'line-items.csv', sha256: sha256Hex('a,b\r\n'), bytes: 5, rows: 0 }]);
    expect(m.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the InfluxDB target without any credential', () => {
    const m = manifest();
    expect(m.inputs.influx).toEqual({ url: 'https://influx.example:8086', database: 'meterline' });
    const text = JSON.stringify(m);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('admin');
    expect(
      influxTarget({ url: 'http://h:8086', org: 'o', bucket: 'b', token: 'tok', batchSize: 1, timeoutMs: 1 }),
    ).toEqual({
      url: 'http://h:8086',
      bucket: 'b',
    });
  });

  it('has no timestamp: the same input gives the same bytes', () => {
    expect(JSON.stringify(manifest())).toBe(JSON.stringify(manifest()));
    expect(JSON.stringify(manifest())).not.toMatch(/generated|created|now/i);
  });

  it('changes when a written file changes', () => {
    const a = manifest({ files: [{ name: 'x', content: 'one' }] });
    const b = manifest({ files: [{ name: 'x', content: 'two' }] });
    expect(a.files[0].sha256).not.toBe(b.files[0].sha256);
  });

  it('canonical JSON ignores key order and undefined members', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: 'x' }] })).toBe('{"a":[1,{"c":"x"}],"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(catalogPriceVersions(config.catalog)).toHaveLength(2);
  });
});
