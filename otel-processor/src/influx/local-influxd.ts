/**
 * Starts a real, private `influxd` (InfluxDB 1.x, the Debian `influxdb` package): for `meterline demo`
 * and, through test/support, for every integration test file.
 *
 * Each call gets its own temp directory (meta/data/wal), a generated config and free loopback ports for
 * HTTP and for the RPC/backup service, so parallel jest workers never share or collide; every other
 * listener (UDP, Graphite, collectd, OpenTSDB), continuous queries, self-monitoring and reporting are off.
 * `stop()` ends the process and removes the directory; instances still running when the process exits are
 * killed as a safety net. `kill()` and `start()` take the same server down and bring it back (same ports,
 * same data), for outage tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePorts } from '../net/free-port';

/** What to run to get `influxd` on a Debian/Ubuntu machine. */
export const INFLUXDB_INSTALL_COMMAND = 'sudo apt-get install -y influxdb';

/** Options of {@link startLocalInfluxd}. */
export interface LocalInfluxdOptions {
  /** Path of `influxd` (default: `$INFLUXD`, then `influxd` on PATH, then /usr/bin/influxd). */
  binary?: string;
  /** How long to wait for `/ping` to answer 204 (default 30 s). */
  startTimeoutMs?: number;
  /** influxd log level (default `error`; `info` helps when debugging a test). */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Turn on HTTP authentication (then create an admin user first via `query`). */
  authEnabled?: boolean;
}

/** A running private InfluxDB. */
export interface LocalInfluxd {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  readonly rpcPort: number;
  readonly pid: number;
  /** The server's version, from the `X-Influxdb-Version` header of `/ping`. */
  readonly version: string;
  /** Temp directory holding the config and meta/data/wal (removed by `stop`). */
  readonly dir: string;
  readonly dataDir: string;
  readonly configPath: string;
  /** The last part of influxd's stdout/stderr. */
  logTail(): string;
  /** Whether the influxd process is currently running (false between {@link kill} and {@link start}). */
  readonly running: boolean;
  /**
   * Ends the influxd process but keeps its directory and ports, so {@link start} brings the same server
   * (same data) back: an outage. `SIGKILL` (default) simulates a crash, `SIGTERM` a clean shutdown.
   * Resolves once the process has exited; does nothing when it is not running.
   */
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /**
   * Starts influxd again on the same ports, config and data directory after {@link kill}, and resolves once
   * `/ping` answers 204. Does nothing when it is running.
   */
  start(): Promise<void>;
  /** {@link kill} then {@link start}. */
  restart(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Kills influxd and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `influxd` is, or undefined. */
export function findInfluxd(): string | undefined {
  const fromEnv = process.env['INFLUXD'];
  if (fromEnv !== undefined && fromEnv !== '' && isExecutable(fromEnv)) return fromEnv;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, 'influxd'))) return join(dir, 'influxd');
  }
  return isExecutable('/usr/bin/influxd') ? '/usr/bin/influxd' : undefined;
}

const live = new Set<{ child: ChildProcess | undefined; dir: string }>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Safety net for a test that forgot stop(): never leave an influxd or a temp dir behind.
  process.once('exit', () => {
    for (const inst of live) {
      const child = inst.child;
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(inst.dir, { recursive: true, force: true });
    }
  });
}

function configToml(dir: string, httpPort: number, rpcPort: number, opts: LocalInfluxdOptions): string {
  const q = (s: string) => JSON.stringify(s); // a JSON string is a valid TOML basic string
  return `reporting-disabled = true
bind-address = ${q(`127.0.0.1:${rpcPort}`)}

[meta]
  dir = ${q(join(dir, 'meta'))}
  logging-enabled = false

[data]
  dir = ${q(join(dir, 'data'))}
  wal-dir = ${q(join(dir, 'wal'))}
  query-log-enabled = false
  trace-logging-enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[shard-precreation]
  enabled = false

[http]
  enabled = true
  bind-address = ${q(`127.0.0.1:${httpPort}`)}
  auth-enabled = ${opts.authEnabled === true}
  log-enabled = false
  suppress-write-log = true
  pprof-enabled = false

[logging]
  level = ${q(opts.logLevel ?? 'error')}
  suppress-logo = true

[continuous_queries]
  enabled = false
  log-enabled = false

[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
[[udp]]
  enabled = false
`;
}

async function pingOnce(url: string): Promise<{ status: number; version: string } | undefined> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return { status: res.status, version: res.headers.get('x-influxdb-version') ?? 'unknown' };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts a private influxd and resolves once `/ping` answers 204.
 *
 * @throws Error with the install command when `influxd` is missing; with the tail of influxd's output when
 *   it exits early or does not answer within the timeout.
 */
export async function startLocalInfluxd(opts: LocalInfluxdOptions = {}): Promise<LocalInfluxd> {
  const binary = opts.binary ?? findInfluxd();
  if (binary === undefined || !isExecutable(binary)) {
    throw new Error(
      `influxd not found${binary !== undefined ? ` at ${binary}` : ' (looked at $INFLUXD, PATH and /usr/bin/influxd)'}. ` +
        `Install InfluxDB 1.x with: ${INFLUXDB_INSTALL_COMMAND}  (or run: bash scripts/ensure-influxdb.sh)`,
    );
  }
  // Another process can grab a port between freePorts() and influxd binding it: retry with new ports.
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(binary, opts);
    } catch (e) {
      lastError = e as Error;
      if (!/address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('startLocalInfluxd: failed');
}

async function startOnce(binary: string, opts: LocalInfluxdOptions): Promise<LocalInfluxd> {
  const [httpPort, rpcPort] = (await freePorts(2)) as [number, number];
  const dir = mkdtempSync(join(tmpdir(), 'meterline-influxdb-'));
  for (const d of ['meta', 'data', 'wal']) mkdirSync(join(dir, d));
  const configPath = join(dir, 'influxdb.conf');
  writeFileSync(configPath, configToml(dir, httpPort, rpcPort, opts));

  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-16_384);
  };
  const tail = () => log.split('\n').slice(-30).join('\n');
  const url = `http://127.0.0.1:${httpPort}`;
  const entry: { child: ChildProcess | undefined; dir: string } = { child: undefined, dir };
  live.add(entry);
  installExitHook();

  let exited: Promise<void> = Promise.resolve();
  const isRunning = (): boolean =>
    entry.child !== undefined && entry.child.exitCode === null && entry.child.signalCode === null;
  const kill = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> => {
    const child = entry.child;
    if (child === undefined) return;
    if (isRunning()) {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000))),
      ]);
      clearTimeout(timer);
      if (!gone) {
        child.kill('SIGKILL');
        await exited;
      }
    } else {
      await exited;
    }
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await kill('SIGTERM');
    live.delete(entry);
    rmSync(dir, { recursive: true, force: true });
  };

  /** Spawns influxd and waits for `/ping`; on failure kills it and throws (the caller decides about `dir`). */
  let version = 'unknown';
  const launch = async (): Promise<void> => {
    const child = spawn(binary, ['run', '-config', configPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, INFLUXDB_REPORTING_DISABLED: 'true' },
    });
    entry.child = child;
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let spawnError: Error | undefined;
    child.once('error', (e) => {
      spawnError = e;
    });
    const timeoutMs = opts.startTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
        await kill('SIGKILL');
        const why = spawnError?.message ?? `exited with ${child.exitCode ?? child.signalCode}`;
        throw new Error(`influxd (${binary}) ${why} before answering /ping on ${url}. Output:\n${tail()}`);
      }
      const ping = await pingOnce(url);
      if (ping?.status === 204) {
        version = ping.version;
        return;
      }
      if (Date.now() > deadline) {
        await kill('SIGKILL');
        throw new Error(
          `influxd (${binary}) did not answer /ping on ${url} with 204 within ${timeoutMs} ms (last: ${ping?.status ?? 'no answer'}). Output:\n${tail()}`,
        );
      }
      await sleep(50);
    }
  };

  try {
    await launch();
  } catch (e) {
    await stop();
    throw e;
  }

  const start = async (): Promise<void> => {
    if (stopped) throw new Error(`influxd on ${url} was stopped (its directory is gone): start a new one`);
    if (isRunning()) return;
    await launch();
  };
  return {
    url,
    port: httpPort,
    rpcPort,
    get pid() {
      return entry.child?.pid ?? -1;
    },
    dir,
    dataDir: join(dir, 'data'),
    configPath,
    get version() {
      return version;
    },
    get running() {
      return isRunning();
    },
    logTail: tail,
    kill,
    start,
    restart: async (signal?: 'SIGKILL' | 'SIGTERM') => {
      await kill(signal);
      await start();
    },
    stop,
  };
}
