/**
 * Evaluation harness of the anomaly detector:
 *
 *   npm run eval:anomaly -- --data DIR --out DIR [--labels FILE] [--threshold 0.9] [--params JSON]
 *
 * Runs a fresh `AnomalyDetector` (one parameter set for all files) over every `*.csv` under `--data`
 * (header with `timestamp` and `value` columns; timestamps ISO 8601 — with or without zone, `T` or space —
 * or epoch milliseconds) and writes, mirroring the folder tree under `--out`, one `timestamp,value,
 * anomaly_score` CSV per input (the Numenta Anomaly Benchmark's detector-result format): one output row per
 * input row, in the same order, the timestamp and value echoed as they were written, even where timestamps
 * repeat or go backwards (those rows are scored but not learned from). A row that cannot be read is reported
 * on stderr with its file and line, scored 0, and the run goes on.
 *
 * With `--labels` (NAB `combined_windows.json`: `{ "rel/path.csv": [["start", "end"], …] }`, paths relative
 * to `--data`, inclusive windows) it also prints and writes `summary.json` to `--out`: per file and overall,
 * precision (flagged points inside windows / flagged points), recall (windows with a flagged point / windows),
 * detection delays (first flagged point inside a window minus its start), false-positive rate and alarms,
 * at the threshold given (default: the detector's `threshold` parameter, 0.9).
 *
 * Exit status: 0 all rows read; 3 some rows or files could not be read (the rest was scored); 2 usage or
 * label errors; 1 unexpected failure.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import {
  AnomalyDetector,
  DEFAULT_ANOMALY_PARAMS,
  parseIsoTime,
  type AnomalyParams,
} from '@meterline/cost-model';
import {
  combineEvaluations,
  delayStats,
  evaluateSeries,
  type Evaluation,
  type LabelWindow,
} from '../cost-model/src/anomaly/evaluate';

const USAGE = `usage: npm run eval:anomaly -- --data DIR --out DIR [--labels FILE] [--threshold SCORE] [--params JSON]

  --data DIR        folder of timestamp,value CSV files (searched recursively)
  --out DIR         where timestamp,value,anomaly_score CSVs are written (same tree), and summary.json
  --labels FILE     NAB combined_windows.json: { "rel/path.csv": [["start", "end"], ...] }
  --threshold SCORE score from which a point counts as flagged (default ${DEFAULT_ANOMALY_PARAMS.threshold})
  --params JSON     detector parameters overriding the defaults, e.g. '{"levelShiftAdaptMs": 3600000}'
`;

/** Where the harness writes its messages (the tests capture them). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

class UsageError extends Error {}

interface Options {
  data: string;
  out: string;
  labels?: string;
  threshold: number;
  params: Partial<AnomalyParams>;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Partial<Options> & { params: Partial<AnomalyParams> } = { params: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--data':
        o.data = value();
        break;
      case '--out':
        o.out = value();
        break;
      case '--labels':
        o.labels = value();
        break;
      case '--threshold': {
        const text = value();
        const t = Number(text);
        if (!(t > 0 && t <= 1)) throw new UsageError(`--threshold must be a score in (0, 1], got "${text}"`);
        o.threshold = t;
        break;
      }
      case '--params': {
        const text = value();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new UsageError(`--params is not JSON: ${(err as Error).message}`);
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new UsageError('--params must be a JSON object of detector parameters');
        }
        o.params = parsed as Partial<AnomalyParams>;
        break;
      }
      default:
        throw new UsageError(`unknown argument "${flag}"`);
    }
  }
  if (o.data === undefined || o.out === undefined) throw new UsageError('--data and --out are required');
  return {
    data: o.data,
    out: o.out,
    labels: o.labels,
    threshold: o.threshold ?? DEFAULT_ANOMALY_PARAMS.threshold,
    params: o.params,
  };
}

/** The CSV files under a folder, as sorted paths relative to it with `/` separators; `skip` is not entered. */
export function findCsvFiles(root: string, skip?: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const full = join(dir, name);
      if (skip !== undefined && resolve(full) === resolve(skip)) continue;
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile() && name.toLowerCase().endsWith('.csv'))
        found.push(relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  return found;
}

/** Splits one CSV line into fields (RFC 4180 quotes, `""` inside quotes); undefined if a quote is unclosed. */
export function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return undefined;
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(field);
      if (i >= line.length) return fields;
      if (line[i] !== ',') return undefined;
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** A CSV field as written: quoted only if it must be. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const EPOCH_MS = /^-?\d+(?:\.\d+)?$/;

/** A timestamp cell: epoch milliseconds (digits) or ISO 8601 (no zone = UTC); undefined if neither. */
export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (EPOCH_MS.test(t)) return Number(t);
  return parseIsoTime(t);
}

/** The scored form of one input file. */
export interface ScoredFile {
  /** The output CSV text (`timestamp,value,anomaly_score`). */
  csv: string;
  /** Per input row (file order): its timestamp (NaN for a bad row) and its score (0 for a bad row). */
  timestamps: number[];
  scores: number[];
  /** `file:line: message` for each row that could not be read. */
  errors: string[];
  /** Set when the whole file could not be read (no header): nothing is written for it. */
  fatal?: string;
}

/** Scores one CSV text with a fresh detector. `name` labels error messages (the path relative to --data). */
export function scoreCsv(text: string, name: string, params: Partial<AnomalyParams>): ScoredFile {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const header = splitCsvLine((lines[0] ?? '').replace(/\r$/, ''))?.map((h) => h.trim().toLowerCase());
  const tsCol = header?.indexOf('timestamp') ?? -1;
  const valueCol = header?.indexOf('value') ?? -1;
  const result: ScoredFile = { csv: '', timestamps: [], scores: [], errors: [] };
  if (header === undefined || tsCol < 0 || valueCol < 0) {
    result.fatal = `${name}:1: the header must name a "timestamp" and a "value" column, got "${lines[0] ?? ''}"`;
    return result;
  }
  const detector = new AnomalyDetector(params);
  let out = 'timestamp,value,anomaly_score\n';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue; // not a row
    const fields = splitCsvLine(line);
    const tsText = fields?.[tsCol];
    const valueText = fields?.[valueCol];
    let problem: string | undefined;
    let t = NaN;
    let v = NaN;
    if (fields === undefined) problem = 'unbalanced quotes';
    else if (tsText === undefined || valueText === undefined) {
      problem = `${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${header.length}`;
    } else {
      const parsed = parseTimestamp(tsText);
      v = valueText.trim() === '' ? NaN : Number(valueText.trim());
      if (parsed === undefined) {
        problem = `bad timestamp "${tsText}" (expected ISO 8601 or epoch milliseconds)`;
      } else if (!Number.isFinite(v)) {
        problem = `bad value "${valueText}" (expected a number)`;
      } else {
        t = parsed;
      }
    }
    let score = 0;
    if (problem !== undefined) {
      result.errors.push(`${name}:${i + 1}: ${problem}; scored 0`);
      t = NaN;
    } else {
      score = detector.update(t, v).score;
    }
    result.timestamps.push(t);
    result.scores.push(score);
    // Echo each cell under its own column (a row that cannot be split at all goes whole into the first).
    const rawTs = fields === undefined ? line : (tsText ?? '');
    const rawValue = valueText ?? '';
    out += `${csvField(rawTs)},${csvField(rawValue)},${score}\n`;
  }
  result.csv = out;
  return result;
}

/** Reads `combined_windows.json`; throws a UsageError naming the key of anything malformed. */
export function readLabels(file: string): Map<string, LabelWindow[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read labels ${file}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${file}: expected an object { "rel/path.csv": [["start", "end"], ...] }`);
  }
  const labels = new Map<string, LabelWindow[]>();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!Array.isArray(value)) throw new UsageError(`${file}: "${key}" must be a list of [start, end] pairs`);
    const windows = value.map((pair: unknown, i): LabelWindow => {
      const where = `${file}: "${key}" window ${i + 1}`;
      if (
        !Array.isArray(pair) ||
        pair.length !== 2 ||
        typeof pair[0] !== 'string' ||
        typeof pair[1] !== 'string'
      ) {
        throw new UsageError(`${where} must be ["start", "end"]`);
      }
      const [startMs, endMs] = [parseTimestamp(pair[0]), parseTimestamp(pair[1])];
      if (startMs === undefined || endMs === undefined)
        throw new UsageError(`${where}: bad timestamp in ${JSON.stringify(pair)}`);
      if (endMs < startMs) throw new UsageError(`${where} ends before it starts`);
      return { startMs, endMs };
    });
    labels.set(key.split('\\').join('/'), windows);
  }
  return labels;
}

/** The JSON form of an evaluation. */
function evaluationJson(e: Evaluation, windows?: readonly LabelWindow[]): Record<string, unknown> {
  const stats = delayStats(e.delaysMs);
  return {
    points: e.points,
    windows: e.windows,
    flagged: e.flagged,
    flagged_in_windows: e.flaggedInWindows,
    false_positives: e.falsePositives,
    precision: e.precision,
    recall: e.recall,
    false_positive_rate: e.falsePositiveRate,
    alarms: e.alarms,
    true_alarms: e.trueAlarms,
    alarm_precision: e.alarmPrecision,
    delay_ms: { mean: stats.mean, median: stats.median, max: stats.max },
    ...(windows === undefined
      ? {}
      : {
          window_delays: windows.map((w, i) => ({
            start: new Date(w.startMs).toISOString(),
            end: new Date(w.endMs).toISOString(),
            delay_ms: e.delaysMs[i] ?? null,
          })),
        }),
  };
}

const pct = (x: number | null, digits = 1) => (x === null ? '—' : `${(x * 100).toFixed(digits)}%`);

/** A delay for the table: minutes below 2 h, else hours. */
export function formatDelay(ms: number | null): string {
  if (ms === null) return 'missed';
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Runs the harness; returns the exit status. */
export function main(argv: readonly string[], io: Io = processIo): number {
  let options: Options;
  let labels: Map<string, LabelWindow[]> | undefined;
  try {
    options = parseArgs(argv);
    new AnomalyDetector(options.params); // validates the parameters once, before any file
    labels = options.labels === undefined ? undefined : readLabels(options.labels);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RangeError) {
      io.err(`eval-anomaly: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (!statSync(options.data, { throwIfNoEntry: false })?.isDirectory()) {
    io.err(`eval-anomaly: --data ${options.data} is not a folder\n`);
    return 2;
  }
  const files = findCsvFiles(options.data, options.out);
  let badRows = 0;
  let badFiles = 0;
  let rows = 0;
  const evaluated: { name: string; evaluation: Evaluation; windows: LabelWindow[] }[] = [];
  const unlabelled: string[] = [];
  for (const name of files) {
    const scored = scoreCsv(readFileSync(join(options.data, name), 'utf8'), name, options.params);
    if (scored.fatal !== undefined) {
      io.err(`${scored.fatal}; file skipped\n`);
      badFiles++;
      continue;
    }
    for (const e of scored.errors) io.err(`${e}\n`);
    badRows += scored.errors.length;
    rows += scored.scores.length;
    const target = join(options.out, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, scored.csv);
    if (labels === undefined) continue;
    const windows = labels.get(name);
    if (windows === undefined) {
      unlabelled.push(name);
      continue;
    }
    evaluated.push({
      name,
      evaluation: evaluateSeries(scored.timestamps, scored.scores, windows, options.threshold),
      windows,
    });
  }
  io.out(`scored ${files.length - badFiles} file(s), ${rows} row(s) → ${options.out}\n`);
  if (labels !== undefined) {
    const missing = [...labels.keys()].filter((k) => !files.includes(k));
    for (const m of missing) io.err(`eval-anomaly: labelled file ${m} not found under ${options.data}\n`);
    for (const u of unlabelled) io.err(`eval-anomaly: ${u} has no labels entry: left out of the summary\n`);
    const overall = combineEvaluations(evaluated.map((e) => e.evaluation));
    const summary = {
      threshold: options.threshold,
      params: { ...DEFAULT_ANOMALY_PARAMS, ...options.params },
      definitions: {
        precision: 'flagged points inside a window / flagged points',
        recall: 'windows with at least one flagged point / windows',
        delay: 'first flagged timestamp inside a window minus the window start',
        false_positive_rate: 'flagged points outside every window / points outside every window',
        alarm: 'a maximal run of consecutive flagged rows; a true alarm starts inside a window',
      },
      overall: evaluationJson(overall),
      files: Object.fromEntries(evaluated.map((e) => [e.name, evaluationJson(e.evaluation, e.windows)])),
      unlabelled_files: unlabelled,
      missing_files: missing,
      bad_rows: badRows,
    };
    writeFileSync(join(options.out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    io.out(table(evaluated, overall, options.threshold));
    io.out(`-> ${join(options.out, 'summary.json')}\n`);
  }
  if (badRows > 0 || badFiles > 0) {
    io.err(`eval-anomaly: ${badRows} row(s) and ${badFiles} file(s) could not be read (see above)\n`);
    return 3;
  }
  return 0;
}

function table(
  evaluated: readonly { name: string; evaluation: Evaluation }[],
  overall: Evaluation,
  threshold: number,
): string {
  const rows = [...evaluated.map((e) => [e.name, e.evaluation] as const), ['overall', overall] as const];
  const width = Math.max(...rows.map(([name]) => name.length), 4);
  let text = `\nthreshold ${threshold}\n${'file'.padEnd(width)}  precision  recall  FP rate  alarms (true)  delays\n`;
  for (const [name, e] of rows) {
    const delays = name === 'overall' ? medianMax(e) : e.delaysMs.map(formatDelay).join(', ') || '—';
    text +=
      `${name.padEnd(width)}  ${pct(e.precision).padStart(9)}  ${pct(e.recall, 0).padStart(6)}  ` +
      `${pct(e.falsePositiveRate, 3).padStart(7)}  ${`${e.alarms} (${e.trueAlarms})`.padStart(13)}  ${delays}\n`;
  }
  return text;
}

function medianMax(e: Evaluation): string {
  const s = delayStats(e.delaysMs);
  return `median ${formatDelay(s.median)}, max ${formatDelay(s.max)}, ${e.detected}/${e.windows} detected`;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(
      `eval-anomaly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
