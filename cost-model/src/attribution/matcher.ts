import type { AttributeMatcher, AttributeSource } from '../config/types';
import { type AttrValue, type Attributes, type BaggageLike, attrToString } from '../telemetry/inputs';

/** What a matcher looks at: item attributes, resource attributes and (spans only) baggage. */
export interface MatchInput {
  attributes: Attributes;
  resource: Attributes;
  baggage?: BaggageLike;
}

/** Reads one key from one source; compiled once per rule, called per item. */
export type Lookup = (input: MatchInput) => AttrValue | undefined;

/** A compiled condition. */
export type Predicate = (input: MatchInput) => boolean;

/**
 * Compiles a lookup of `key` in `source`. `any` looks at the item's attributes, then baggage, then the
 * resource: the most specific value wins.
 */
export function compileLookup(key: string, source: AttributeSource): Lookup {
  switch (source) {
    case 'attributes':
      return (input) => input.attributes[key];
    case 'resource':
      return (input) => input.resource[key];
    case 'baggage':
      return (input) => input.baggage?.getEntry(key)?.value;
    case 'any':
      return (input) => {
        const v = input.attributes[key];
        if (v !== undefined && v !== null) return v;
        const b = input.baggage?.getEntry(key);
        if (b !== undefined) return b.value;
        return input.resource[key];
      };
    default:
      throw new RangeError(`unknown attribute source ${JSON.stringify(source)} for key "${key}"`);
  }
}

/** Compiles a lookup that returns the value as a string (see `attrToString`). */
export function compileStringLookup(
  key: string,
  source: AttributeSource,
): (input: MatchInput) => string | undefined {
  const lookup = compileLookup(key, source);
  return (input) => attrToString(lookup(input));
}

/**
 * Compiles one matcher into a closure: regexes are compiled here, `in` lists become sets, so matching an
 * item allocates nothing for string values. Values are compared as strings (`String(200) === "200"`).
 * A matcher with no operator means "exists".
 *
 * @throws when the regex does not compile, naming it.
 */
export function compileMatcher(m: AttributeMatcher): Predicate {
  const get = compileStringLookup(m.key, m.source ?? 'any');
  if (m.equals !== undefined) {
    const expected = String(m.equals);
    return (input) => get(input) === expected;
  }
  if (m.in !== undefined) {
    const set = new Set(m.in.map(String));
    return (input) => {
      const v = get(input);
      return v !== undefined && set.has(v);
    };
  }
  if (m.prefix !== undefined) {
    const prefix = m.prefix;
    return (input) => {
      const v = get(input);
      return v !== undefined && v.startsWith(prefix);
    };
  }
  if (m.regex !== undefined) {
    let re: RegExp;
    try {
      // No flags: a non-global regex keeps no lastIndex state, so one instance is safe to reuse.
      re = new RegExp(m.regex);
    } catch (err) {
      throw new RangeError(
        `invalid regex ${JSON.stringify(m.regex)} for key "${m.key}": ${(err as Error).message}`,
      );
    }
    return (input) => {
      const v = get(input);
      return v !== undefined && re.test(v);
    };
  }
  const mustExist = m.exists ?? true;
  return (input) => (get(input) !== undefined) === mustExist;
}

/** Compiles matchers that must all hold. An empty list always holds. */
export function compileAll(matchers: readonly AttributeMatcher[] | undefined): Predicate {
  const predicates = (matchers ?? []).map(compileMatcher);
  if (predicates.length === 0) return () => true;
  if (predicates.length === 1) return predicates[0]!;
  return (input) => {
    for (let i = 0; i < predicates.length; i++) if (!predicates[i]!(input)) return false;
    return true;
  };
}
