import { Attributor, type BaggageLike } from '@meterline/cost-model';
import { ROOT_CONTEXT, propagation } from '@opentelemetry/api';
import { AttributionCache } from './attribution-cache';
import { unitTestConfig } from './test-config.fixture';

function baggage(entries: Record<string, string>): BaggageLike {
  return { getEntry: (key) => (key in entries ? { value: entries[key]! } : undefined) };
}

describe('AttributionCache', () => {
  const config = unitTestConfig();
  const attributor = Attributor.compile(config.attribution);

  it('returns what the attributor returns, for every combination of the inputs the rules read', () => {
    const cache = new AttributionCache(attributor, config.attribution);
    const lazy = new AttributionCache(attributor, config.attribution);
    const resources = [
      { 'k8s.namespace.name': 'checkout' },
      { 'k8s.namespace.name': 'other', 'tenant.id': 'res-t' },
    ];
    const tenants = [undefined, 'acme', 'globex', ''];
    const teams = [undefined, 'web'];
    const bags = [
      undefined,
      baggage({}),
      baggage({ 'tenant.id': 'bag-t' }),
      baggage({ plan: 'gold', 'tenant.id': 'acme' }),
    ];
    for (let round = 0; round < 2; round++) {
      for (const resource of resources) {
        for (const tenant of tenants) {
          for (const team of teams) {
            for (const bag of bags) {
              const attributes: Record<string, string> = { 'http.route': '/x' };
              if (tenant !== undefined) attributes['tenant.id'] = tenant;
              if (team !== undefined) attributes['team'] = team;
              const expected = attributor.attribute({ attributes, resource, baggage: bag });
              expect(cache.attribute(attributes, resource, resource, bag)).toEqual(expected);
              // The same, with the baggage read (lazily) from a context.
              const entries: Record<string, { value: string }> = {};
              for (const key of ['tenant.id', 'plan']) {
                const entry = bag?.getEntry(key);
                if (entry !== undefined) entries[key] = { value: entry.value };
              }
              const context =
                bag === undefined
                  ? ROOT_CONTEXT
                  : propagation.setBaggage(ROOT_CONTEXT, propagation.createBaggage(entries));
              expect(lazy.attributeInContext(attributes, resource, resource, context)).toEqual(expected);
            }
          }
        }
      }
    }
  });

  it('returns the cached object on a hit (no allocation)', () => {
    const cache = new AttributionCache(attributor, config.attribution);
    const resource = { 'k8s.namespace.name': 'checkout' };
    const a = cache.attribute({ 'tenant.id': 'acme' }, resource, resource, undefined);
    const b = cache.attribute({ 'tenant.id': 'acme', other: 'ignored' }, resource, resource, undefined);
    expect(b).toBe(a);
    expect(cache.attribute({ 'tenant.id': 'globex' }, resource, resource, undefined)).not.toBe(a);
  });

  it('keys on the resource identity: another resource is attributed afresh', () => {
    const cache = new AttributionCache(attributor, config.attribution);
    const r1 = { 'k8s.namespace.name': 'checkout' };
    const r2 = { 'k8s.namespace.name': 'other' };
    expect(cache.attribute({}, r1, r1, undefined).team).toBe('payments');
    expect(cache.attribute({}, r2, r2, undefined).team).toBe('unknown');
    expect(cache.attribute({}, r1, r1, undefined).team).toBe('payments');
  });

  it('stays bounded: past the limit it empties and keeps answering correctly', () => {
    const cache = new AttributionCache(attributor, config.attribution, 10);
    const resource = {};
    for (let i = 0; i < 100; i++) {
      expect(cache.attribute({ 'tenant.id': `t${i}` }, resource, resource, undefined).tenant).toBe(`t${i}`);
    }
    expect(cache.attribute({ 'tenant.id': 't3' }, resource, resource, undefined).tenant).toBe('t3');
  });

  it('does not cache array-valued inputs, and works without the config (no caching)', () => {
    const cache = new AttributionCache(attributor, config.attribution);
    const resource = {};
    expect(cache.attribute({ 'tenant.id': ['a', 'b'] }, resource, resource, undefined).tenant).toBe('a,b');
    const uncached = new AttributionCache(attributor, undefined);
    expect(uncached.attribute({ 'tenant.id': 'acme' }, resource, resource, undefined).team).toBe('team-acme');
  });
});
