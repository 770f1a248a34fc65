import type { AttributionConfig } from '../config/types';
import type { BaggageLike } from '../telemetry/inputs';
import { Attributor } from './rules';

function baggage(entries: Record<string, string>): BaggageLike {
  return { getEntry: (k) => (k in entries ? { value: entries[k]! } : undefined) };
}

const config: AttributionConfig = {
  rules: [
    {
      id: 'enterprise',
      match: [{ key: 'tenant.plan', source: 'any', equals: 'enterprise' }],
      set: { tenant: { from: 'tenant.id' }, team: 'platform', center: 'cc-100' },
    },
    {
      id: 'any-tenant',
      match: [{ key: 'tenant.id', source: 'any', exists: true }],
      set: { tenant: { from: 'tenant.id' } },
    },
    // Would also match enterprise items: must never be consulted after the first match.
    { id: 'catch-all', match: [], set: { team: 'catch-all-team' } },
  ],
  fallbacks: [
    {
      key: 'k8s.namespace.name',
      source: 'resource',
      map: { checkout: { team: 'payments', center: 'cc-200' } },
    },
    { key: 'service.name', source: 'resource', map: { search: { tenant: 'internal', team: 'search' } } },
  ],
};

describe('Attributor', () => {
  const attributor = Attributor.compile(config);

  it('lets the first matching rule win; later rules are ignored', () => {
    const a = attributor.attribute({
      attributes: { 'tenant.plan': 'enterprise', 'tenant.id': 'acme' },
      resource: {},
    });
    expect(a).toEqual({
      tenant: 'acme',
      team: 'platform',
      center: 'cc-100',
      attribution: 'rule',
      rule: 'enterprise',
    });
  });

  it('copies values with `from`, comparing numbers as strings', () => {
    const a = attributor.attribute({ attributes: { 'tenant.id': 42 }, resource: {} });
    expect(a.tenant).toBe('42');
    expect(a.rule).toBe('any-tenant');
  });

  it('fills the fields a rule left unset from fallbacks (partial fallback)', () => {
    const a = attributor.attribute({
      attributes: { 'tenant.id': 'acme' },
      resource: { 'k8s.namespace.name': 'checkout' },
    });
    expect(a).toEqual({
      tenant: 'acme',
      team: 'payments',
      center: 'cc-200',
      attribution: 'rule',
      rule: 'any-tenant',
    });
  });

  it('uses the catch-all rule when it is the first to match', () => {
    const a = attributor.attribute({ attributes: {}, resource: { 'k8s.namespace.name': 'checkout' } });
    // catch-all sets team; the fallback fills only the center
    expect(a).toEqual({
      tenant: 'unknown',
      team: 'catch-all-team',
      center: 'cc-200',
      attribution: 'rule',
      rule: 'catch-all',
    });
  });

  it('leaves a field unset when `from` finds nothing, so fallbacks apply', () => {
    const only = Attributor.compile({
      rules: [{ id: 'copy', match: [], set: { tenant: { from: 'tenant.id' } } }],
      fallbacks: config.fallbacks,
    });
    const a = only.attribute({ attributes: {}, resource: { 'service.name': 'search' } });
    expect(a).toEqual({
      tenant: 'internal',
      team: 'search',
      center: 'unknown',
      attribution: 'fallback',
      rule: 'fallback:service.name',
    });
  });

  it('falls back in order and reports the first fallback that decided', () => {
    const noRules = Attributor.compile({ rules: [], fallbacks: config.fallbacks });
    const a = noRules.attribute({
      attributes: {},
      resource: { 'k8s.namespace.name': 'checkout', 'service.name': 'search' },
    });
    // team from the first fallback, tenant from the second
    expect(a).toEqual({
      tenant: 'internal',
      team: 'payments',
      center: 'cc-200',
      attribution: 'fallback',
      rule: 'fallback:k8s.namespace.name',
    });
  });

  it('is unknown when nothing decides — never dropped', () => {
    const noRules = Attributor.compile({ rules: [], fallbacks: config.fallbacks });
    expect(noRules.attribute({ attributes: {}, resource: { 'k8s.namespace.name': 'other' } })).toEqual({
      tenant: 'unknown',
      team: 'unknown',
      center: 'unknown',
      attribution: 'unknown',
      rule: 'unknown',
    });
  });

  it('is unknown when tenant and team are unknown even if a center was found', () => {
    const centerOnly = Attributor.compile({
      rules: [{ id: 'c', match: [], set: { center: 'cc-9' } }],
      fallbacks: [],
    });
    expect(centerOnly.attribute({ attributes: {}, resource: {} })).toEqual({
      tenant: 'unknown',
      team: 'unknown',
      center: 'cc-9',
      attribution: 'unknown',
      rule: 'c',
    });
  });

  it('with source any, prefers span attributes, then baggage, then resource', () => {
    const byAny = Attributor.compile({
      rules: [{ id: 'r', match: [], set: { tenant: { from: 'tenant.id', source: 'any' } } }],
      fallbacks: [],
    });
    const all = {
      attributes: { 'tenant.id': 'attr' },
      resource: { 'tenant.id': 'res' },
      baggage: baggage({ 'tenant.id': 'bag' }),
    };
    expect(byAny.attribute(all).tenant).toBe('attr');
    expect(byAny.attribute({ ...all, attributes: {} }).tenant).toBe('bag');
    expect(byAny.attribute({ ...all, attributes: {}, baggage: baggage({}) }).tenant).toBe('res');
    expect(byAny.attribute({ attributes: {}, resource: {}, baggage: undefined }).tenant).toBe('unknown');
  });

  it('honours a specific source', () => {
    const fromBaggage = Attributor.compile({
      rules: [
        {
          id: 'b',
          match: [{ key: 'tenant.id', source: 'baggage' }],
          set: { tenant: { from: 'tenant.id', source: 'baggage' } },
        },
      ],
      fallbacks: [],
    });
    // present only as an attribute: the baggage matcher fails
    expect(fromBaggage.attribute({ attributes: { 'tenant.id': 'a' }, resource: {} }).attribution).toBe(
      'unknown',
    );
    expect(
      fromBaggage.attribute({ attributes: {}, resource: {}, baggage: baggage({ 'tenant.id': 'b' }) }).tenant,
    ).toBe('b');
  });

  it('matches with in, prefix, regex, exists:false and booleans as strings', () => {
    const a = Attributor.compile({
      rules: [
        {
          id: 'in',
          match: [{ key: 'env', source: 'resource', in: ['prod', 'staging'] }],
          set: { team: 'in' },
        },
        {
          id: 'prefix',
          match: [{ key: 'svc', source: 'resource', prefix: 'pay-' }],
          set: { team: 'prefix' },
        },
        {
          id: 'regex',
          match: [{ key: 'svc', source: 'resource', regex: '^search-\\d+$' }],
          set: { team: 'regex' },
        },
        {
          id: 'bool',
          match: [{ key: 'internal', source: 'attributes', equals: 'true' }],
          set: { team: 'bool' },
        },
        {
          id: 'absent',
          match: [{ key: 'tenant.id', source: 'any', exists: false }],
          set: { team: 'absent' },
        },
      ],
      fallbacks: [],
    });
    const team = (attributes: Record<string, string | boolean>, resource: Record<string, string>): string =>
      a.attribute({ attributes, resource }).team;
    expect(team({}, { env: 'staging' })).toBe('in');
    expect(team({}, { svc: 'pay-api' })).toBe('prefix');
    expect(team({}, { svc: 'search-12' })).toBe('regex');
    expect(team({ internal: true, 'tenant.id': 'x' }, { svc: 'search-x' })).toBe('bool');
    expect(team({}, {})).toBe('absent');
    expect(team({ 'tenant.id': 'x' }, {})).toBe('unknown');
  });

  it('treats fallback map keys such as "constructor" as data', () => {
    const a = Attributor.compile({
      rules: [],
      fallbacks: [{ key: 'ns', source: 'resource', map: { checkout: { team: 'payments' } } }],
    });
    expect(a.attribute({ attributes: {}, resource: { ns: 'constructor' } }).team).toBe('unknown');
  });
});
