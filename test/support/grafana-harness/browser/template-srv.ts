/**
 * A minimal `TemplateSrv` (what `getTemplateSrv()` returns inside Grafana) over variables a test defines:
 * Grafana's variable syntaxes (`$var`, `${var}`, `${var:format}`, `[[var]]`, `[[var:format]]`), scoped
 * variables first, "All" (`$__all`: the custom all value, unformatted, or every option), and Grafana's
 * formatters for the formats data sources use. A format given as a function is called like Grafana does:
 * `format(value, variable, formatValue)` with the value as a string or, for a multi-value variable, an
 * array. Unknown variables are left as written. Pure: runs in the page and in unit tests.
 */

/** A dashboard variable as a test defines it. */
export interface HarnessVariable {
  name: string;
  /** Selected value(s); an array for a multi-value variable; `'$__all'` (or `['$__all']`) selects All. */
  value: string | string[];
  /** Display text (defaults to the value). */
  text?: string | string[];
  /** Every option of the variable (what All expands to when there is no custom all value). */
  options?: string[];
  /** Custom all value (e.g. `.*`), returned unformatted when All is selected. */
  allValue?: string;
  type?: 'custom' | 'query' | 'constant' | 'textbox' | 'interval';
}

/** A scoped variable (`request.scopedVars`). */
export interface ScopedVar {
  text?: unknown;
  value: unknown;
}
export type ScopedVars = Record<string, ScopedVar | undefined>;

/** A Grafana variable format given as a function. */
export type FormatFunction = (value: unknown, variable: unknown, formatValue: unknown) => string;

const ALL = '$__all';

/** Grafana's variable regex (`public/app/features/variables/utils.ts`). */
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

const regexEscape = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** Grafana's formatters (`public/app/features/templating/formatRegistry.ts`), the ones data sources use. */
const FORMATS: Record<string, (value: unknown, text: unknown) => unknown> = {
  raw: (v) => v,
  glob: (v) => (Array.isArray(v) && v.length > 1 ? `{${v.join(',')}}` : v),
  regex: (v) => {
    if (typeof v === 'string') return regexEscape(v);
    const esc = (v as unknown[]).map((x) => (typeof x === 'string' ? regexEscape(x) : x));
    return esc.length === 1 ? esc[0] : `(${esc.join('|')})`;
  },
  pipe: (v) => (Array.isArray(v) ? v.join('|') : v),
  csv: (v) => (Array.isArray(v) ? v.join(',') : v),
  json: (v) => JSON.stringify(v),
  singlequote: (v) => {
    const q = (x: unknown) => `'${String(x).replace(/'/g, "\\'")}'`;
    return Array.isArray(v) ? v.map(q).join(',') : q(v);
  },
  doublequote: (v) => {
    const q = (x: unknown) => `"${String(x).replace(/"/g, '\\"')}"`;
    return Array.isArray(v) ? v.map(q).join(',') : q(v);
  },
  sqlstring: (v) => {
    const q = (x: unknown) => `'${String(x).replace(/'/g, "''")}'`;
    return Array.isArray(v) ? v.map(q).join(',') : q(v);
  },
  percentencode: (v) =>
    Array.isArray(v) ? encodeURIComponent(`{${v.join(',')}}`) : encodeURIComponent(String(v)),
  text: (_v, t) => (Array.isArray(t) ? t.join(' + ') : t),
};

/** The harness's TemplateSrv. */
export class HarnessTemplateSrv {
  private variables: HarnessVariable[] = [];
  private timeRange: { from: number; to: number } | undefined;

  setVariables(vars: HarnessVariable[]): void {
    this.variables = vars.map((v) => ({ ...v }));
  }

  /** Grafana's `getVariables()`: variable models (the fields data sources read). */
  getVariables(): Array<Record<string, unknown>> {
    return this.variables.map((v) => {
      const multi = Array.isArray(v.value);
      const values = multi ? (v.value as string[]) : [v.value as string];
      return {
        id: v.name,
        name: v.name,
        label: v.name,
        type: v.type ?? 'custom',
        multi,
        includeAll: v.allValue !== undefined || values.includes(ALL),
        allValue: v.allValue ?? null,
        current: { value: v.value, text: v.text ?? v.value, selected: true },
        options: (v.options ?? values).map((o) => ({ value: o, text: o, selected: values.includes(o) })),
      };
    });
  }

  updateTimeRange(range: { from: { valueOf(): number }; to: { valueOf(): number } }): void {
    this.timeRange = { from: range.from.valueOf(), to: range.to.valueOf() };
  }

  containsTemplate(target?: string): boolean {
    if (!target) return false;
    VARIABLE_REGEX.lastIndex = 0;
    for (const m of target.matchAll(VARIABLE_REGEX)) {
      const name = m[1] ?? m[2] ?? m[4];
      if (name !== undefined && this.find(name) !== undefined) return true;
    }
    return false;
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: string | FormatFunction): string {
    if (target === undefined || target === null) return target ?? '';
    return target.replace(
      VARIABLE_REGEX,
      (match, v1?: string, v2?: string, f2?: string, v3?: string, _path?: string, f3?: string) => {
        const name = (v1 ?? v2 ?? v3) as string;
        const fmt = f2 ?? f3 ?? format;
        const scoped = scopedVars?.[name];
        if (scoped !== undefined && scoped.value !== undefined && scoped.value !== null) {
          return this.formatValue(scoped.value, fmt, { name }, scoped.text);
        }
        if ((name === '__from' || name === '__to') && this.timeRange !== undefined) {
          return this.formatValue(String(this.timeRange[name === '__from' ? 'from' : 'to']), fmt, { name });
        }
        const variable = this.find(name);
        if (variable === undefined) return match;
        let value: unknown = variable.value;
        let text: unknown = variable.text ?? variable.value;
        if (value === ALL || (Array.isArray(value) && value.includes(ALL))) {
          text = 'All';
          if (variable.allValue !== undefined) {
            // Grafana skips formatting of custom all values unless the format is text or percentencode.
            if (fmt !== 'text' && fmt !== 'percentencode') return variable.allValue;
            value = variable.allValue;
          } else {
            value = (variable.options ?? []).filter((o) => o !== ALL);
          }
        }
        return this.formatValue(value, fmt, this.model(variable), text);
      },
    );
  }

  /** Grafana's `TemplateSrv.formatValue`. */
  formatValue = (
    value: unknown,
    format?: string | FormatFunction,
    variable?: unknown,
    text?: unknown,
  ): string => {
    if (value === null || value === undefined) return '';
    if (!Array.isArray(value) && typeof value === 'object') value = `${String(value)}`;
    if (typeof format === 'function') return format(value, variable ?? {}, this.formatValue);
    let id = format ?? 'glob';
    const [name] = id.split(':');
    id = name ?? 'glob';
    let formatter = FORMATS[id];
    if (formatter === undefined) {
      console.error(`Variable format ${id} not found. Using glob format as fallback.`);
      formatter = FORMATS['glob'] as NonNullable<typeof formatter>;
    }
    return String(formatter(value, text ?? value));
  };

  private find(name: string): HarnessVariable | undefined {
    return this.variables.find((v) => v.name === name);
  }

  private model(v: HarnessVariable): Record<string, unknown> {
    return this.getVariables().find((m) => m['name'] === v.name) ?? { name: v.name };
  }
}
