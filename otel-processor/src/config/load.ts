import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isScalar, isMap, isSeq, visit, type Node } from 'yaml';
import { ConfigError, validateConfig, type ConfigIssue, type MeterlineConfig } from '@meterline/cost-model';

/** One problem in a config file, located by file, line and key path. */
export interface ConfigFileIssue extends ConfigIssue {
  file: string;
  /** 1-based line of the offending key, when the key is present in the file. */
  line?: number;
}

/** A config file that could not be read, parsed or validated; `message` lists every issue as `file:line: path: why`. */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly issues: ConfigFileIssue[],
  ) {
    super(
      `invalid Meterline config ${file}:\n` +
        issues
          .map((i) => `  ${i.file}${i.line ? `:${i.line}` : ''}: ${i.path || '(root)'}: ${i.message}`)
          .join('\n'),
    );
    this.name = 'ConfigFileError';
  }
}

const ENV_REF = /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in one string value with environment variables, so secrets
 * (InfluxDB tokens, passwords) stay out of the file. `$${` escapes a literal `${`.
 *
 * @returns the expanded string and the names of referenced variables that are unset and have no default.
 */
export function expandEnv(value: string, env: NodeJS.ProcessEnv): { value: string; missing: string[] } {
  const missing: string[] = [];
  const out = value.replace(ENV_REF, (match, name: string, def: string | undefined) => {
    if (match.startsWith('$$')) return match.slice(1);
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (def !== undefined) return def;
    missing.push(name);
    return '';
  });
  return { value: out, missing };
}

/**
 * Parses and validates a `meterline.yaml` text. Environment references are expanded inside string values
 * only (never in comments or keys, and a variable's value cannot inject YAML). Defaults are applied by the
 * cost-model schema; every issue is reported with its line.
 */
export function parseConfig(
  text: string,
  file = 'meterline.yaml',
  env: NodeJS.ProcessEnv = process.env,
): MeterlineConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigFileError(
      file,
      doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line,
        path: '',
        message: `YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const unset: ConfigFileIssue[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const { value, missing } = expandEnv(node.value, env);
      node.value = value;
      const line = node.range ? lineCounter.linePos(node.range[0]).line : undefined;
      for (const name of missing) {
        unset.push({
          file,
          line,
          path: '',
          message: `environment variable ${name} is not set (or write \${${name}:-default})`,
        });
      }
    },
  });
  if (unset.length > 0) throw new ConfigFileError(file, unset);
  try {
    return validateConfig(doc.toJS() ?? {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigFileError(
      file,
      err.issues.map((issue) => ({ ...issue, file, line: lineOf(doc.contents, issue.path, lineCounter) })),
    );
  }
}

/** Reads, expands and validates a config file. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): MeterlineConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(file, [{ file, path: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseConfig(text, file, env);
}

/** Splits `catalog.skus[2].prices[0].unitPrice` into `['catalog','skus',2,'prices',0,'unitPrice']`. */
function splitPath(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) parts.push(Number(m[2]));
    else if (m[1] !== undefined) parts.push(m[1]);
  }
  return parts;
}

/** Line of the deepest node on `path` that exists in the document (the key itself when present). */
function lineOf(root: Node | null, path: string, lines: LineCounter): number | undefined {
  let node: unknown = root;
  let offset: number | undefined = (root as Node | null)?.range?.[0];
  for (const part of splitPath(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}
