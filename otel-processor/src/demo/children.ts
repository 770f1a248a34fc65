/**
 * The demo's child processes: `meterline serve` (the same CLI the demo runs from, with the same Node
 * flags, so the built CLI starts the built serve and a `tsx` run the sources), and the panel renderer
 * (`tools/demo-render.ts`, TypeScript under `tsx`). Each is tracked so that Ctrl-C, an error or the end
 * of the demo stops it; none outlives the demo.
 *
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { extname, join, resolve } from 'node:path';

/** The repository root (this file is `otel-processor/{src,dist}/demo/children.{ts,js}`). */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** The `meterline` CLI script this process runs from (`dist/cli.js`, or `src/cli.ts` under tsx). */
export const CLI_SCRIPT = resolve(__dirname, '..', `cli${extname(__filename)}`);

const live = new Set<ChildProcess>();
process.once('exit', () => {
  // Safety net: never leave a serve or a Chromium renderer behind.
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A running child with its output. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM), SIGKILL after `timeoutMs`, and waits for the exit. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node <args>` from the repository root with piped output. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  // Keep the tail only: serve logs warnings as JSON lines.
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-32_768)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      done({ code, signal });
    });
    child.once('error', (e) => {
      live.delete(child);
      err += `\n${e.message}`;
      done({ code: null, signal: null });
    });
  });
  return {
    process: child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(guard);
      }
    },
  };
}

/** A running `meterline serve`. */
export interface ServeChild extends Child {
  /** Base URL it listens on. */
  url: string;
}

/**
 * Starts `meterline serve --config FILE --listen 127.0.0.1:0 --wal-dir DIR` (warnings only on stderr) and
 * resolves once it printed where it listens.
 */
export async function startServe(configPath: string, walDir: string): Promise<ServeChild> {
  const child = spawnNode(
    [
      ...process.execArgv,
      CLI_SCRIPT,
      'serve',
      '--config',
      configPath,
      '--listen',
      '127.0.0.1:0',
      '--wal-dir',
      walDir,
    ],
    { LOG_LEVEL: 'warn' },
  );
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      void child.stop('SIGKILL');
      fail(new Error(`meterline serve did not start within 30 s:\n${child.stdout()}\n${child.stderr()}`));
    }, 30_000);
    const onData = (): void => {
      const m = /listening on (http:\/\/\S+)/.exec(child.stdout());
      if (m === null) return;
      clearTimeout(timer);
      child.process.stdout!.off('data', onData);
      done(m[1]!);
    };
    child.process.stdout!.on('data', onData);
    void child.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`meterline serve exited (${code ?? signal}) before listening:\n${child.stderr()}`));
    });
  });
  return Object.assign(child, { url });
}

/** The renderer script (TypeScript: it drives the test harness, which is TypeScript too). */
export const RENDER_SCRIPT = join(REPO_ROOT, 'tools', 'demo-render.ts');

/** Starts `node --conditions=meterline-source --import tsx tools/demo-render.ts <args>`. */
export function startRenderer(args: string[]): Child {
  return spawnNode(['--conditions=meterline-source', '--import', 'tsx', RENDER_SCRIPT, ...args]);
}
