/**
 * The demo's InfluxDB: a private `influxd` on free loopback ports with a temp directory
 * ({@link startLocalInfluxd}), or — with `--keep` — the same kind of server started detached (its own
 * process group, output to a log file in its directory), so that it outlives the demo (and a Ctrl-C in the
 * terminal) for Grafana or your own queries; the demo prints how to stop it.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INFLUXDB_INSTALL_COMMAND, findInfluxd, startLocalInfluxd } from '../influx/local-influxd';
import { freePorts } from '../net/free-port';

/** The InfluxDB the demo writes to. */
export interface DemoInflux {
  url: string;
  version: string;
  /** Its directory (config, data, log), when the demo started it. */
  dir?: string;
  /** The influxd process id, when the demo started it. */
  pid?: number;
  /** Stops the server the demo started and removes its directory (a no-op for `--influx-url`). */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function ping(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 204 ? (res.headers.get('x-influxdb-version') ?? 'unknown') : undefined;
  } catch {
    return undefined;
  }
}

/** An InfluxDB the user runs (`--influx-url`): checked with `/ping`, never stopped. */
export async function connectInflux(url: string): Promise<DemoInflux> {
  const version = await ping(url.replace(/\/+$/, ''));
  if (version === undefined) throw new Error(`no InfluxDB answers ${url}/ping (--influx-url)`);
  return { url: url.replace(/\/+$/, ''), version, stop: async () => undefined };
}

/** A private influxd that the demo stops at its end (or on Ctrl-C). */
export async function startPrivateInflux(): Promise<DemoInflux> {
  const influxd = await startLocalInfluxd();
  return {
    url: influxd.url,
    version: influxd.version,
    dir: influxd.dir,
    pid: influxd.pid,
    stop: () => influxd.stop(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends SIGTERM (SIGKILL after 5 s) and waits until the process is gone. */
async function terminate(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; isAlive(pid); waited += 50) {
    if (waited === 5000) process.kill(pid, 'SIGKILL');
    await sleep(50);
  }
}

/**
 * A private influxd that outlives the demo (`--keep`): HTTP only, on a free loopback port, everything else
 * off (the same settings as the tests' servers), started detached with its output in `influxd.log`.
 */
export async function startKeptInflux(): Promise<DemoInflux> {
  const binary = findInfluxd();
  if (binary === undefined) {
    throw new Error(
      `influxd not found (looked at $INFLUXD, PATH and /usr/bin/influxd). Install InfluxDB 1.x with: ` +
        `${INFLUXDB_INSTALL_COMMAND}  (or run: bash scripts/ensure-influxdb.sh)`,
    );
  }
  const [httpPort, rpcPort] = (await freePorts(2)) as [number, number];
  const dir = mkdtempSync(join(tmpdir(), 'meterline-demo-influxdb-'));
  for (const d of ['meta', 'data', 'wal']) mkdirSync(join(dir, d));
  const q = (s: string) => JSON.stringify(s);
  const configPath = join(dir, 'influxdb.conf');
  writeFileSync(
    configPath,
    `reporting-disabled = true
bind-address = ${q(`127.0.0.1:${rpcPort}`)}
[meta]
  dir = ${q(join(dir, 'meta'))}
  logging-enabled = false
[data]
  dir = ${q(join(dir, 'data'))}
  wal-dir = ${q(join(dir, 'wal'))}
  query-log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[http]
  enabled = true
  bind-address = ${q(`127.0.0.1:${httpPort}`)}
  log-enabled = false
  suppress-write-log = true
[logging]
  level = "error"
  suppress-logo = true
[continuous_queries]
  enabled = false
`,
  );
  const logPath = join(dir, 'influxd.log');
  const log = openSync(logPath, 'a');
  const child = spawn(binary, ['run', '-config', configPath], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, INFLUXDB_REPORTING_DISABLED: 'true' },
  });
  closeSync(log);
  child.unref();
  const pid = child.pid;
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (pid !== undefined) await terminate(pid);
    rmSync(dir, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 30_000; ;) {
    const version = await ping(url);
    if (version !== undefined && pid !== undefined) return { url, version, dir, pid, stop };
    if (pid === undefined || !isAlive(pid) || Date.now() > deadline) {
      const output = readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n');
      await stop();
      throw new Error(`influxd (${binary}) did not answer /ping on ${url}. Output:\n${output}`);
    }
    await sleep(50);
  }
}
