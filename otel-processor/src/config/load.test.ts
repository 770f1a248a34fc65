import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigFileError, expandEnv, loadConfig, parseConfig } from './load';

const EXAMPLE = join(__dirname, '../../../examples/meterline.yaml');

const MINIMAL = `catalog:
  skus:
    - id: api.requests
      unit: request
      prices:
        - effectiveFrom: '2026-01-01T00:00:00Z'
          currency: USD
          unitPrice: '0.0000004'
skus:
  - id: requests
    sku: api.requests
    match: { signal: span, kinds: [server] }
    quantity: { type: count }
`;

function issuesOf(fn: () => unknown): ConfigFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigFileError) return err;
    throw err;
  }
  throw new Error('expected a ConfigFileError');
}

describe('loadConfig', () => {
  it('accepts the commented example shipped in examples/', () => {
    const config = loadConfig(EXAMPLE, {});
    expect(config.catalog.skus.map((s) => s.id)).toContain('compute.gb_s');
    expect(config.skus.find((r) => r.id === 'handler-compute')?.sku).toBe('compute.gb_s');
    // ${MET_INFLUX_URL:-…} took its default
    expect(config.influx?.url).toBe('http://127.0.0.1:8086');
    expect(config.catalog.skus.find((s) => s.id === 'network.egress_gb')?.prices[1]?.effectiveFrom).toBe(
      Date.UTC(2026, 9, 1),
    );
  });

  it('applies defaults to a minimal file', () => {
    const config = parseConfig(MINIMAL, 'min.yaml', {});
    expect(config.catalog.baseCurrency).toBe('USD');
    expect(config.budgets).toEqual([]);
    expect(config.forward).toEqual([]);
    expect(config.attribution.rules).toEqual([]);
  });

  it('names the file, line and key path of a bad value', () => {
    const bad = MINIMAL.replace("unitPrice: '0.0000004'", "unitPrice: '0,0000004'");
    const err = issuesOf(() => parseConfig(bad, 'bad.yaml', {}));
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatchObject({
      file: 'bad.yaml',
      line: 8,
      path: 'catalog.skus[0].prices[0].unitPrice',
    });
    expect(err.message).toContain('bad.yaml:8: catalog.skus[0].prices[0].unitPrice');
  });

  it('reports every issue at once, each with its own line', () => {
    const bad = MINIMAL.replace('currency: USD', 'currency: usd').replace('type: count', 'type: counts');
    const err = issuesOf(() => parseConfig(bad, 'bad.yaml', {}));
    const lines = err.issues.map((i) => i.line);
    expect(lines).toContain(7);
    expect(lines).toContain(13);
  });

  it('locates an unknown top-level key', () => {
    const err = issuesOf(() => parseConfig(`${MINIMAL}budgts: []\n`, 'typo.yaml', {}));
    expect(err.issues[0]?.line).toBe(14);
    expect(err.message).toMatch(/budgts/);
  });

  it('reports YAML syntax errors with their line', () => {
    const err = issuesOf(() => parseConfig('catalog:\n  skus: [\n', 'broken.yaml', {}));
    expect(err.issues[0]?.message).toMatch(/^YAML: /);
    expect(err.issues[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports an unreadable file by name', () => {
    const err = issuesOf(() => loadConfig('/nonexistent/meterline.yaml', {}));
    expect(err.message).toContain('/nonexistent/meterline.yaml');
    expect(err.issues[0]?.message).toMatch(/cannot read/);
  });
});

describe('environment references', () => {
  it('substitutes variables and defaults in values, and keeps $${ literal', () => {
    expect(expandEnv('${A}/${B:-dflt}/$${NOT}', { A: 'x' })).toEqual({ value: 'x/dflt/${NOT}', missing: [] });
  });

  it('are expanded in values only, not in comments', () => {
    const text = MINIMAL.replace(
      'skus:\n  - id: requests',
      '# ${IGNORED}\nskus:\n  - id: ${RULE_ID:-requests}',
    );
    expect(parseConfig(text, 'c.yaml', {}).skus[0]?.id).toBe('requests');
  });

  it('fail naming an unset variable and its line', () => {
    const text = `${MINIMAL}influx:\n  url: http://x:8086\n  database: m\n  token: \${MET_TOKEN}\n`;
    const err = issuesOf(() => parseConfig(text, 'env.yaml', {}));
    expect(err.issues[0]).toMatchObject({ file: 'env.yaml', line: 17 });
    expect(err.message).toContain('MET_TOKEN');
  });

  it('cannot inject YAML structure through a value', () => {
    const text = `${MINIMAL}influx:\n  url: http://h:8086\n  database: \${DB}\n`;
    const config = parseConfig(text, 'c.yaml', { DB: 'm\nretentionPolicy: evil' });
    expect(config.influx?.database).toBe('m\nretentionPolicy: evil');
    expect(config.influx?.retentionPolicy).toBeUndefined();
  });
});

describe('the example file', () => {
  it('has every top-level section', () => {
    const text = readFileSync(EXAMPLE, 'utf8');
    for (const key of ['catalog:', 'skus:', 'attribution:', 'budgets:', 'influx:', 'forward:', 'serve:']) {
      expect(text).toMatch(new RegExp(`^${key}`, 'm'));
    }
  });
});
