import type { Attribution, AttributionConfig, Attributor, BaggageLike } from '@meterline/cost-model';
import { type Attributes, type Context, propagation } from '@opentelemetry/api';

const getBaggage = propagation.getBaggage.bind(propagation);

/** Entries kept before the cache is emptied (a bound on memory when tenants are unbounded). */
export const DEFAULT_ATTRIBUTION_CACHE_LIMIT = 4096;

/** Where one input of the attribution rules comes from; resource-only inputs are fixed per resource. */
interface DynamicInput {
  key: string;
  fromAttributes: boolean;
  fromBaggage: boolean;
}

type Node = Map<unknown, unknown>;

const FROM_ATTRIBUTES = 1;
const FROM_BAGGAGE = 2;

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
  /** The inputs as parallel arrays (read per item): keys, and where each is read ({@link FROM_ATTRIBUTES} …). */
  private readonly keys: readonly string[];
  private readonly sources: Uint8Array;
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
    this.keys = (this.inputs ?? []).map((input) => input.key);
    this.sources = Uint8Array.from(
      this.inputs ?? [],
      (input) => (input.fromAttributes ? FROM_ATTRIBUTES : 0) | (input.fromBaggage ? FROM_BAGGAGE : 0),
    );
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
    return this.resolve(attributes, resource, resourceKey, baggage, undefined);
  }

  /**
   * {@link AttributionCache.attribute} with the W3C baggage of `context`, read only when needed: when a key the
   * rules read from baggage is missing from the attributes, or on a cache miss.
   */
  attributeInContext(
    attributes: Attributes,
    resource: Attributes,
    resourceKey: object,
    context: Context,
  ): Attribution {
    return this.resolve(attributes, resource, resourceKey, undefined, context);
  }

  /** `baggage`, or (when `context` is set) the baggage of `context`, read at most once and only if needed. */
  private resolve(
    attributes: Attributes,
    resource: Attributes,
    resourceKey: object,
    baggage: BaggageLike | undefined,
    context: Context | undefined,
  ): Attribution {
    const inputs = this.inputs;
    if (inputs === undefined) return this.compute(attributes, resource, baggage, context);
    let node = resourceKey === this.lastResource ? this.lastRoot : this.byResource.get(resourceKey);
    if (node === undefined) {
      node = new Map();
      this.byResource.set(resourceKey, node);
    }
    this.lastResource = resourceKey;
    this.lastRoot = node;
    const keys = this.keys;
    const sources = this.sources;
    const last = keys.length - 1;
    for (let i = 0; i <= last; i++) {
      const key = keys[i]!;
      const source = sources[i]!;
      let value: unknown = (source & FROM_ATTRIBUTES) !== 0 ? attributes[key] : undefined;
      if (value === null) value = undefined;
      if (value === undefined && (source & FROM_BAGGAGE) !== 0) {
        if (context !== undefined) {
          baggage = getBaggage(context);
          context = undefined;
        }
        if (baggage !== undefined) value = baggage.getEntry(key)?.value;
      }
      if (typeof value === 'object') return this.compute(attributes, resource, baggage, context); // an array
      let next = node.get(value);
      if (next === undefined) {
        if (this.size >= this.limit) {
          // Emptied rather than evicted one by one: a burst of new tenants must not cost per-item bookkeeping.
          this.clear();
          return this.compute(attributes, resource, baggage, context);
        }
        if (i === last) {
          const result = this.compute(attributes, resource, baggage, context);
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
      result = this.compute(attributes, resource, baggage, context);
      node.set(node, result);
    }
    return result;
  }

  private compute(
    attributes: Attributes,
    resource: Attributes,
    baggage: BaggageLike | undefined,
    context: Context | undefined,
  ): Attribution {
    const s = this.scratch;
    s.attributes = attributes;
    s.resource = resource;
    s.baggage = context !== undefined ? getBaggage(context) : baggage;
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
