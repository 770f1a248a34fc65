import type { AssignedValue, AttributionConfig } from '../config/types';
import { type MatchInput, type Predicate, compileAll, compileStringLookup } from './matcher';
import type { Attributes, BaggageLike } from '../telemetry/inputs';

/** The value of an attribution field nobody could decide. */
export const UNKNOWN = 'unknown';

/** How an item's owner was decided: by a rule, by a fallback map, or not at all. */
export type AttributionKind = 'rule' | 'fallback' | 'unknown';

/** What attribution looks at. */
export interface AttributionInput {
  attributes: Attributes;
  resource: Attributes;
  baggage?: BaggageLike;
}

/** Who pays for an item. */
export interface Attribution {
  tenant: string;
  team: string;
  center: string;
  attribution: AttributionKind;
  /** Id of the rule that decided, `fallback:<key>`, or `unknown`. */
  rule: string;
}

type Field = 'tenant' | 'team' | 'center';
type Assign = (input: MatchInput) => string | undefined;

interface CompiledRule {
  id: string;
  match: Predicate;
  tenant: Assign | undefined;
  team: Assign | undefined;
  center: Assign | undefined;
}

interface CompiledFallback {
  label: string;
  lookup: (input: MatchInput) => string | undefined;
  /** A Map, not the config object, so keys like `constructor` or `__proto__` are plain data. */
  map: Map<string, Partial<Record<Field, string>>>;
}

function compileAssign(value: AssignedValue | undefined): Assign | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return () => value;
  const lookup = compileStringLookup(value.from, value.source ?? 'any');
  // An empty value names nobody: treat it as missing, so fallbacks and `unknown` apply.
  return (input) => {
    const v = lookup(input);
    return v === '' ? undefined : v;
  };
}

/**
 * Compiled attribution rules (semantics stated in the README, "Rules stated once"):
 *
 * 1. The first rule whose matchers all hold sets the fields it names; later rules are not consulted. A field
 *    copied `{ from: key }` from a missing attribute stays unset.
 * 2. Fields still unset (all of them when no rule matched) are looked up in the fallback maps in order; the
 *    first fallback that has a field sets it.
 * 3. Whatever is still unset is `unknown`.
 *
 * `attribution` is `rule` when the matching rule set at least one field, else `fallback` when a fallback set
 * one; `unknown` when tenant and team are both `unknown` (whatever set the center). `rule` is the rule's id,
 * else `fallback:<key>` of the first fallback that set a field, else `unknown`.
 */
export class Attributor {
  private constructor(
    private readonly rules: readonly CompiledRule[],
    private readonly fallbacks: readonly CompiledFallback[],
  ) {}

  /** @throws naming the rule when a matcher does not compile. */
  static compile(config: AttributionConfig): Attributor {
    const rules = config.rules.map((r): CompiledRule => {
      let match: Predicate;
      try {
        match = compileAll(r.match);
      } catch (err) {
        throw new RangeError(`attribution rule "${r.id}": ${(err as Error).message}`);
      }
      return {
        id: r.id,
        match,
        tenant: compileAssign(r.set.tenant),
        team: compileAssign(r.set.team),
        center: compileAssign(r.set.center),
      };
    });
    const fallbacks = config.fallbacks.map((f): CompiledFallback => ({
      label: `fallback:${f.key}`,
      lookup: compileStringLookup(f.key, f.source ?? 'any'),
      map: new Map(Object.entries(f.map)),
    }));
    return new Attributor(rules, fallbacks);
  }

  /** Decides tenant, team and center of one item. Never fails and never drops: the worst is `unknown`. */
  attribute(input: AttributionInput): Attribution {
    let tenant: string | undefined;
    let team: string | undefined;
    let center: string | undefined;
    let rule: string | undefined;
    let kind: AttributionKind = 'unknown';

    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i]!;
      if (!r.match(input)) continue;
      tenant = r.tenant?.(input);
      team = r.team?.(input);
      center = r.center?.(input);
      if (tenant !== undefined || team !== undefined || center !== undefined) {
        rule = r.id;
        kind = 'rule';
      }
      break;
    }

    if (tenant === undefined || team === undefined || center === undefined) {
      for (let i = 0; i < this.fallbacks.length; i++) {
        const f = this.fallbacks[i]!;
        const key = f.lookup(input);
        if (key === undefined) continue;
        const mapped = f.map.get(key);
        if (mapped === undefined) continue;
        let used = false;
        if (tenant === undefined && mapped.tenant !== undefined) {
          tenant = mapped.tenant;
          used = true;
        }
        if (team === undefined && mapped.team !== undefined) {
          team = mapped.team;
          used = true;
        }
        if (center === undefined && mapped.center !== undefined) {
          center = mapped.center;
          used = true;
        }
        if (used && rule === undefined) {
          rule = f.label;
          kind = 'fallback';
        }
        if (tenant !== undefined && team !== undefined && center !== undefined) break;
      }
    }

    if (tenant === undefined && team === undefined) kind = 'unknown';
    return {
      tenant: tenant ?? UNKNOWN,
      team: team ?? UNKNOWN,
      center: center ?? UNKNOWN,
      attribution: kind,
      rule: rule ?? UNKNOWN,
    };
  }
}
