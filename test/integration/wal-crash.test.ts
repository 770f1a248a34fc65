/**
 * A real crash: a child process appends to the WAL from many concurrent callers and prints every
 * acknowledged record; we SIGKILL it at a random moment, reopen the log here and check that every
 * acknowledged record is there exactly once, intact, in call order. Repeated on the same directory, so
 * each run also starts from the previous run's crashed state (torn tail repair, numbering continues).
 *
 * SIGKILL loses the process, not the page cache: this checks the acknowledgement protocol and the
 * recovery path, while power-loss tears (a half-written tail) are simulated in `wal.test.ts`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteAheadLog } from '../../otel-processor/src/wal';

const ROOT = join(__dirname, '../..');
const WRITER = join(ROOT, 'test/fixtures/wal-crash-writer.ts');
const RUNS = 4;
const SEED = 0x5eed_a11;

/** mulberry32: reproducible kill delays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ack {
  seq: number;
  run: number;
  index: number;
  sha1: string;
}

/** Runs the writer until `killAfterMs` after it is ready, SIGKILLs it, and returns its acknowledgements. */
function crashRun(dir: string, run: number, killAfterMs: number): Promise<{ acks: Ack[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=meterline-source', '--import', 'tsx', WRITER, dir, String(run)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!timer && stdout.startsWith('ready ')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code ?? signal}: ${stderr}`));
      // A line is complete only with its newline; the last fragment may have been cut by the kill.
      const lines = stdout.split('\n').slice(1, -1);
      const acks = lines.map((line) => {
        const [seq, r, index, sha1] = line.split(' ');
        return { seq: Number(seq), run: Number(r), index: Number(index), sha1: sha1! };
      });
      resolve({ acks, stderr });
    });
  });
}

describe('WAL crash recovery', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meterline-wal-crash-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged record exactly once across repeated SIGKILLs', async () => {
    const random = rng(SEED);
    const acked = new Map<number, Ack>();
    for (let run = 0; run < RUNS; run++) {
      const killAfterMs = 150 + Math.floor(random() * 450);
      const { acks, stderr } = await crashRun(dir, run, killAfterMs);
      expect(acks.length).toBeGreaterThan(0);
      for (const ack of acks) {
        expect(acked.has(ack.seq)).toBe(false); // a sequence number is never handed out twice
        acked.set(ack.seq, ack);
      }

      const wal = await WriteAheadLog.open(dir, { logger: { warn: () => undefined } });
      const found = new Map<number, Ack>();
      let previous = 0;
      const lastIndexOfRun = new Map<number, number>();
      for await (const { seq, payload } of wal.replay()) {
        expect(seq).toBeGreaterThan(previous);
        previous = seq;
        const [r, index] = Buffer.from(payload.subarray(0, 40)).toString('latin1').split(':');
        const rec = {
          seq,
          run: Number(r),
          index: Number(index),
          sha1: createHash('sha1').update(payload).digest('hex'),
        };
        // Call order is log order: within a run, the append index grows with the sequence number.
        expect(rec.index).toBeGreaterThan(lastIndexOfRun.get(rec.run) ?? -1);
        lastIndexOfRun.set(rec.run, rec.index);
        found.set(seq, rec);
      }
      await wal.close();
      const missing = [...acked.values()].filter((a) => {
        const f = found.get(a.seq);
        return !f || f.sha1 !== a.sha1 || f.run !== a.run || f.index !== a.index;
      });
      expect({ run, missing: missing.slice(0, 5), stderr }).toEqual({
        run,
        missing: [],
        stderr: expect.any(String),
      });
      // Appends that were durable but not yet acknowledged at the kill may be there too.
      expect(found.size).toBeGreaterThanOrEqual(acked.size);
    }
    // Four child processes through tsx, each killed and replayed: about 11 s alone, past 20 s on a 2-core CI
    // machine while the other suites run. The time is not what is tested.
  }, 90_000);
});
