/**
 * Meterline's Grafana provisioning (`provisioning/`) as data, and an evaluator that runs its alert rules the
 * way Grafana's unified alerting does, against a real InfluxDB, without a Grafana server:
 *
 * - {@link loadProvisioning}: every data source, rule group, contact point and notification policy file;
 * - {@link interpolateGrafanaValue}: the environment expansion Grafana applies to provisioning values
 *   (`$__env{X}`, `$X`, `${X}`, `$$` for a literal `$`), and only to the fields it applies it to: rule
 *   labels and titles, contact point settings, policies, data sources; never rule `model`s or annotations;
 * - {@link renderInfluxQL} / {@link renderRuleQueries}: a rule's raw InfluxQL for an evaluation time, with
 *   the macros replaced like Grafana's InfluxDB (InfluxQL) backend does (`$timeFilter` →
 *   `time >= <from>ms and time <= <to>ms` from the query's `relativeTimeRange`, `$__interval` /
 *   `$interval` → the query's `intervalMs` formatted like Grafana (`1m`), `$__interval_ms` → milliseconds);
 * - {@link evaluateRule}: runs the data-source queries, turns each InfluxDB series into a labelled series
 *   (labels = GROUP BY tags), evaluates the server-side expressions used here (`reduce`, `threshold`,
 *   `math`) with Grafana's semantics (series matched by labels, any query without data makes the whole rule
 *   NoData, value 0 = Normal, non-zero = Alerting, null = NoData);
 * - {@link alertInstances} / {@link simulateRule}: the alert instances (final labels with the rule's templated
 *   labels, rendered annotations) after `noDataState` / `execErrState`, and over a run of evaluations the
 *   Normal → Pending → Alerting state machine of `for`;
 * - {@link renderTemplate}: the subset of Go templating the rules use (`$labels.x`, `$values.X.Value`,
 *   `or`, `printf`, `humanizePercentage`, `humanizeDuration`, `reReplaceAll`, `externalURL`, …); anything else
 *   throws, so a template Grafana could not render fails the tests instead of shipping;
 * - {@link routeAlert}: which contact point the notification policy tree sends a label set to.
 *
 * Running the rules after a scenario (e.g. a runaway written by `meterline serve` into a test InfluxDB):
 *
 * ```ts
 * const prov = loadProvisioning();
 * const query = influxQuery(influx, dataSourceDatabase(prov)); // influx = await startInfluxDB()
 * const alerts = await evaluateAlerts(ruleByUid(prov, 'meterline-budget-burn-page'), { nowMs, query });
 * expect(alerts.filter((a) => a.state === 'Alerting').map((a) => a.labels['budget'])).toEqual(['checkout']);
 * // with `for`: simulateRule(rule, { query, times: evaluationTimes(from, to, 60_000) })
 * ```
 *
 * Signals are written with the evaluation time as timestamp, so pass an `nowMs` at (or just after) the
 * last evaluation the scenario wrote, not the wall clock, unless the scenario runs in real time.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';

/** The repository root. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
/** Grafana's provisioning directory of this repository. */
export const PROVISIONING_DIR = join(REPO_ROOT, 'provisioning');
/** Where the runbooks live; rules link to `<base>/docs/runbooks/<file>.md`. */
export const RUNBOOK_DIR = join(REPO_ROOT, 'docs', 'runbooks');
/** The data source uid of Grafana's server-side expressions. */
export const EXPRESSION_DATASOURCE_UID = '__expr__';

// ---------------------------------------------------------------------------------------------- types

export type Labels = Record<string, string>;

export interface RelativeTimeRange {
  /** Seconds before the evaluation time. */
  from: number;
  to: number;
}

export interface AlertQuery {
  refId: string;
  datasourceUid: string;
  queryType?: string;
  relativeTimeRange?: RelativeTimeRange;
  model: Record<string, unknown>;
}

export interface AlertRule {
  uid: string;
  title: string;
  condition: string;
  data: AlertQuery[];
  for?: string;
  noDataState?: string;
  execErrState?: string;
  isPaused?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface AlertRuleGroup {
  orgId?: number;
  name: string;
  folder: string;
  interval: string;
  rules: AlertRule[];
}

/** A rule with the group and file it comes from. */
export interface ProvisionedRule extends AlertRule {
  group: AlertRuleGroup;
  file: string;
}

export interface ContactPointReceiver {
  uid: string;
  type: string;
  settings: Record<string, unknown>;
  disableResolveMessage?: boolean;
}

export interface ContactPoint {
  orgId?: number;
  name: string;
  receivers: ContactPointReceiver[];
  file: string;
}

/** A notification policy (a node of the tree; the root is the provisioned policy). */
export interface PolicyRoute {
  orgId?: number;
  receiver?: string;
  group_by?: string[];
  matchers?: string[];
  object_matchers?: [string, string, string][];
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  continue?: boolean;
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  routes?: PolicyRoute[];
  file?: string;
}

export interface DataSource {
  name: string;
  uid: string;
  type: string;
  access?: string;
  url?: string;
  user?: string;
  isDefault?: boolean;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
  [key: string]: unknown;
}

export interface Provisioning {
  /** Every provisioning file read, relative to the repository root. */
  files: string[];
  datasources: (DataSource & { file: string })[];
  groups: (AlertRuleGroup & { file: string })[];
  rules: ProvisionedRule[];
  contactPoints: ContactPoint[];
  policies: PolicyRoute[];
}

// -------------------------------------------------------------------------------------------- loading

function yamlFiles(dir: string, exts: readonly string[]): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => exts.some((e) => f.endsWith(e)))
    .sort()
    .map((f) => join(dir, f));
}

/** Parses one YAML (or JSON) provisioning file; throws with the file name and position on a syntax error. */
export function readProvisioningFile(path: string): Record<string, unknown> {
  const doc = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('\n')}`);
  const value = doc.toJS() as unknown;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${path}: expected a mapping at the top level`);
  const obj = value as Record<string, unknown>;
  if (obj['apiVersion'] !== 1)
    throw new Error(`${path}: apiVersion must be 1, got ${String(obj['apiVersion'])}`);
  return obj;
}

function list<T>(obj: Record<string, unknown>, key: string, path: string): T[] {
  const v = obj[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${path}: ${key} must be a list`);
  return v as T[];
}

/**
 * Reads `provisioning/datasources/*.yaml|yml` and `provisioning/alerting/*.yaml|yml|json` like Grafana does
 * (every file of the folder; each alerting file may hold groups, contact points and policies).
 */
export function loadProvisioning(dir: string = PROVISIONING_DIR): Provisioning {
  const out: Provisioning = {
    files: [],
    datasources: [],
    groups: [],
    rules: [],
    contactPoints: [],
    policies: [],
  };
  const rel = (p: string) => p.slice(REPO_ROOT.length + 1);
  for (const path of yamlFiles(join(dir, 'datasources'), ['.yaml', '.yml'])) {
    const obj = readProvisioningFile(path);
    out.files.push(rel(path));
    for (const ds of list<DataSource>(obj, 'datasources', path))
      out.datasources.push({ ...ds, file: rel(path) });
  }
  for (const path of yamlFiles(join(dir, 'alerting'), ['.yaml', '.yml', '.json'])) {
    const obj = readProvisioningFile(path);
    out.files.push(rel(path));
    for (const g of list<AlertRuleGroup>(obj, 'groups', path)) {
      const group = { ...g, file: rel(path) };
      out.groups.push(group);
      for (const r of g.rules ?? []) out.rules.push({ ...r, group, file: rel(path) });
    }
    for (const cp of list<Omit<ContactPoint, 'file'>>(obj, 'contactPoints', path))
      out.contactPoints.push({ ...cp, file: rel(path) });
    for (const p of list<PolicyRoute>(obj, 'policies', path)) out.policies.push({ ...p, file: rel(path) });
  }
  return out;
}

/** The rule with `uid`; throws when there is none. */
export function ruleByUid(prov: Provisioning, uid: string): ProvisionedRule {
  const rule = prov.rules.find((r) => r.uid === uid);
  if (rule === undefined) throw new Error(`no provisioned alert rule with uid ${uid}`);
  return rule;
}

// ---------------------------------------------------------------------------------- env interpolation

export type Env = Record<string, string | undefined>;

function isShellSpecial(c: string): boolean {
  return '*#$@!?-0123456789'.includes(c);
}

function isAlphaNum(c: string): boolean {
  return /^[A-Za-z0-9_]$/.test(c);
}

/** Go's `os.Expand` (what Grafana runs after its own `$__provider{…}` expanders). */
function goOsExpand(s: string, mapping: (name: string) => string): string {
  let out = '';
  let i = 0;
  for (let j = 0; j < s.length; j++) {
    if (s[j] === '$' && j + 1 < s.length) {
      out += s.slice(i, j);
      const rest = s.slice(j + 1);
      let name = '';
      let w = 0;
      if (rest[0] === '{') {
        if (rest.length > 2 && isShellSpecial(rest[1]!) && rest[2] === '}') {
          name = rest[1]!;
          w = 3;
        } else {
          const close = rest.indexOf('}');
          if (close === -1) w = 1;
          else if (close === 1) w = 2;
          else {
            name = rest.slice(1, close);
            w = close + 1;
          }
        }
      } else if (isShellSpecial(rest[0]!)) {
        name = rest[0]!;
        w = 1;
      } else {
        while (w < rest.length && isAlphaNum(rest[w]!)) w++;
        name = rest.slice(0, w);
      }
      if (name === '' && w > 0) {
        // invalid syntax: eaten
      } else if (name === '') out += '$';
      else out += mapping(name);
      j += w;
      i = j + 1;
    }
  }
  return out + s.slice(i);
}

/**
 * What Grafana makes of a provisioning string value: `$__env{X}` and `$__file{path}` (Grafana's expanders),
 * then `$X` / `${X}` (Go's os.ExpandEnv; unset → empty), with `$$` standing for a literal `$`.
 */
export function interpolateGrafanaValue(value: string, env: Env = process.env): string {
  return value
    .split('$$')
    .map((part) => {
      const expanded = part.replace(/\$__(\w+)\{([^}]*)\}/g, (_m, provider: string, arg: string) => {
        if (provider === 'env') return env[arg] ?? '';
        if (provider === 'file') return readFileSync(arg, 'utf8').trim();
        throw new Error(`unsupported Grafana expander $__${provider}{${arg}}`);
      });
      return goOsExpand(expanded, (name) => env[name] ?? '');
    })
    .join('$');
}

/** {@link interpolateGrafanaValue} over every string in a JSON-like value (maps, lists). */
export function interpolateDeep<T>(value: T, env: Env = process.env): T {
  if (typeof value === 'string') return interpolateGrafanaValue(value, env) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env) as unknown) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateDeep(v, env);
    return out as T;
  }
  return value;
}

/** Whether a provisioning value is exactly one environment reference (`$__env{X}`, `${X}` or `$X`). */
export function isEnvReference(value: unknown): boolean {
  return (
    typeof value === 'string' && /^(\$__env\{[A-Za-z_]\w*\}|\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*)$/.test(value)
  );
}

/**
 * The rule as Grafana stores it after provisioning: title and labels environment-interpolated; `data`
 * models and annotations kept raw (Grafana maps them from the raw YAML).
 */
export function provisionedForm(rule: AlertRule, env: Env = process.env): AlertRule {
  return {
    ...rule,
    title: interpolateGrafanaValue(rule.title, env),
    labels: interpolateDeep(rule.labels ?? {}, env),
    annotations: { ...(rule.annotations ?? {}) },
  };
}

// ------------------------------------------------------------------------------------------- durations

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** A Prometheus duration (`30s`, `5m`, `1h30m`, `2d`, `0s`) in milliseconds. */
export function parseDuration(text: string | undefined): number {
  if (text === undefined || text === '' || text === '0') return 0;
  const re = /(\d+)(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (end !== text.length || end === 0) throw new Error(`invalid duration ${JSON.stringify(text)}`);
  return total;
}

/** Grafana's `gtime.FormatInterval`: the largest whole unit (`1m`, `1h`, `1d`, `500ms`). */
export function formatGrafanaInterval(ms: number): string {
  const units: [number, string][] = [
    [DURATION_UNITS['y']!, 'y'],
    [DURATION_UNITS['d']!, 'd'],
    [DURATION_UNITS['h']!, 'h'],
    [DURATION_UNITS['m']!, 'm'],
    [DURATION_UNITS['s']!, 's'],
    [1, 'ms'],
  ];
  for (const [size, unit] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

// --------------------------------------------------------------------------------------- query render

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** The absolute range of a query evaluated at `nowMs`: `[now − from s, now − to s]`. */
export function queryTimeRange(q: AlertQuery, nowMs: number): TimeRange {
  const rtr = q.relativeTimeRange ?? { from: 0, to: 0 };
  return { fromMs: nowMs - rtr.from * 1000, toMs: nowMs - rtr.to * 1000 };
}

/** The `intervalMs` Grafana's alerting gives a query: the model's, else 1000 (also for 0 or non-numbers). */
export function queryIntervalMs(q: AlertQuery): number {
  const v = q.model['intervalMs'];
  const ms = typeof v === 'number' && v !== 0 ? v : 1000;
  return Math.max(1, ms);
}

/**
 * Grafana's InfluxDB (InfluxQL) backend: `$timeFilter`, then `$interval`, `$__interval_ms`, `$__interval`,
 * each replaced everywhere in the raw query, in that order.
 */
export function renderInfluxQL(query: string, range: TimeRange, intervalMs: number): string {
  const timeFilter = `time >= ${Math.floor(range.fromMs)}ms and time <= ${Math.floor(range.toMs)}ms`;
  const intervalText = formatGrafanaInterval(intervalMs);
  return query
    .split('$timeFilter')
    .join(timeFilter)
    .split('$interval')
    .join(intervalText)
    .split('$__interval_ms')
    .join(String(Math.floor(intervalMs)))
    .split('$__interval')
    .join(intervalText);
}

export interface RenderedQuery {
  refId: string;
  datasourceUid: string;
  range: TimeRange;
  intervalMs: number;
  influxql: string;
}

/** The InfluxQL of every data-source query of `rule` evaluated at `nowMs`. */
export function renderRuleQueries(rule: AlertRule, nowMs: number): RenderedQuery[] {
  return rule.data
    .filter((q) => q.datasourceUid !== EXPRESSION_DATASOURCE_UID)
    .map((q) => {
      if (q.model['rawQuery'] !== true || typeof q.model['query'] !== 'string')
        throw new Error(`rule ${rule.uid} query ${q.refId}: only raw InfluxQL queries are supported`);
      const range = queryTimeRange(q, nowMs);
      const intervalMs = queryIntervalMs(q);
      return {
        refId: q.refId,
        datasourceUid: q.datasourceUid,
        range,
        intervalMs,
        influxql: renderInfluxQL(q.model['query'], range, intervalMs),
      };
    });
}

/** The tag keys of a query's `GROUP BY` (without `time(…)` and `fill(…)`): the labels its series carry. */
export function groupByTags(influxql: string): string[] {
  const m = /\bGROUP\s+BY\s+([\s\S]*?)(?:\bORDER\s+BY\b|\bLIMIT\b|\bSLIMIT\b|\btz\(|$)/i.exec(influxql);
  if (m === null) return [];
  return m[1]!
    .replace(/\bfill\([^)]*\)/gi, '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^time\(/i.test(s))
    .map((s) => s.replace(/^"(.*)"$/, '$1'));
}

// ---------------------------------------------------------------------------------------- evaluation

/** The JSON of InfluxDB's `/query` (what `InfluxInstance.query` returns). */
export interface InfluxQueryJson {
  results: {
    statement_id?: number;
    error?: string;
    series?: { name?: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[];
  }[];
}

/** Runs one InfluxQL statement against the data source's database. */
export type InfluxQueryFn = (influxql: string) => Promise<InfluxQueryJson>;

/** The database a provisioned InfluxDB data source reads (`jsonData.dbName`, else the legacy `database`). */
export function dataSourceDatabase(prov: Provisioning, uid = 'meterline-influxdb'): string {
  const ds = prov.datasources.find((d) => d.uid === uid);
  const db = ds?.jsonData?.['dbName'] ?? ds?.['database'];
  if (typeof db !== 'string' || db === '') throw new Error(`data source ${uid} names no database`);
  return db;
}

/**
 * An {@link InfluxQueryFn} over anything with `query(q, db)`, e.g. the `startInfluxDB()` instance of
 * test/support/influxdb.ts (which throws on HTTP and statement errors: those become Error results).
 */
export function influxQuery(
  influx: { query(q: string, db?: string): Promise<InfluxQueryJson> },
  db: string,
): InfluxQueryFn {
  return (q) => influx.query(q, db);
}

export interface Series {
  name: string;
  labels: Labels;
  /** [epoch ms, value] in time order; null for a null or non-numeric value. */
  points: [number, number | null][];
}

export interface NumberValue {
  labels: Labels;
  value: number | null;
}

export type NodeResult =
  | { kind: 'series'; series: Series[] }
  | { kind: 'numbers'; numbers: NumberValue[] }
  | { kind: 'error'; error: string };

export type EvalState = 'Normal' | 'Alerting' | 'NoData' | 'Error';

/** One result of the condition (before `noDataState` / `execErrState` and `for`). */
export interface EvalResult {
  state: EvalState;
  /** The result's labels: the GROUP BY tags (or `datasource_uid`/`ref_id` for NoData of a query). */
  labels: Labels;
  /** The condition's value (1/0 for threshold and math), null for NoData / Error. */
  value: number | null;
  /** `$values`: every expression's value matched to this result by labels, by refId. */
  values: Record<string, NumberValue>;
  error?: string;
}

export interface RuleEvaluation {
  rule: AlertRule;
  atMs: number;
  queries: RenderedQuery[];
  results: Record<string, NodeResult>;
  condition: EvalResult[];
}

function toMs(t: unknown): number {
  if (typeof t === 'number') return t;
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new Error(`unexpected time value ${JSON.stringify(t)}`);
}

/** InfluxDB series → labelled series, like Grafana's InfluxQL response parser (one per value column). */
export function seriesFromInflux(json: InfluxQueryJson): Series[] {
  const out: Series[] = [];
  for (const result of json.results) {
    if (result.error !== undefined) throw new Error(result.error);
    for (const s of result.series ?? []) {
      const timeIdx = s.columns.indexOf('time');
      s.columns.forEach((col, i) => {
        if (i === timeIdx) return;
        out.push({
          name: `${s.name ?? ''}.${col}`,
          labels: { ...(s.tags ?? {}) },
          points: s.values
            .map((row): [number, number | null] => {
              const v = row[i];
              return [toMs(row[timeIdx]), typeof v === 'number' ? v : null];
            })
            .sort((a, b) => a[0] - b[0]),
        });
      });
    }
  }
  return out;
}

function labelsKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

function labelsEqual(a: Labels, b: Labels): boolean {
  return labelsKey(a) === labelsKey(b);
}

/** Whether `a` holds every label of `b` with the same value. */
function labelsContain(a: Labels, b: Labels): boolean {
  return Object.entries(b).every(([k, v]) => a[k] === v);
}

function reduceSeries(s: Series, reducer: string, settings: Record<string, unknown>): number | null {
  const mode = (settings['mode'] as string | undefined) ?? '';
  let values: (number | null)[] = s.points.map((p) => p[1]);
  const nonNumeric = (v: number | null) => v === null || !Number.isFinite(v);
  if (mode === 'dropNN') values = values.filter((v) => !nonNumeric(v));
  else if (mode === 'replaceNN') {
    const r = Number(settings['replaceWithValue'] ?? 0);
    values = values.map((v) => (nonNumeric(v) ? r : v));
  } else if (mode !== '') throw new Error(`unsupported reduce mode ${mode}`);
  else if (values.some((v) => v === null || Number.isNaN(v))) return NaN;
  const nums = values as number[];
  switch (reducer) {
    case 'last':
      return nums.length === 0 ? NaN : nums[nums.length - 1]!;
    case 'max':
      return nums.length === 0 ? NaN : Math.max(...nums);
    case 'min':
      return nums.length === 0 ? NaN : Math.min(...nums);
    case 'mean':
      return nums.length === 0 ? NaN : nums.reduce((a, b) => a + b, 0) / nums.length;
    case 'sum':
      return nums.reduce((a, b) => a + b, 0);
    case 'count':
      return nums.length;
    default:
      throw new Error(`unsupported reducer ${reducer}`);
  }
}

// ------------------------------------------------------------------------------ math expression (SSE)

type MathValue = { kind: 'scalar'; value: number | null } | { kind: 'numbers'; numbers: NumberValue[] };

type MathNode =
  | { t: 'num'; v: number }
  | { t: 'var'; ref: string }
  | { t: 'un'; op: string; a: MathNode }
  | { t: 'bin'; op: string; a: MathNode; b: MathNode }
  | { t: 'fn'; name: string; args: MathNode[] };

/** Parses a Grafana math expression (`$A > 1 && ${B} < 2`, `abs($A)`, arithmetic, comparisons, `!`). */
export function parseMathExpression(expr: string): MathNode {
  const tokens: string[] = [];
  const re =
    /\s*(\$\{[^}]+\}|\$[A-Za-z0-9_]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|\|\||&&|==|!=|>=|<=|\*\*|[-+*/%<>!(),]|[A-Za-z_]\w*)/y;
  let pos = 0;
  while (pos < expr.length) {
    if (/^\s*$/.test(expr.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (m === null) throw new Error(`math expression ${JSON.stringify(expr)}: unexpected input at ${pos}`);
    tokens.push(m[1]!);
    pos = re.lastIndex;
  }
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const levels = [['||'], ['&&'], ['==', '!=', '>', '>=', '<', '<='], ['+', '-'], ['*', '/', '%'], ['**']];
  const parseLevel = (level: number): MathNode => {
    if (level === levels.length) return parseUnary();
    let left = parseLevel(level + 1);
    while (peek() !== undefined && levels[level]!.includes(peek()!)) {
      const op = next()!;
      left = { t: 'bin', op, a: left, b: parseLevel(level + 1) };
    }
    return left;
  };
  const parseUnary = (): MathNode => {
    const tok = peek();
    if (tok === '-' || tok === '!') {
      next();
      return { t: 'un', op: tok, a: parseUnary() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): MathNode => {
    const tok = next();
    if (tok === undefined) throw new Error(`math expression ${JSON.stringify(expr)}: unexpected end`);
    if (tok === '(') {
      const e = parseLevel(0);
      if (next() !== ')') throw new Error(`math expression ${JSON.stringify(expr)}: missing )`);
      return e;
    }
    if (tok.startsWith('${')) return { t: 'var', ref: tok.slice(2, -1) };
    if (tok.startsWith('$')) return { t: 'var', ref: tok.slice(1) };
    if (/^\d/.test(tok)) return { t: 'num', v: Number(tok) };
    if (/^[A-Za-z_]/.test(tok) && peek() === '(') {
      next();
      const args: MathNode[] = [];
      if (peek() !== ')') {
        args.push(parseLevel(0));
        while (peek() === ',') {
          next();
          args.push(parseLevel(0));
        }
      }
      if (next() !== ')') throw new Error(`math expression ${JSON.stringify(expr)}: missing ) after ${tok}(`);
      return { t: 'fn', name: tok, args };
    }
    throw new Error(`math expression ${JSON.stringify(expr)}: unexpected ${tok}`);
  };
  const tree = parseLevel(0);
  if (i !== tokens.length)
    throw new Error(`math expression ${JSON.stringify(expr)}: unexpected ${tokens[i]}`);
  return tree;
}

/** The refIds a math expression reads. */
export function mathReferences(expr: string): string[] {
  const refs = new Set<string>();
  const walk = (n: MathNode): void => {
    if (n.t === 'var') refs.add(n.ref);
    else if (n.t === 'un') walk(n.a);
    else if (n.t === 'bin') {
      walk(n.a);
      walk(n.b);
    } else if (n.t === 'fn') n.args.forEach(walk);
  };
  walk(parseMathExpression(expr));
  return [...refs];
}

function binaryOp(op: string, a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  switch (op) {
    case '||':
      return a !== 0 || b !== 0 ? 1 : 0;
    case '&&':
      return a !== 0 && b !== 0 ? 1 : 0;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '**':
      return a ** b;
    default:
      throw new Error(`unsupported math operator ${op}`);
  }
}

/** Grafana SSE's union of two number sets: equal labels, or one label set containing the other. */
function unionNumbers(
  a: NumberValue[],
  b: NumberValue[],
): { labels: Labels; a: NumberValue; b: NumberValue }[] {
  const out: { labels: Labels; a: NumberValue; b: NumberValue }[] = [];
  if (a.length === 0 || b.length === 0) return out;
  for (const x of a) {
    for (const y of b) {
      const xl = Object.keys(x.labels).length;
      const yl = Object.keys(y.labels).length;
      let labels: Labels;
      if (labelsEqual(x.labels, y.labels) || xl === 0 || yl === 0) labels = xl === 0 ? y.labels : x.labels;
      else if (xl === yl) continue;
      else if (labelsContain(x.labels, y.labels)) labels = x.labels;
      else if (labelsContain(y.labels, x.labels)) labels = y.labels;
      else continue;
      out.push({ labels, a: x, b: y });
    }
  }
  if (out.length === 0 && a.length === 1 && b.length === 1) out.push({ labels: {}, a: a[0]!, b: b[0]! });
  return out;
}

function evalMath(node: MathNode, vars: Record<string, NodeResult>): MathValue {
  switch (node.t) {
    case 'num':
      return { kind: 'scalar', value: node.v };
    case 'var': {
      const r = vars[node.ref];
      if (r === undefined) throw new Error(`math expression references unknown refId ${node.ref}`);
      if (r.kind !== 'numbers') throw new Error(`math over ${r.kind} of ${node.ref} is not supported here`);
      return { kind: 'numbers', numbers: r.numbers };
    }
    case 'un': {
      const v = evalMath(node.a, vars);
      const f = (x: number | null) => (x === null ? null : node.op === '-' ? -x : x === 0 ? 1 : 0);
      return v.kind === 'scalar'
        ? { kind: 'scalar', value: f(v.value) }
        : { kind: 'numbers', numbers: v.numbers.map((n) => ({ labels: n.labels, value: f(n.value) })) };
    }
    case 'fn': {
      if (node.name !== 'abs' || node.args.length !== 1)
        throw new Error(`unsupported math function ${node.name}`);
      const v = evalMath(node.args[0]!, vars);
      const f = (x: number | null) => (x === null ? null : Math.abs(x));
      return v.kind === 'scalar'
        ? { kind: 'scalar', value: f(v.value) }
        : { kind: 'numbers', numbers: v.numbers.map((n) => ({ labels: n.labels, value: f(n.value) })) };
    }
    case 'bin': {
      const a = evalMath(node.a, vars);
      const b = evalMath(node.b, vars);
      if (a.kind === 'scalar' && b.kind === 'scalar')
        return { kind: 'scalar', value: binaryOp(node.op, a.value, b.value) };
      if (a.kind === 'scalar' && b.kind === 'numbers')
        return {
          kind: 'numbers',
          numbers: b.numbers.map((n) => ({ labels: n.labels, value: binaryOp(node.op, a.value, n.value) })),
        };
      if (a.kind === 'numbers' && b.kind === 'scalar')
        return {
          kind: 'numbers',
          numbers: a.numbers.map((n) => ({ labels: n.labels, value: binaryOp(node.op, n.value, b.value) })),
        };
      const an = (a as { numbers: NumberValue[] }).numbers;
      const bn = (b as { numbers: NumberValue[] }).numbers;
      return {
        kind: 'numbers',
        numbers: unionNumbers(an, bn).map((u) => ({
          labels: u.labels,
          value: binaryOp(node.op, u.a.value, u.b.value),
        })),
      };
    }
  }
}

function thresholdFn(model: Record<string, unknown>): (v: number) => boolean {
  const conditions = model['conditions'] as
    { evaluator?: { type?: string; params?: number[] } }[] | undefined;
  if (conditions === undefined || conditions.length !== 1)
    throw new Error('threshold: exactly one condition is supported');
  const c = conditions[0] as Record<string, unknown>;
  if (c['unloadEvaluator'] !== undefined) throw new Error('threshold: recovery thresholds are not supported');
  const { type, params = [] } = (c['evaluator'] ?? {}) as { type?: string; params?: number[] };
  const [p0, p1] = params;
  switch (type) {
    case 'gt':
      return (v) => v > p0!;
    case 'lt':
      return (v) => v < p0!;
    case 'within_range':
      return (v) => v > p0! && v < p1!;
    case 'outside_range':
      return (v) => v < p0! || v > p1!;
    default:
      throw new Error(`threshold: unsupported evaluator ${String(type)}`);
  }
}

/** The expression refIds a node depends on (for evaluation order and reference checks). */
export function expressionInputs(q: AlertQuery): string[] {
  if (q.datasourceUid !== EXPRESSION_DATASOURCE_UID) return [];
  const type = q.model['type'];
  const expression = String(q.model['expression'] ?? '');
  if (type === 'math') return mathReferences(expression);
  if (type === 'reduce' || type === 'threshold' || type === 'resample')
    return [expression.replace(/^\$/, '')];
  throw new Error(`unsupported expression type ${String(type)} in ${q.refId}`);
}

function evaluateExpression(q: AlertQuery, results: Record<string, NodeResult>): NodeResult {
  const type = q.model['type'];
  const inputs = expressionInputs(q);
  for (const ref of inputs) {
    const r = results[ref];
    if (r === undefined) throw new Error(`${q.refId} references unknown refId ${ref}`);
    if (r.kind === 'error') return { kind: 'error', error: `dependency ${ref} failed: ${r.error}` };
  }
  if (type === 'reduce') {
    const input = results[inputs[0]!]!;
    if (input.kind !== 'series') return input;
    const reducer = String(q.model['reducer']);
    const settings = (q.model['settings'] as Record<string, unknown> | undefined) ?? {};
    return {
      kind: 'numbers',
      numbers: input.series.map((s) => ({ labels: s.labels, value: reduceSeries(s, reducer, settings) })),
    };
  }
  if (type === 'threshold') {
    const input = results[inputs[0]!]!;
    if (input.kind !== 'numbers') throw new Error(`threshold ${q.refId} needs reduced numbers`);
    const f = thresholdFn(q.model);
    return {
      kind: 'numbers',
      numbers: input.numbers.map((n) => ({
        labels: n.labels,
        value: n.value === null ? null : f(n.value) ? 1 : 0,
      })),
    };
  }
  if (type === 'math') {
    const v = evalMath(parseMathExpression(String(q.model['expression'])), results);
    return v.kind === 'scalar' ? { kind: 'numbers', numbers: [{ labels: {}, value: v.value }] } : v;
  }
  throw new Error(`unsupported expression type ${String(type)}`);
}

/** refIds in an order where every expression comes after its inputs. */
function evaluationOrder(rule: AlertRule): AlertQuery[] {
  const byRef = new Map(rule.data.map((q) => [q.refId, q]));
  const done = new Set<string>();
  const order: AlertQuery[] = [];
  const visit = (q: AlertQuery, stack: string[]): void => {
    if (done.has(q.refId)) return;
    if (stack.includes(q.refId))
      throw new Error(`rule ${rule.uid}: cycle ${[...stack, q.refId].join(' → ')}`);
    for (const ref of expressionInputs(q)) {
      const dep = byRef.get(ref);
      if (dep === undefined) throw new Error(`rule ${rule.uid}: ${q.refId} references unknown refId ${ref}`);
      visit(dep, [...stack, q.refId]);
    }
    done.add(q.refId);
    order.push(q);
  };
  rule.data.forEach((q) => visit(q, []));
  return order;
}

/**
 * Evaluates `rule` at `nowMs` like Grafana: runs every data-source query (rendered with its time range),
 * then the expressions, and turns the condition's numbers into results. A data-source query that returns no
 * series makes the whole evaluation NoData (labels `datasource_uid`, `ref_id`), as in Grafana.
 */
export async function evaluateRule(
  rule: AlertRule,
  opts: { nowMs: number; query: InfluxQueryFn },
): Promise<RuleEvaluation> {
  const queries = renderRuleQueries(rule, opts.nowMs);
  const results: Record<string, NodeResult> = {};
  await Promise.all(
    queries.map(async (q) => {
      try {
        results[q.refId] = { kind: 'series', series: seriesFromInflux(await opts.query(q.influxql)) };
      } catch (e) {
        results[q.refId] = { kind: 'error', error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
  for (const q of evaluationOrder(rule)) {
    if (q.datasourceUid === EXPRESSION_DATASOURCE_UID) results[q.refId] = evaluateExpression(q, results);
  }
  const evaluation: RuleEvaluation = { rule, atMs: opts.nowMs, queries, results, condition: [] };
  const cond = results[rule.condition];
  if (cond === undefined) throw new Error(`rule ${rule.uid}: condition ${rule.condition} is not a refId`);
  if (cond.kind === 'error') {
    evaluation.condition = [{ state: 'Error', labels: {}, value: null, values: {}, error: cond.error }];
    return evaluation;
  }
  const noData = queries.filter((q) => {
    const r = results[q.refId]!;
    return r.kind === 'series' && r.series.length === 0;
  });
  if (noData.length > 0) {
    const byDs = new Map<string, string[]>();
    for (const q of noData) byDs.set(q.datasourceUid, [...(byDs.get(q.datasourceUid) ?? []), q.refId].sort());
    evaluation.condition = [...byDs].map(([uid, refs]) => ({
      state: 'NoData',
      labels: { datasource_uid: uid, ref_id: refs.join(',') },
      value: null,
      values: {},
    }));
    return evaluation;
  }
  if (cond.kind !== 'numbers') {
    evaluation.condition = [
      { state: 'Error', labels: {}, value: null, values: {}, error: 'only reduced data can be alerted on' },
    ];
    return evaluation;
  }
  if (cond.numbers.length === 0) {
    evaluation.condition = [{ state: 'NoData', labels: {}, value: null, values: {} }];
    return evaluation;
  }
  const seen = new Set<string>();
  for (const n of cond.numbers) {
    const key = labelsKey(n.labels);
    if (seen.has(key)) {
      evaluation.condition = [
        { state: 'Error', labels: n.labels, value: null, values: {}, error: `duplicate results ${key}` },
      ];
      return evaluation;
    }
    seen.add(key);
    evaluation.condition.push({
      state: n.value === null ? 'NoData' : n.value === 0 ? 'Normal' : 'Alerting',
      labels: n.labels,
      value: n.value,
      values: capturedValues(rule, results, n.labels),
    });
  }
  return evaluation;
}

/** `$values` of a result: each expression's number whose labels equal (else contain or are contained in) its labels. */
function capturedValues(
  rule: AlertRule,
  results: Record<string, NodeResult>,
  labels: Labels,
): Record<string, NumberValue> {
  const out: Record<string, NumberValue> = {};
  for (const q of rule.data) {
    const r = results[q.refId];
    if (q.datasourceUid !== EXPRESSION_DATASOURCE_UID || r === undefined || r.kind !== 'numbers') continue;
    const exact = r.numbers.find((n) => labelsEqual(n.labels, labels));
    const loose = r.numbers.filter((n) => labelsContain(labels, n.labels) || labelsContain(n.labels, labels));
    const pick = exact ?? loose[loose.length - 1];
    if (pick !== undefined) out[q.refId] = pick;
  }
  return out;
}

// ------------------------------------------------------------------------------------------ templates

export interface TemplateData {
  labels: Labels;
  values: Record<string, NumberValue>;
  externalUrl: string;
}

type TemplateValue = string | number | undefined;

function goFormatG(x: number, precision: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return '0';
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  const [mantissa, expText] = x.toExponential(precision - 1).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= precision)
    return `${trim(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return trim(x.toFixed(Math.max(0, precision - 1 - exp)));
}

/** Go's `%v` of a float64 (strconv 'g' with the shortest digits: exponent below 1e-4 and from 1e6). */
function goFormatShortest(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return '0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6)
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

function goPrintf(format: string, args: TemplateValue[]): string {
  let argIdx = 0;
  return format.replace(
    /%([-+# 0]*)(\d+)?(?:\.(\d+))?([%sdvfgeq])/g,
    (_m, _flags, _width, prec, verb: string) => {
      if (verb === '%') return '%';
      const a = args[argIdx++];
      if (a === undefined) return `%!${verb}(MISSING)`;
      const num = typeof a === 'number' ? a : Number(a);
      switch (verb) {
        case 's':
          return typeof a === 'number' ? `%!s(float64=${goFormatShortest(a)})` : String(a);
        case 'v':
          return typeof a === 'number' ? goFormatShortest(a) : String(a);
        case 'q':
          return JSON.stringify(String(a));
        case 'd':
          return Number.isInteger(num) ? String(num) : `%!d(float64=${num})`;
        case 'f':
          if (!Number.isFinite(num)) return Number.isNaN(num) ? 'NaN' : num > 0 ? '+Inf' : '-Inf';
          return num.toFixed(prec === undefined ? 6 : Number(prec));
        case 'g':
          return goFormatG(num, prec === undefined ? 17 : Number(prec));
        case 'e':
          return num.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([-+])(\d)$/, 'e$10$2');
        default:
          throw new Error(`printf verb %${verb} is not supported`);
      }
    },
  );
}

/** Prometheus' `humanizeDuration` (seconds → `1d 2h 3m 4s`, sub-second with SI prefixes). */
export function humanizeDuration(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return goFormatG(v, 4);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const d = Math.trunc(Math.abs(v));
    const seconds = d % 60;
    const minutes = Math.floor(d / 60) % 60;
    const hours = Math.floor(d / 3600) % 24;
    const days = Math.floor(d / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goFormatG(Math.abs(v), 4)}s`;
  }
  let prefix = '';
  let x = v;
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(x) >= 1) break;
    prefix = p;
    x *= 1000;
  }
  return `${goFormatG(x, 4)}${prefix}s`;
}

const TEMPLATE_FUNCTIONS: Record<string, (data: TemplateData, args: TemplateValue[]) => TemplateValue> = {
  or: (_d, args) => args.find((a) => a !== undefined && a !== '' && a !== 0) ?? args[args.length - 1],
  printf: (_d, [format, ...args]) => goPrintf(String(format), args),
  humanizePercentage: (_d, [v]) => `${goFormatG(Number(v) * 100, 4)}%`,
  humanizeDuration: (_d, [v]) => humanizeDuration(Number(v)),
  toUpper: (_d, [v]) => String(v ?? '').toUpperCase(),
  toLower: (_d, [v]) => String(v ?? '').toLowerCase(),
  reReplaceAll: (_d, [pattern, repl, text]) =>
    String(text ?? '').replace(new RegExp(String(pattern), 'g'), String(repl)),
  externalURL: (d) => d.externalUrl,
};

/** Functions a template may call without arguments (also usable as an argument, like Go's niladic functions). */
const NILADIC = new Set(['externalURL']);

function tokenizeAction(action: string): string[] {
  const tokens: string[] = [];
  const re =
    /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|-?\d+(?:\.\d+)?|\$[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*|[A-Za-z_]\w*|\|)/y;
  let pos = 0;
  while (pos < action.length) {
    if (/^\s*$/.test(action.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(action);
    if (m === null)
      throw new Error(
        `template action {{${action}}}: unsupported syntax at ${JSON.stringify(action.slice(pos))}`,
      );
    tokens.push(m[1]!);
    pos = re.lastIndex;
  }
  return tokens;
}

function evalOperand(token: string, data: TemplateData): TemplateValue {
  if (token.startsWith('"')) return JSON.parse(token) as string;
  if (token.startsWith('`')) return token.slice(1, -1);
  if (/^-?\d/.test(token)) return Number(token);
  if (token.startsWith('$')) {
    const [root, ...path] = token.slice(1).split('.');
    if (root === 'labels') {
      if (path.length !== 1) throw new Error(`template: ${token}: use $labels.<name>`);
      return data.labels[path[0]!];
    }
    if (root === 'values') {
      if (path.length !== 2 || (path[1] !== 'Value' && path[1] !== 'Labels'))
        throw new Error(`template: ${token}: use $values.<refId>.Value`);
      const v = data.values[path[0]!];
      if (v === undefined)
        throw new Error(`template: ${token}: no value for refId ${path[0]} (nil pointer in Go)`);
      return path[1] === 'Value' ? (v.value === null ? NaN : v.value) : labelsKey(v.labels);
    }
    throw new Error(`template: variable ${token} is not supported`);
  }
  if (NILADIC.has(token)) return TEMPLATE_FUNCTIONS[token]!(data, []);
  throw new Error(`template: unexpected ${token}`);
}

function evalCommand(tokens: string[], data: TemplateData, piped?: TemplateValue[]): TemplateValue {
  const [head, ...rest] = tokens;
  if (head === undefined) throw new Error('template: empty command');
  const fn = TEMPLATE_FUNCTIONS[head];
  if (fn !== undefined && !head.startsWith('$')) {
    const args = rest.map((t) => evalOperand(t, data));
    return fn(data, piped === undefined ? args : [...args, ...piped]);
  }
  if (/^[A-Za-z_]/.test(head)) throw new Error(`template: function ${head} is not supported`);
  if (rest.length > 0 || piped !== undefined)
    throw new Error(`template: ${tokens.join(' ')}: not a function call`);
  return evalOperand(head, data);
}

function printValue(v: TemplateValue): string {
  if (v === undefined) return '<no value>';
  if (typeof v === 'number') return goFormatShortest(v);
  return v;
}

/**
 * Renders an alert rule label or annotation template with the Go-template subset the Meterline rules use:
 * text, `{{ $labels.x }}`, `{{ $values.X.Value }}`, calls of {@link TEMPLATE_FUNCTIONS} with literal,
 * variable or niladic-function arguments, pipes (`{{ $values.B.Value | printf "%.2f" }}`), `{{-`/`-}}`.
 * Throws on anything else (control structures, unknown functions, a `$values` refId without a value).
 */
export function renderTemplate(template: string, data: TemplateData): string {
  let out = '';
  let pos = 0;
  while (pos < template.length) {
    const open = template.indexOf('{{', pos);
    if (open === -1) {
      out += template.slice(pos);
      break;
    }
    let text = template.slice(pos, open);
    const close = template.indexOf('}}', open);
    if (close === -1) throw new Error(`template ${JSON.stringify(template)}: unclosed {{`);
    let action = template.slice(open + 2, close);
    if (action.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    let trimNext = false;
    if (action.endsWith('-')) {
      trimNext = true;
      action = action.slice(0, -1);
    }
    out += text;
    const stages: string[][] = [[]];
    for (const t of tokenizeAction(action)) {
      if (t === '|') stages.push([]);
      else stages[stages.length - 1]!.push(t);
    }
    let value: TemplateValue = evalCommand(stages[0]!, data);
    for (const stage of stages.slice(1)) value = evalCommand(stage, data, [value]);
    out += printValue(value);
    pos = close + 2;
    if (trimNext) while (pos < template.length && /\s/.test(template[pos]!)) pos++;
  }
  return out;
}

/** The `$labels.<name>` and `$values.<refId>` a template refers to. */
export function templateReferences(template: string): { labels: string[]; values: string[] } {
  return {
    labels: [...new Set([...template.matchAll(/\$labels\.([A-Za-z_]\w*)/g)].map((m) => m[1]!))],
    values: [...new Set([...template.matchAll(/\$values\.([A-Za-z_]\w*)/g)].map((m) => m[1]!))],
  };
}

// -------------------------------------------------------------------------------------- alert states

export type AlertState = 'Normal' | 'Pending' | 'Alerting' | 'NoData' | 'Error';

export interface AlertInstance {
  /** State after `noDataState` / `execErrState` (and, in {@link simulateRule}, `for`). */
  state: AlertState;
  /** What the evaluation itself said. */
  evalState: EvalState;
  /** Final labels: `alertname`, `grafana_folder`, rule labels (templated, winning), result labels. */
  labels: Labels;
  annotations: Record<string, string>;
  value: number | null;
  values: Record<string, NumberValue>;
  /** When the current state began (evaluation time, ms). */
  since: number;
  error?: string;
}

export interface InstanceOptions {
  /** Environment for the rule's labels (Grafana interpolates them at provisioning); default process.env. */
  env?: Env;
  /** Grafana's root URL (`externalURL` in templates). */
  externalUrl?: string;
  /** The folder title (`grafana_folder` label); default the rule's group folder when known. */
  folder?: string;
}

/** The state an evaluation result maps to under the rule's `noDataState` / `execErrState`. */
function mappedState(rule: AlertRule, r: EvalResult): 'Normal' | 'Alerting' | 'NoData' | 'Error' {
  if (r.state === 'NoData') {
    const s = rule.noDataState ?? 'NoData';
    if (s === 'Alerting') return 'Alerting';
    if (s === 'OK') return 'Normal';
    if (s === 'NoData') return 'NoData';
    throw new Error(`rule ${rule.uid}: unsupported noDataState ${s}`);
  }
  if (r.state === 'Error') {
    const s = rule.execErrState ?? 'Alerting';
    if (s === 'Alerting') return 'Alerting';
    if (s === 'OK') return 'Normal';
    if (s === 'Error') return 'Error';
    throw new Error(`rule ${rule.uid}: unsupported execErrState ${s}`);
  }
  return r.state;
}

/**
 * The alert instances of one evaluation, as Grafana's state manager builds them (without the memory of
 * `for`: an Alerting result is `Alerting` here; use {@link simulateRule} for Pending).
 */
export function alertInstances(evaluation: RuleEvaluation, opts: InstanceOptions = {}): AlertInstance[] {
  const stored = provisionedForm(evaluation.rule, opts.env);
  const folder = opts.folder ?? (evaluation.rule as Partial<ProvisionedRule>).group?.folder ?? '';
  return evaluation.condition.map((r) => {
    const state = mappedState(evaluation.rule, r);
    const extra: Labels = { alertname: stored.title, grafana_folder: folder };
    if (r.state === 'NoData' && state === 'NoData') extra['alertname'] = 'DatasourceNoData';
    if (r.state === 'Error' && state === 'Error') extra['alertname'] = 'DatasourceError';
    // Templates see the extra labels and the result's labels (never the rule's own labels).
    const templateLabels: Labels = { ...r.labels, ...extra };
    const data: TemplateData = {
      labels: templateLabels,
      values: r.values,
      externalUrl: opts.externalUrl ?? 'http://grafana:3000/',
    };
    const ruleLabels: Labels = {};
    for (const [k, v] of Object.entries(stored.labels ?? {})) ruleLabels[k] = renderTemplate(v, data);
    const annotations: Record<string, string> = {};
    const canRender = r.state === 'Normal' || r.state === 'Alerting';
    for (const [k, v] of Object.entries(stored.annotations ?? {}))
      annotations[k] = canRender ? renderTemplate(v, data) : v;
    return {
      state,
      evalState: r.state,
      labels: { ...r.labels, ...ruleLabels, ...extra },
      annotations,
      value: r.value,
      values: r.values,
      since: evaluation.atMs,
      ...(r.error !== undefined ? { error: r.error } : {}),
    };
  });
}

/** {@link evaluateRule} then {@link alertInstances}: the alert instances of `rule` at `nowMs`. */
export async function evaluateAlerts(
  rule: AlertRule,
  opts: InstanceOptions & { nowMs: number; query: InfluxQueryFn },
): Promise<AlertInstance[]> {
  return alertInstances(await evaluateRule(rule, opts), opts);
}

export interface SimulationStep {
  atMs: number;
  instances: AlertInstance[];
}

/**
 * Evaluates `rule` at each of `times` (ascending) and applies `for` like Grafana: an instance that starts
 * alerting is Pending, and becomes Alerting at the first evaluation at least `for` after it became Pending;
 * any non-alerting result resets it. Instances absent from an evaluation are dropped (resolved).
 */
export async function simulateRule(
  rule: AlertRule,
  opts: InstanceOptions & { times: readonly number[]; query: InfluxQueryFn },
): Promise<SimulationStep[]> {
  const forMs = parseDuration(rule.for);
  let previous = new Map<string, AlertInstance>();
  const steps: SimulationStep[] = [];
  for (const atMs of opts.times) {
    const current = new Map<string, AlertInstance>();
    for (const inst of alertInstances(await evaluateRule(rule, { nowMs: atMs, query: opts.query }), opts)) {
      const key = labelsKey(inst.labels);
      const prev = previous.get(key);
      let state: AlertState = inst.state;
      let since = atMs;
      if (inst.state === 'Alerting') {
        if (prev?.state === 'Alerting') {
          since = prev.since;
        } else if (forMs > 0) {
          if (prev?.state === 'Pending' && atMs - prev.since >= forMs) state = 'Alerting';
          else {
            state = 'Pending';
            since = prev?.state === 'Pending' ? prev.since : atMs;
          }
        }
      } else if (prev?.state === inst.state) since = prev.since;
      current.set(key, { ...inst, state, since });
    }
    previous = current;
    steps.push({ atMs, instances: [...current.values()] });
  }
  return steps;
}

/** Evaluation times from `fromMs` to `toMs` (inclusive) every `stepMs` (e.g. the group's interval). */
export function evaluationTimes(fromMs: number, toMs: number, stepMs: number): number[] {
  const out: number[] = [];
  for (let t = fromMs; t <= toMs; t += stepMs) out.push(t);
  return out;
}

// ------------------------------------------------------------------------------------------- routing

export interface RouteMatch {
  receiver: string;
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  /** Matchers of the nodes from the root down to the matching policy. */
  path: string[];
}

type Matcher = { name: string; op: string; value: string };

function routeMatchers(route: PolicyRoute): Matcher[] {
  const out: Matcher[] = [];
  for (const [name, op, value] of route.object_matchers ?? []) out.push({ name, op, value });
  for (const m of route.matchers ?? []) {
    const mm = /^\s*([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(m);
    if (mm === null) throw new Error(`unparseable matcher ${JSON.stringify(m)}`);
    out.push({ name: mm[1]!, op: mm[2]!, value: mm[3]! });
  }
  for (const [name, value] of Object.entries(route.match ?? {})) out.push({ name, op: '=', value });
  for (const [name, value] of Object.entries(route.match_re ?? {})) out.push({ name, op: '=~', value });
  return out;
}

function matcherMatches(m: Matcher, labels: Labels): boolean {
  const v = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(v);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(v);
    default:
      throw new Error(`unsupported matcher operator ${m.op}`);
  }
}

/**
 * Where the notification policy tree (Alertmanager semantics) sends an alert with `labels`: depth-first,
 * the first matching child policy (more with `continue: true`), else the policy itself; settings inherit.
 */
export function routeAlert(root: PolicyRoute, labels: Labels): RouteMatch[] {
  const walk = (route: PolicyRoute, inherited: RouteMatch): RouteMatch[] => {
    const here: RouteMatch = {
      receiver: route.receiver ?? inherited.receiver,
      groupBy: route.group_by ?? inherited.groupBy,
      groupWaitMs: route.group_wait !== undefined ? parseDuration(route.group_wait) : inherited.groupWaitMs,
      groupIntervalMs:
        route.group_interval !== undefined ? parseDuration(route.group_interval) : inherited.groupIntervalMs,
      repeatIntervalMs:
        route.repeat_interval !== undefined
          ? parseDuration(route.repeat_interval)
          : inherited.repeatIntervalMs,
      path: [
        ...inherited.path,
        routeMatchers(route)
          .map((m) => `${m.name}${m.op}${m.value}`)
          .join(',') || '(root)',
      ],
    };
    const matches: RouteMatch[] = [];
    for (const child of route.routes ?? []) {
      if (!routeMatchers(child).every((m) => matcherMatches(m, labels))) continue;
      matches.push(...walk(child, here));
      if (child.continue !== true) break;
    }
    return matches.length > 0 ? matches : [here];
  };
  // Alertmanager's defaults for what the root leaves unset.
  return walk(root, {
    receiver: '',
    groupBy: [],
    groupWaitMs: 30_000,
    groupIntervalMs: 300_000,
    repeatIntervalMs: 14_400_000,
    path: [],
  });
}

/** Every receiver name a policy tree references. */
export function policyReceivers(root: PolicyRoute): string[] {
  const out: string[] = [];
  const walk = (r: PolicyRoute): void => {
    if (r.receiver !== undefined) out.push(r.receiver);
    (r.routes ?? []).forEach(walk);
  };
  walk(root);
  return out;
}

/** The runbook file a `runbook_url` points at (`…/docs/runbooks/<file>.md` → absolute path), or undefined. */
export function runbookPath(url: string): string | undefined {
  const m = /\/docs\/runbooks\/([A-Za-z0-9._-]+\.md)$/.exec(url);
  return m === null ? undefined : join(RUNBOOK_DIR, m[1]!);
}
