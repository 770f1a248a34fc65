/**
 * The checkpoint file: a snapshot of the engine state at WAL sequence N (see `docs/serve-durability.md`,
 * rule 6). Start-up loads it and replays WAL records after N.
 *
 * A checkpoint is `checkpoint-<16-digit seq>.bin` in the state directory:
 *
 * ```
 * ["MLCP"][u32 version = 1][u64 seq][u32 payload length][u32 CRC-32C of the 20 bytes before it + payload][payload]
 * ```
 *
 * It is replaced atomically: written to `checkpoint.tmp`, fsynced, renamed into place, and the directory
 * fsynced, so a crash leaves either the old or the new checkpoint, never a mix; a leftover
 * `checkpoint.tmp` is ignored. Older checkpoints are deleted only after the new one is durable.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { crc32c } from './crc32c';
import { CheckpointCorruptionError } from './errors';
import { nodeFs, type WalFs } from './fs';

const MAGIC = 0x5043_4c4d; // "MLCP" read as a little-endian u32
const VERSION = 1;
const HEADER = 24;
const NAME_RE = /^checkpoint-(\d{16})\.bin$/;
const TMP = 'checkpoint.tmp';

/** A loaded checkpoint. */
export interface Checkpoint {
  /** WAL sequence number the snapshot covers (records ≤ seq are reflected in it). */
  seq: number;
  payload: Uint8Array;
}

/** Options of the checkpoint functions. */
export interface CheckpointOptions {
  /** File-system facade (default: the real one). */
  fs?: WalFs;
}

/** File name of the checkpoint at `seq`. */
export function checkpointName(seq: number): string {
  return `checkpoint-${String(seq).padStart(16, '0')}.bin`;
}

async function checkpointFiles(fs: WalFs, dir: string): Promise<{ seq: number; name: string }[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .flatMap((name) => {
      const m = NAME_RE.exec(name);
      return m ? [{ seq: Number(m[1]), name }] : [];
    })
    .sort((a, b) => b.seq - a.seq);
}

/**
 * Atomically persists the checkpoint at `seq` in `dir` (created if missing) and deletes older ones.
 * Resolves once the new checkpoint is durable.
 */
export async function writeCheckpoint(
  dir: string,
  seq: number,
  payload: Uint8Array,
  opts: CheckpointOptions = {},
): Promise<void> {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`checkpoint seq must be a non-negative safe integer, got ${seq}`);
  if (payload.length > 0xffff_ffff)
    throw new RangeError(`checkpoint payload of ${payload.length} bytes exceeds 4 GiB`);
  const fs = opts.fs ?? nodeFs;
  await fs.mkdir(dir);
  const existing = await checkpointFiles(fs, dir);
  const newest = existing[0];
  if (newest && newest.seq > seq)
    throw new RangeError(
      `checkpoint seq ${seq} is older than the existing ${join(dir, newest.name)}; refusing to go back`,
    );

  const header = new Uint8Array(HEADER);
  const view = new DataView(header.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, seq >>> 0, true);
  view.setUint32(12, Math.floor(seq / 0x1_0000_0000), true);
  view.setUint32(16, payload.length, true);
  view.setUint32(20, crc32c(payload, 0, payload.length, crc32c(header, 0, 20)), true);

  const tmp = join(dir, TMP);
  await fs.unlink(tmp).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  const file = await fs.open(tmp, 'create');
  try {
    await file.writev([header, payload], 0);
    await file.datasync();
  } finally {
    await file.close();
  }
  await fs.rename(tmp, join(dir, checkpointName(seq)));
  await fs.syncDir(dir);
  // A crash before these deletions leaves an older checkpoint behind; reading picks the newest anyway.
  for (const old of existing) if (old.seq < seq) await fs.unlink(join(dir, old.name)).catch(() => undefined);
}

/**
 * Loads the newest checkpoint in `dir`, or `undefined` if there is none (a partial `checkpoint.tmp`
 * from a crash is ignored). A corrupt newest checkpoint throws {@link CheckpointCorruptionError} rather
 * than falling back to an older one: WAL segments covered by the newest may already be deleted, so
 * silently starting from an older state would lose acknowledged data.
 */
export async function readCheckpoint(
  dir: string,
  opts: CheckpointOptions = {},
): Promise<Checkpoint | undefined> {
  const fs = opts.fs ?? nodeFs;
  const newest = (await checkpointFiles(fs, dir))[0];
  if (!newest) return undefined;
  const path = join(dir, newest.name);
  const file = await fs.open(path, 'read');
  let bytes: Uint8Array;
  try {
    const size = await file.size();
    bytes = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const got = await file.read(bytes, filled, size - filled, filled);
      if (got === 0) break;
      filled += got;
    }
    bytes = bytes.subarray(0, filled);
  } finally {
    await file.close();
  }
  const fail = (reason: string) => new CheckpointCorruptionError(path, reason);
  if (bytes.length < HEADER) throw fail(`${bytes.length} bytes is shorter than the ${HEADER}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0, true) !== MAGIC) throw fail('bad magic (not a Meterline checkpoint)');
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw fail(`unsupported version ${version}`);
  const seq = view.getUint32(12, true) * 0x1_0000_0000 + view.getUint32(8, true);
  const length = view.getUint32(16, true);
  if (HEADER + length !== bytes.length)
    throw fail(`payload length ${length} does not match the file size ${bytes.length}`);
  const crc = crc32c(bytes, HEADER, bytes.length, crc32c(bytes, 0, 20));
  if (crc !== view.getUint32(20, true)) throw fail('CRC mismatch');
  if (seq !== newest.seq) throw fail(`holds seq ${seq}, but its name says ${newest.seq}`);
  return { seq, payload: bytes.subarray(HEADER) };
}
