import type { Attribution, AttributionConfig, Attributor, BaggageLike } from '@meterline/cost-model';
import type { Attributes } from '@opentelemetry/api';

/** Entries kept before the cache is emptied (a bound on memory when tenants are unbounded). */
export const DEFAULT_ATTRIBUTION_CACHE_LIMIT = 4096;

/** Where one input of the attribution rules comes from; resource-only inputs are fixed per resource. */
interface DynamicInput {
  key: string;
  fromAttributes: boolean;
  fromBaggage: boolean;
}

type Node = Map<unknown, unknown>;

/**
 * Memoises {@link Attributor.attribute} on the values it can read.
 *
 * The attribution config names every key the rules and fallbacks read (and where: attributes, baggage,
 * resource or `any`). The result is a pure function of those values, so it is cached in a trie: one level
 * per resource (its values are fixed), then one level per key read from span attributes or baggage. A hit
 * costs a few `Map.get`s and allocates nothing. `any` is keyed by what the cost model's lookup returns
 * before falling back to the resource (attributes, then baggage), so the key is exactly what the rules see.
 * Array-valued inputs are not cached (rare; they would be keyed by identity). Without the config (a
 * precompiled attributor only) every call goes to the attributor.
 */
export class AttributionCache {
  private readonly inputs: readonly DynamicInput[] | undefined;
  private byResource = new WeakMap<object, Node>();
  private readonly scratch: { attributes: Attributes; resource: Attributes; baggage?: BaggageLike } = {
    attributes: {},
    resource: {},
    baggage: undefined,
  };
  private lastResource: object | undefined;
  private lastRoot: Node | undefined;
  private size = 0;

  constructor(
    private readonly attributor: Attributor,
    config: AttributionConfig | undefined,
    private readonly limit = DEFAULT_ATTRIBUTION_CACHE_LIMIT,
  ) {
    this.inputs = config === undefined ? undefined : dynamicInputs(config);
  }

  /**
   * The attribution of an item with these attributes, resource and baggage.
   *
   * @param resourceKey identity of the resource (its attributes never change), e.g. the OTel `Resource`.
   */
  attribute(
    attributes: Attributes,
    resource: Attributes,
    resourceKey: object,
    baggage: BaggageLike | undefined,
  ): Attribution {
    const inputs = this.inputs;
    if (inputs === undefined) return this.compute(attributes, resource, baggage);
    let node = resourceKey === this.lastResource ? this.lastRoot : this.byResource.get(resourceKey);
    if (node === undefined) {
      node = new Map();
      this.byResource.set(resourceKey, node);
    }
    this.lastResource = resourceKey;
    this.lastRoot = node;
    const last = inputs.length - 1;
    for (let i = 0; i <= last; i++) {
      const input = inputs[i]!;
      let value: unknown = input.fromAttributes ? attributes[input.key] : undefined;
      if (value === null) value = undefined;
      if (value === undefined && input.fromBaggage && baggage !== undefined) {
        value = baggage.getEntry(input.key)?.value;
      }
      if (typeof value === 'object') return this.compute(attributes, resource, baggage); // an array
      let next = node.get(value);
      if (next === undefined) {
        if (this.size >= this.limit) {
          // Emptied rather than evicted one by one: a burst of new tenants must not cost per-item bookkeeping.
          this.clear();
          return this.compute(attributes, resource, baggage);
        }
        if (i === last) {
          const result = this.compute(attributes, resource, baggage);
          node.set(value, result);
          this.size++;
          return result;
        }
        next = new Map();
        node.set(value, next);
      }
      if (i === last) return next as Attribution;
      node = next as Node;
    }
    // No dynamic inputs: the attribution depends on the resource alone.
    let result = node.get(node) as Attribution | undefined;
    if (result === undefined) {
      result = this.compute(attributes, resource, baggage);
      node.set(node, result);
    }
    return result;
  }

  private compute(
    attributes: Attributes,
    resource: Attributes,
    baggage: BaggageLike | undefined,
  ): Attribution {
    const s = this.scratch;
    s.attributes = attributes;
    s.resource = resource;
    s.baggage = baggage;
    const result = this.attributor.attribute(s);
    s.baggage = undefined;
    return result;
  }

  private clear(): void {
    this.byResource = new WeakMap();
    this.lastResource = undefined;
    this.lastRoot = undefined;
    this.size = 0;
  }
}

/** The keys the attribution config reads from span attributes or baggage, deduplicated, in a stable order. */
function dynamicInputs(config: AttributionConfig): DynamicInput[] {
  // One input per (key, source) pair, so a key read from attributes by one rule and from baggage by
  // another is keyed on both values: the cache key must cover everything any rule reads.
  const seen = new Map<string, DynamicInput>();
  const add = (key: string, source: string | undefined): void => {
    const s = source ?? 'any';
    if (s === 'resource') return;
    const id = `${s}\u0000${key}`;
    if (seen.has(id)) return;
    seen.set(id, {
      key,
      fromAttributes: s === 'attributes' || s === 'any',
      fromBaggage: s === 'baggage' || s === 'any',
    });
  };
  for (const rule of config.rules) {
    for (const m of rule.match) add(m.key, m.source);
    for (const v of [rule.set.tenant, rule.set.team, rule.set.center]) {
      if (v !== undefined && typeof v !== 'string') add(v.from, v.source);
    }
  }
  for (const f of config.fallbacks) add(f.key, f.source);
  return [...seen.values()];
}
