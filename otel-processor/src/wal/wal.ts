/**
 * The write-ahead log of `meterline serve` (see `docs/serve-durability.md`): a request is acknowledged
 * only once its record is fsynced here, and after a crash the log is replayed from the last checkpoint.
 *
 * Layout: a directory of segment files `wal-<16-digit seq>.log`, where the number is the lowest sequence
 * number the segment may hold (its first record, unless a failed write left a gap). Every record of a
 * segment is below the next segment's number. Records are framed as in `framing.ts`. The last segment is
 * the active one; older ones are immutable until {@link WriteAheadLog.truncateThrough} deletes them.
 *
 * Group commit: `append` assigns the sequence number synchronously (call order = log order) and queues
 * the record; one commit loop writes everything queued with one positioned `writev` and one `fdatasync`,
 * and whatever arrives meanwhile forms the next group. Throughput therefore grows with concurrency while
 * each caller still waits for its own bytes to be durable.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { WalCorruptionError, WalError } from './errors';
import { HEADER_BYTES, continueRecordCrc, recordCrc, writeHeader } from './framing';
import { nodeFs, type WalFile, type WalFs } from './fs';
import { SegmentReader } from './segment-reader';

/** Receives warnings (torn tail repaired, corrupt segment skipped). Compatible with pino and `console`. */
export interface WalLogger {
  warn(details: Record<string, unknown>, message: string): void;
}

/** Options of {@link WriteAheadLog.open}. */
export interface WalOptions {
  /** Start a new segment once the active one would exceed this many bytes (default 64 MiB). */
  segmentBytes?: number;
  /** {@link WriteAheadLog.overHighWater} turns true at this many bytes on disk + queued (default 1 GiB). */
  highWaterBytes?: number;
  /** Largest accepted payload (default 64 MiB). */
  maxRecordBytes?: number;
  /**
   * On replay, skip the rest of a segment after a corrupt record (with a warning) instead of throwing
   * {@link WalCorruptionError}. Records after the corruption in that segment are lost.
   */
  skipCorrupt?: boolean;
  /**
   * Lowest sequence number the next append may get, e.g. the checkpoint's seq + 1, so numbering never
   * restarts below a checkpoint even if the WAL directory was emptied.
   */
  minNextSeq?: number;
  /** Where warnings go (default: `console`). */
  logger?: WalLogger;
  /** File-system facade (default: the real one); tests inject failures through it. */
  fs?: WalFs;
  /** Read buffer size for open and replay (default 1 MiB). */
  readChunkBytes?: number;
}

/** A record handed out by {@link WriteAheadLog.replay}. */
export interface WalRecord {
  seq: number;
  /** A view into a read buffer; copy it if it must outlive the next few records. */
  payload: Uint8Array;
}

/** Counters for self-telemetry and tests. */
export interface WalStats {
  /** Successful write + fdatasync rounds. */
  groupCommits: number;
  /** Records made durable. */
  records: number;
  /** Groups whose write or fdatasync failed (their appends were rejected). */
  failedGroups: number;
  /** Torn or corrupt tails truncated on open. */
  repairedTails: number;
}

interface Segment {
  base: number;
  path: string;
  /** Bytes of durable records (the file length once the current commit, if any, finishes). */
  size: number;
}

interface Queued {
  seq: number;
  crc: number;
  /** The record's payload is `payload` followed by `tail` (when set): two pieces, never copied together. */
  payload: Uint8Array;
  tail: Uint8Array | undefined;
  /** Payload bytes in all (`payload` + `tail`). */
  length: number;
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

const SEGMENT_RE = /^wal-(\d{16})\.log$/;
/** Payloads below this are copied into one contiguous write buffer; larger ones go as their own iovec. */
const COALESCE_BELOW = 64 * 1024;

/** File name of the segment whose first sequence number is `base`. */
export function segmentName(base: number): string {
  return `wal-${String(base).padStart(16, '0')}.log`;
}

const consoleLogger: WalLogger = { warn: (details, message) => console.warn(message, details) };

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Segmented write-ahead log with CRC-framed records, group-commit fsync, torn-tail repair on open,
 * ordered replay and truncation after a checkpoint. Sequence numbers start at 1 and strictly increase;
 * they are contiguous except after a failed group commit while later appends were already queued.
 */
export class WriteAheadLog {
  /** Counters (see {@link WalStats}). */
  readonly stats: WalStats = { groupCommits: 0, records: 0, failedGroups: 0, repairedTails: 0 };

  private readonly segmentBytes: number;
  private readonly highWaterBytes: number;
  private readonly maxRecordBytes: number;
  private readonly skipCorrupt: boolean;
  private readonly logger: WalLogger;
  private readonly fs: WalFs;
  private readonly readChunkBytes: number;

  private nextSeq: number;
  private durableSeq: number;
  private diskBytes: number;
  private queue: Queued[] = [];
  private queuedBytes = 0;
  private committing: Promise<void> | undefined;
  private lockTail: Promise<unknown> = Promise.resolve();
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private closed = false;
  private failure: WalError | undefined;
  private truncatedThrough = 0;

  private constructor(
    /** The log's directory. */
    readonly dir: string,
    private segments: Segment[],
    private file: WalFile,
    lastSeq: number,
    opts: WalOptions,
  ) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.highWaterBytes = opts.highWaterBytes ?? 1024 * 1024 * 1024;
    this.maxRecordBytes = opts.maxRecordBytes ?? 64 * 1024 * 1024;
    this.skipCorrupt = opts.skipCorrupt ?? false;
    this.logger = opts.logger ?? consoleLogger;
    this.fs = opts.fs ?? nodeFs;
    this.readChunkBytes = opts.readChunkBytes ?? 1 << 20;
    this.durableSeq = lastSeq;
    this.nextSeq = lastSeq + 1;
    this.diskBytes = segments.reduce((sum, s) => sum + s.size, 0);
  }

  /**
   * Opens (creating if needed) the log in `dir`. Every record of the last segment is validated and a
   * torn or corrupt tail is truncated with a warning (a crash mid-write leaves one; those records were
   * never acknowledged). Older segments are validated when replayed.
   */
  static async open(dir: string, opts: WalOptions = {}): Promise<WriteAheadLog> {
    const fs = opts.fs ?? nodeFs;
    const logger = opts.logger ?? consoleLogger;
    await fs.mkdir(dir);
    const segments: Segment[] = [];
    for (const name of await fs.readdir(dir)) {
      const m = SEGMENT_RE.exec(name);
      if (!m) continue;
      const base = Number(m[1]);
      if (!Number.isSafeInteger(base) || base < 1)
        throw new WalError(`WAL segment ${join(dir, name)} has an invalid sequence number in its name`);
      segments.push({ base, path: join(dir, name), size: 0 });
    }
    segments.sort((a, b) => a.base - b.base);
    for (const seg of segments.slice(0, -1)) {
      const f = await fs.open(seg.path, 'read');
      try {
        seg.size = await f.size();
      } finally {
        await f.close();
      }
    }

    let last = segments[segments.length - 1];
    let file: WalFile;
    let lastSeq: number;
    let repaired = false;
    if (!last) {
      last = { base: Math.max(1, opts.minNextSeq ?? 1), path: '', size: 0 };
      last.path = join(dir, segmentName(last.base));
      file = await fs.open(last.path, 'create');
      await fs.syncDir(dir);
      segments.push(last);
      lastSeq = last.base - 1;
    } else {
      file = await fs.open(last.path, 'write');
      try {
        const size = await file.size();
        const reader = new SegmentReader(file, size, { minSeq: last.base }, opts.readChunkBytes);
        while (await reader.next());
        if (reader.corruption) {
          const { offset, reason } = reader.corruption;
          logger.warn(
            { file: last.path, offset, reason, droppedBytes: size - offset },
            `WAL: truncating torn or corrupt tail of ${last.path} at offset ${offset} (${reason}); ` +
              `${size - offset} bytes dropped`,
          );
          await file.truncate(offset);
          await file.datasync();
          repaired = true;
        }
        last.size = reader.validEnd;
        lastSeq = Math.max(reader.lastSeq, last.base - 1);
      } catch (error) {
        await file.close();
        throw error;
      }
    }
    lastSeq = Math.max(lastSeq, (opts.minNextSeq ?? 1) - 1);
    const wal = new WriteAheadLog(dir, segments, file, lastSeq, opts);
    if (repaired) wal.stats.repairedTails++;
    return wal;
  }

  /** Sequence number of the last durable record (0 if none was ever written). */
  get lastSeq(): number {
    return this.durableSeq;
  }

  /**
   * Lowest sequence number that may still be on disk (the first segment's base); everything below was
   * truncated. `firstSeq > lastSeq` means the log holds no records.
   */
  get firstSeq(): number {
    return this.segments[0]!.base;
  }

  /** Bytes of all segments on disk (durable records only). */
  get bytes(): number {
    return this.diskBytes;
  }

  /** Number of segment files. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** True when bytes on disk plus bytes queued reach `highWaterBytes`: the HTTP layer answers 503. */
  overHighWater(): boolean {
    return this.diskBytes + this.queuedBytes >= this.highWaterBytes;
  }

  /** For readiness: not closed, no permanent write failure, and the directory is writable. */
  async isWritable(): Promise<boolean> {
    if (this.closing || this.closed || this.failure) return false;
    return this.fs.isWritableDir(this.dir);
  }

  /**
   * Appends a record; resolves with its sequence number once it is fsynced. The number is assigned
   * now, so concurrent appends are logged in call order. Do not modify `payload` until this settles.
   * If the group's write or fdatasync fails, every append in the group rejects, the file is truncated
   * back to its last good length, and later appends proceed normally.
   *
   * With `tail`, the record's payload is `payload` followed by `tail` (exactly as if appended as one
   * buffer: same bytes on disk, replayed as one payload), without copying them together first.
   */
  append(payload: Uint8Array, tail?: Uint8Array): Promise<number> {
    if (this.closing || this.closed) return Promise.reject(new WalError(`WAL ${this.dir} is closed`));
    if (this.failure) return Promise.reject(this.failure);
    const length = payload.length + (tail === undefined ? 0 : tail.length);
    if (length > this.maxRecordBytes)
      return Promise.reject(
        new WalError(`WAL record of ${length} bytes exceeds maxRecordBytes ${this.maxRecordBytes}`),
      );
    const seq = this.nextSeq++;
    let crc = recordCrc(seq, payload);
    if (tail !== undefined) crc = continueRecordCrc(crc, tail);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ seq, crc, payload, tail, length, resolve, reject });
      this.queuedBytes += HEADER_BYTES + length;
      this.committing ??= this.commitLoop();
    });
  }

  /**
   * Yields the records with `seq > afterSeq` in order: those durable when the iteration reaches their
   * segment. A corrupt record throws {@link WalCorruptionError} naming the file and offset (or, with
   * `skipCorrupt`, ends that segment with a warning).
   */
  async *replay(afterSeq = 0): AsyncGenerator<WalRecord> {
    const segments = this.segments.slice();
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const nextBase = segments[i + 1]?.base;
      if (nextBase !== undefined && nextBase - 1 <= afterSeq) continue;
      let file: WalFile;
      try {
        file = await this.fs.open(seg.path, 'read');
      } catch (error) {
        // Deleted by a concurrent truncateThrough: its records are covered by a checkpoint.
        if (nextBase !== undefined && nextBase - 1 <= this.truncatedThrough) continue;
        throw new WalError(`cannot open WAL segment ${seg.path}: ${errorText(error)}`, { cause: error });
      }
      try {
        // `size` counts durable bytes only and grows as commits land, so this never reads a group
        // that is still being written.
        const size = seg.size;
        const reader = new SegmentReader(
          file,
          size,
          { minSeq: seg.base, maxSeqExclusive: nextBase },
          this.readChunkBytes,
        );
        for (let rec = await reader.next(); rec; rec = await reader.next())
          if (rec.seq > afterSeq) yield { seq: rec.seq, payload: rec.payload };
        if (reader.corruption) {
          const error = new WalCorruptionError(seg.path, reader.corruption.offset, reader.corruption.reason);
          if (!this.skipCorrupt) throw error;
          this.logger.warn(
            { file: seg.path, offset: error.offset, reason: error.reason, skippedBytes: size - error.offset },
            `WAL: skipping the rest of ${seg.path} after a corrupt record at offset ${error.offset} ` +
              `(${error.reason})`,
          );
        }
      } finally {
        await file.close();
      }
    }
  }

  /**
   * Deletes every segment whose records are all ≤ `seq` (called once a checkpoint covers `seq`). If the
   * active segment qualifies, a new one is started first, so the active segment is never deleted and
   * nothing not yet durable is touched. Resolves with the number of segments deleted.
   */
  truncateThrough(seq: number): Promise<number> {
    return this.exclusive(async () => {
      this.assertOpen();
      const active = this.segments[this.segments.length - 1]!;
      // We hold the lock, so no commit is in flight: the active segment holds only durable records ≤
      // durableSeq, and everything queued is numbered above it.
      if (active.size > 0 && this.durableSeq <= seq) await this.rotate(this.durableSeq + 1);
      let n = 0;
      while (n < this.segments.length - 1 && this.segments[n + 1]!.base - 1 <= seq) n++;
      if (n === 0) return 0;
      const victims = this.segments.slice(0, n);
      this.truncatedThrough = Math.max(this.truncatedThrough, this.segments[n]!.base - 1);
      this.segments = this.segments.slice(n);
      for (const v of victims) {
        try {
          await this.fs.unlink(v.path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
            throw new WalError(`cannot delete WAL segment ${v.path}: ${errorText(error)}`, { cause: error });
        }
        this.diskBytes -= v.size;
      }
      await this.fs.syncDir(this.dir);
      return n;
    });
  }

  /** Commits everything already appended, then closes the file. Later appends reject. */
  close(): Promise<void> {
    this.closing = true;
    this.closePromise ??= (async () => {
      await this.committing;
      await this.exclusive(async () => {
        this.closed = true;
        await this.file.close();
      });
    })();
    return this.closePromise;
  }

  private assertOpen(): void {
    if (this.closed) throw new WalError(`WAL ${this.dir} is closed`);
  }

  /** Runs `fn` after every earlier exclusive operation (commits, rotation, truncation) has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.lockTail.then(fn);
    this.lockTail = result.catch(() => undefined);
    return result;
  }

  private async commitLoop(): Promise<void> {
    // Let the current synchronous burst of appends join the first group.
    await null;
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        await this.exclusive(() => this.commit(group));
      }
    } finally {
      this.committing = undefined;
    }
  }

  /** Writes one group (split at segment boundaries), settling every append in it. Never throws. */
  private async commit(group: Queued[]): Promise<void> {
    let i = 0;
    try {
      while (i < group.length) {
        if (this.failure) throw this.failure;
        const active = this.segments[this.segments.length - 1]!;
        const first = group[i]!;
        if (active.size > 0 && active.size + HEADER_BYTES + first.length > this.segmentBytes) {
          await this.rotate(first.seq);
          continue;
        }
        let end = i + 1;
        let bytes = active.size + HEADER_BYTES + first.length;
        while (end < group.length && bytes + HEADER_BYTES + group[end]!.length <= this.segmentBytes)
          bytes += HEADER_BYTES + group[end++]!.length;
        await this.write(active, group, i, end);
        for (let k = i; k < end; k++) {
          const q = group[k]!;
          this.queuedBytes -= HEADER_BYTES + q.length;
          q.resolve(q.seq);
        }
        i = end;
      }
    } catch (error) {
      this.stats.failedGroups++;
      for (let k = i; k < group.length; k++) {
        const q = group[k]!;
        this.queuedBytes -= HEADER_BYTES + q.length;
        q.reject(error);
      }
      if (this.failure) {
        for (const q of this.queue.splice(0)) q.reject(this.failure);
        this.queuedBytes = 0;
      } else if (this.queue.length === 0 && this.nextSeq === group[group.length - 1]!.seq + 1) {
        // Nothing was numbered after the failed records: reuse their numbers, leaving no gap.
        this.nextSeq = group[i]!.seq;
      }
    }
  }

  /** One positioned writev + fdatasync of `group[from, to)` into `seg`. */
  private async write(seg: Segment, group: Queued[], from: number, to: number): Promise<void> {
    const start = seg.size;
    const buffers: Uint8Array[] = [];
    let total = 0;
    let runFrom = from;
    let runBytes = 0;
    const flushRun = (runTo: number) => {
      if (runBytes === 0) return;
      const run = Buffer.allocUnsafe(runBytes);
      let o = 0;
      for (let k = runFrom; k < runTo; k++) {
        const q = group[k]!;
        if (q.length >= COALESCE_BELOW) continue;
        writeHeader(run, o, q.seq, q.length, q.crc);
        run.set(q.payload, o + HEADER_BYTES);
        if (q.tail !== undefined) run.set(q.tail, o + HEADER_BYTES + q.payload.length);
        o += HEADER_BYTES + q.length;
      }
      buffers.push(run);
      runBytes = 0;
    };
    for (let k = from; k < to; k++) {
      const q = group[k]!;
      total += HEADER_BYTES + q.length;
      if (q.length < COALESCE_BELOW) {
        if (runBytes === 0) runFrom = k;
        runBytes += HEADER_BYTES + q.length;
        continue;
      }
      flushRun(k);
      // A small payload before a tail (the usual case: an ingest record's header) rides in the record
      // header's buffer; the large pieces go as their own iovecs, never copied.
      const small = q.tail !== undefined && q.payload.length <= 256;
      const header = Buffer.allocUnsafe(HEADER_BYTES + (small ? q.payload.length : 0));
      writeHeader(header, 0, q.seq, q.length, q.crc);
      if (small) {
        header.set(q.payload, HEADER_BYTES);
        buffers.push(header, q.tail!);
      } else if (q.tail === undefined) buffers.push(header, q.payload);
      else buffers.push(header, q.payload, q.tail);
    }
    flushRun(to);

    try {
      await this.file.writev(buffers, start);
      await this.file.datasync();
    } catch (error) {
      await this.repair(seg, start);
      throw new WalError(
        `WAL write of ${to - from} record(s) (seq ${group[from]!.seq}–${group[to - 1]!.seq}) to ${seg.path} ` +
          `at offset ${start} failed: ${errorText(error)}`,
        { cause: error },
      );
    }
    seg.size = start + total;
    this.diskBytes += total;
    this.durableSeq = group[to - 1]!.seq;
    this.stats.groupCommits++;
    this.stats.records += to - from;
  }

  /** After a failed write: cut the file back to its last good length, or give up for good. */
  private async repair(seg: Segment, goodLength: number): Promise<void> {
    try {
      await this.file.truncate(goodLength);
      await this.file.datasync();
    } catch (error) {
      this.failure = new WalError(
        `WAL ${this.dir} failed permanently: cannot truncate ${seg.path} back to ${goodLength} bytes ` +
          `after a failed write: ${errorText(error)}`,
        { cause: error },
      );
      this.logger.warn({ file: seg.path, offset: goodLength }, this.failure.message);
    }
  }

  /** Starts a new active segment whose base is `base`. */
  private async rotate(base: number): Promise<void> {
    const path = join(this.dir, segmentName(base));
    let file: WalFile;
    try {
      file = await this.fs.open(path, 'create');
    } catch (error) {
      throw new WalError(`cannot create WAL segment ${path}: ${errorText(error)}`, { cause: error });
    }
    try {
      await this.fs.syncDir(this.dir);
    } catch (error) {
      await file.close().catch(() => undefined);
      await this.fs.unlink(path).catch(() => undefined);
      throw new WalError(`cannot create WAL segment ${path}: ${errorText(error)}`, { cause: error });
    }
    const old = this.file;
    this.file = file;
    this.segments.push({ base, path, size: 0 });
    // Its records were all fdatasynced before; a close error cannot lose them.
    await old.close().catch(() => undefined);
  }
}
