/**
 * What `meterline reconcile` and `meterline report` share as commands: where they print, how they load the
 * configuration, and how they parse dates, each error naming the option and the value.
 *
 * @packageDocumentation
 */
import type { InfluxConfig, MeterlineConfig } from '@meterline/cost-model';
import { ConfigFileError, loadConfig } from '../config/load';

/** Where a command prints (tests pass their own). */
export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The process's own streams. */
export const PROCESS_IO: CommandIo = { stdout: process.stdout, stderr: process.stderr };

/** The config file used when `--config` is not given: `meterline.yaml` in the working directory. */
export const DEFAULT_CONFIG_FILE = 'meterline.yaml';

/** A usage error: the command prints it with its help hint and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Loads the config and its `influx` section.
 *
 * @throws ConfigFileError (unreadable or invalid file, every issue with its line) or UsageError (no `influx`).
 */
export function loadCommandConfig(file: string | undefined): {
  file: string;
  config: MeterlineConfig;
  influx: InfluxConfig;
} {
  const path = file ?? DEFAULT_CONFIG_FILE;
  const config = loadConfig(path);
  if (config.influx === undefined) {
    throw new UsageError(
      `${path}: no influx section: set influx.url and influx.database (or org/bucket/token)`,
    );
  }
  return { file: path, config, influx: config.influx };
}

/**
 * A URL fit to print or record: user info (`user:password@`), query (InfluxDB 1.x takes `?u=&p=`) and
 * fragment removed.
 */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses `YYYY-MM-DD` as the start of that UTC day (epoch ms).
 *
 * @throws UsageError `--from: expected YYYY-MM-DD, got "2024-02-30"`.
 */
export function parseUtcDate(option: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(`${option} DATE is required (YYYY-MM-DD)`);
  const m = DATE.exec(text);
  const t = m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (m === null || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== text) {
    throw new UsageError(`${option}: expected YYYY-MM-DD, got ${JSON.stringify(text)}`);
  }
  return t;
}

/**
 * Runs a command body, turning the errors a user can fix into exit 2 with a message on stderr: usage errors
 * (with a pointer to `--help`) and configuration errors. Anything else propagates (the CLI prints it, exit 1).
 */
export async function withUsageErrors(
  command: string,
  io: CommandIo,
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`meterline ${command}: ${err.message}\n(see meterline ${command} --help)\n`);
      return 2;
    }
    if (err instanceof ConfigFileError) {
      io.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
