import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointName, readCheckpoint, writeCheckpoint } from './checkpoint';
import { CheckpointCorruptionError } from './errors';
import { nodeFs, type WalFs } from './fs';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterline-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('checkpoint', () => {
  it('returns undefined when there is none (even without a directory)', async () => {
    expect(await readCheckpoint(dir)).toBeUndefined();
    expect(await readCheckpoint(join(dir, 'missing'))).toBeUndefined();
  });

  it('round-trips and atomically replaces the previous checkpoint', async () => {
    await writeCheckpoint(dir, 10, bytes('state at 10'));
    expect(await readCheckpoint(dir)).toEqual({ seq: 10, payload: bytes('state at 10') });
    await writeCheckpoint(dir, 25, bytes('state at 25'));
    expect(await readdir(dir)).toEqual([checkpointName(25)]);
    expect(await readCheckpoint(dir)).toEqual({ seq: 25, payload: bytes('state at 25') });
    await writeCheckpoint(dir, 25, new Uint8Array(0)); // same seq: replaced
    expect(await readCheckpoint(dir)).toEqual({ seq: 25, payload: new Uint8Array(0) });
    const big = new Uint8Array(3 << 20).map((_, i) => i * 31);
    await writeCheckpoint(join(dir, 'nested'), 2 ** 40, big);
    const loaded = await readCheckpoint(join(dir, 'nested'));
    expect(loaded?.seq).toBe(2 ** 40);
    expect(Buffer.from(loaded!.payload).equals(big)).toBe(true);
  });

  it('refuses to go back to an older seq', async () => {
    await writeCheckpoint(dir, 10, bytes('a'));
    await expect(writeCheckpoint(dir, 9, bytes('b'))).rejects.toThrow(
      `checkpoint seq 9 is older than the existing ${join(dir, checkpointName(10))}`,
    );
  });

  it('ignores a partial checkpoint.tmp left by a crash', async () => {
    await writeCheckpoint(dir, 10, bytes('good'));
    await writeFile(join(dir, 'checkpoint.tmp'), bytes('MLCP garbage, torn'));
    expect(await readCheckpoint(dir)).toEqual({ seq: 10, payload: bytes('good') });
    await writeCheckpoint(dir, 11, bytes('next')); // overwrites the stale tmp
    expect(await readdir(dir)).toEqual([checkpointName(11)]);
  });

  it('keeps the old checkpoint when the crash happens before the rename', async () => {
    await writeCheckpoint(dir, 10, bytes('old'));
    const crashing: WalFs = {
      ...nodeFs,
      rename: () => Promise.reject(new Error('simulated crash')),
    };
    await expect(writeCheckpoint(dir, 20, bytes('new'), { fs: crashing })).rejects.toThrow('simulated crash');
    expect(await readCheckpoint(dir)).toEqual({ seq: 10, payload: bytes('old') });
  });

  it('picks the newest when an older one was not deleted yet', async () => {
    await writeCheckpoint(dir, 10, bytes('old'));
    const old = await readFile(join(dir, checkpointName(10)));
    await writeCheckpoint(dir, 20, bytes('new'));
    await writeFile(join(dir, checkpointName(10)), old);
    expect(await readCheckpoint(dir)).toEqual({ seq: 20, payload: bytes('new') });
  });

  it('rejects a corrupt checkpoint, naming the file and the problem', async () => {
    await writeCheckpoint(dir, 7, bytes('payload bytes'));
    const path = join(dir, checkpointName(7));
    const good = await readFile(path);

    const flipped = Buffer.from(good);
    flipped[30]! ^= 1;
    await writeFile(path, flipped);
    await expect(readCheckpoint(dir)).rejects.toThrow(`corrupt checkpoint ${path}: CRC mismatch`);

    await writeFile(path, good.subarray(0, good.length - 3));
    await expect(readCheckpoint(dir)).rejects.toThrow('payload length 13 does not match the file size 34');

    await writeFile(path, good.subarray(0, 10));
    await expect(readCheckpoint(dir)).rejects.toBeInstanceOf(CheckpointCorruptionError);

    await writeFile(join(dir, checkpointName(8)), good);
    await expect(readCheckpoint(dir)).rejects.toThrow('holds seq 7, but its name says 8');
  });
});
