/**
 * Template variables as values, not text. Query builders never paste a variable into InfluxQL: they ask
 * for its values and quote each one for where it goes (literal, regex, identifier). Grafana's own
 * `TemplateSrv.replace` does the lookup; a format function captures the selected values instead of joining
 * them, so a multi-value selection stays a list and "All" stays "no condition".
 *
 * @packageDocumentation
 */
import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import type { Interpolator } from '../queries/contract';

/** Grafana's marker value of an "All" selection. */
const ALL = '$__all';

/** Placeholder a format function leaves in the text; the index says which captured value list it stands for. */
const MARK = '\u0000';

interface VariableLike {
  current?: { value?: unknown };
  allValue?: string | null;
}

/** An {@link Interpolator} over Grafana's template service. */
export class TemplateSrvInterpolator implements Interpolator {
  constructor(private readonly templateSrv: Pick<TemplateSrv, 'replace' | 'containsTemplate'>) {}

  values(text: string, scopedVars?: ScopedVars): string[] | undefined {
    if (!this.templateSrv.containsTemplate(text)) return [text];
    const captured: string[][] = [];
    let all = false;
    const marked = this.templateSrv.replace(text, scopedVars, (value: unknown, variable?: VariableLike) => {
      if (isAllSelection(variable) && !variable?.allValue) all = true;
      const list = (Array.isArray(value) ? value : [value]).map((v) =>
        v === null || v === undefined ? '' : String(v),
      );
      captured.push(list);
      return MARK + String(captured.length - 1) + MARK;
    });
    if (all) return undefined;
    return expand(marked, captured);
  }

  raw(text: string, scopedVars?: ScopedVars): string {
    return this.templateSrv.replace(text, scopedVars);
  }
}

function isAllSelection(variable: VariableLike | undefined): boolean {
  const v = variable?.current?.value;
  return v === ALL || (Array.isArray(v) && v.includes(ALL));
}

/**
 * Every combination of the captured value lists substituted into the marked text: `svc-$a` with `a` = x, y
 * gives `svc-x`, `svc-y`. Values are inserted as they are (they are data, quoted later by the caller).
 */
function expand(marked: string, captured: string[][]): string[] {
  const pieces = marked.split(MARK);
  // pieces alternate: text, index, text, index, …, text
  let out = [''];
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (i % 2 === 0) out = out.map((prefix) => prefix + piece);
    else {
      const values = captured[Number(piece)] ?? [];
      const next: string[] = [];
      for (const prefix of out) for (const v of values) next.push(prefix + v);
      out = next;
    }
  }
  return [...new Set(out)];
}

/** An {@link Interpolator} over a plain map of variable values, for tests and previews. */
export class MapInterpolator implements Interpolator {
  constructor(private readonly vars: Record<string, string | string[] | typeof ALL>) {}

  values(text: string): string[] | undefined {
    const names = [...text.matchAll(/\$\{?(\w+)\}?/g)];
    if (names.length === 0) return [text];
    const captured: string[][] = [];
    let all = false;
    const marked = text.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
      const v = this.vars[name];
      if (v === undefined) {
        captured.push([whole]);
      } else if (v === ALL) {
        all = true;
        captured.push([]);
      } else captured.push(Array.isArray(v) ? v : [v]);
      return MARK + String(captured.length - 1) + MARK;
    });
    return all ? undefined : expand(marked, captured);
  }

  raw(text: string): string {
    return text.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
      const v = this.vars[name];
      if (v === undefined) return whole;
      return Array.isArray(v) ? v.join(',') : v;
    });
  }
}
