import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalCorruptionError } from './errors';
import { encodeRecord, HEADER_BYTES, legacyRecordCrc, readHeader, writeHeader } from './framing';
import { nodeFs, type WalFile, type WalFs } from './fs';
import { segmentName, WriteAheadLog, type WalLogger, type WalOptions } from './wal';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meterline-wal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deterministic pseudo-random payload of `n` bytes for record `i`. */
function payload(i: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (i + 1) * 2654435761;
  for (let k = 0; k < n; k++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    out[k] = x >>> 24;
  }
  return out;
}

async function collect(wal: WriteAheadLog, afterSeq = 0) {
  const out: { seq: number; payload: Uint8Array }[] = [];
  for await (const r of wal.replay(afterSeq)) out.push({ seq: r.seq, payload: Uint8Array.from(r.payload) });
  return out;
}

function recordingLogger(): WalLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (_details, message) => messages.push(message) };
}

interface Hooks {
  writev?: (path: string, buffers: readonly Uint8Array[], position: number, real: WalFile) => Promise<void>;
  datasync?: (path: string) => Promise<void> | void;
  truncate?: (path: string) => Promise<void> | void;
}

/** The real file system with counters and failure hooks. */
function instrumentedFs(hooks: Hooks = {}): WalFs & { syncs: number; writes: number } {
  const counters = { syncs: 0, writes: 0 };
  const fs: WalFs & typeof counters = Object.assign(counters, {
    ...nodeFs,
    async open(path: string, mode: 'create' | 'write' | 'read'): Promise<WalFile> {
      const real = await nodeFs.open(path, mode);
      return {
        async writev(buffers, position) {
          counters.writes++;
          if (hooks.writev) return hooks.writev(path, buffers, position, real);
          return real.writev(buffers, position);
        },
        read: (b, o, l, p) => real.read(b, o, l, p),
        async datasync() {
          counters.syncs++;
          await hooks.datasync?.(path);
          return real.datasync();
        },
        async truncate(length) {
          await hooks.truncate?.(path);
          return real.truncate(length);
        },
        size: () => real.size(),
        close: () => real.close(),
      };
    },
  });
  return fs;
}

const open = (opts: WalOptions = {}) => WriteAheadLog.open(dir, { logger: recordingLogger(), ...opts });
const segmentFiles = async () => (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();

describe('WriteAheadLog framing and replay', () => {
  it('round-trips many small and a few large records, in order', async () => {
    const wal = await open();
    const sizes = Array.from({ length: 2000 }, (_, i) => (i % 97) * 3);
    sizes.splice(500, 0, 1 << 20, 64 * 1024, 64 * 1024 - 1, 0, 3 << 20);
    const seqs = await Promise.all(sizes.map((n, i) => wal.append(payload(i, n))));
    expect(seqs).toEqual(sizes.map((_, i) => i + 1));
    expect(wal.lastSeq).toBe(sizes.length);
    expect(wal.bytes).toBe(sizes.reduce((s, n) => s + n + HEADER_BYTES, 0));
    const records = await collect(wal);
    expect(records.map((r) => r.seq)).toEqual(seqs);
    records.forEach((r, i) => expect(Buffer.from(r.payload).equals(payload(i, sizes[i]!))).toBe(true));
    expect((await collect(wal, 1500)).map((r) => r.seq)).toEqual(seqs.slice(1500));
    await wal.close();
  });

  it('writes a record given as payload + tail exactly as the same bytes given as one payload', async () => {
    // Small and large (own iovec) records, heads small enough to share the header buffer and not.
    const shapes: [number, number][] = [
      [12, 5],
      [12, 200 * 1024],
      [0, 70 * 1024],
      [300, 70 * 1024],
      [700, 10],
      [12, 0],
    ];
    const joined = await open();
    for (const [i, [h, t]] of shapes.entries()) await joined.append(payload(i, h + t));
    await joined.close();
    const expected = await readFile(join(dir, segmentName(1)));
    await rm(dir, { recursive: true, force: true });
    const split = await open();
    const seqs = await Promise.all(
      shapes.map(([h, t], i) => {
        const p = payload(i, h + t);
        return split.append(p.subarray(0, h), p.subarray(h));
      }),
    );
    expect(seqs).toEqual(shapes.map((_, i) => i + 1));
    expect(split.bytes).toBe(expected.length);
    const records = await collect(split);
    records.forEach((r, i) =>
      expect(Buffer.from(r.payload).equals(payload(i, shapes[i]![0] + shapes[i]![1]))).toBe(true),
    );
    await split.close();
    expect((await readFile(join(dir, segmentName(1)))).equals(expected)).toBe(true);
    const small = await open({ maxRecordBytes: 100 });
    await expect(small.append(new Uint8Array(60), new Uint8Array(41))).rejects.toThrow(
      'WAL record of 101 bytes exceeds maxRecordBytes 100',
    );
    await small.close();
  });

  it('writes the documented little-endian framing', async () => {
    const wal = await open();
    await wal.append(new Uint8Array([1, 2, 3]));
    await wal.close();
    const bytes = await readFile(join(dir, segmentName(1)));
    expect(bytes.length).toBe(HEADER_BYTES + 3);
    expect(readHeader(bytes, 0)).toEqual({ length: 3, crc: expect.any(Number), seq: 1 });
    expect(bytes.equals(Buffer.from(encodeRecord(1, new Uint8Array([1, 2, 3]))))).toBe(true);
  });

  it('replays a segment written by 0.1.x (CRC-32C records) and appends after it', async () => {
    const legacy = (seq: number, p: Uint8Array) => {
      const out = new Uint8Array(HEADER_BYTES + p.length);
      writeHeader(out, 0, seq, p.length, legacyRecordCrc(seq, p));
      out.set(p, HEADER_BYTES);
      return out;
    };
    await writeFile(
      join(dir, segmentName(1)),
      Buffer.concat([legacy(1, payload(1, 20)), legacy(2, payload(2, 30))]),
    );
    const wal = await open();
    expect(await wal.append(payload(3, 10))).toBe(3);
    const seen: number[] = [];
    for await (const r of wal.replay()) {
      expect(Buffer.from(r.payload).equals(payload(r.seq, [20, 30, 10][r.seq - 1]!))).toBe(true);
      seen.push(r.seq);
    }
    expect(seen).toEqual([1, 2, 3]);
    await wal.close();
  });

  it('rotates segments at segmentBytes and replays across them in order', async () => {
    const wal = await open({ segmentBytes: 4096 });
    const seqs: number[] = [];
    for (let i = 0; i < 50; i++)
      seqs.push(...(await Promise.all([0, 1, 2].map((k) => wal.append(payload(i * 3 + k, 150))))));
    expect(seqs).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    const files = await segmentFiles();
    expect(files.length).toBeGreaterThan(5);
    expect(wal.segmentCount).toBe(files.length);
    for (const f of files) expect((await stat(join(dir, f))).size).toBeLessThanOrEqual(4096);
    // Each file is named after its first record.
    for (const f of files) {
      const head = await readFile(join(dir, f));
      expect(segmentName(readHeader(head, 0).seq)).toBe(f);
    }
    expect((await collect(wal)).map((r) => r.seq)).toEqual(seqs);
    expect((await collect(wal, 77)).map((r) => r.seq)).toEqual(seqs.slice(77));
    await wal.close();
    const again = await open({ segmentBytes: 4096 });
    const records = await collect(again);
    records.forEach((r, i) => expect(Buffer.from(r.payload).equals(payload(i, 150))).toBe(true));
    await again.close();
  });

  it('gives a record larger than segmentBytes a segment of its own', async () => {
    const wal = await open({ segmentBytes: 1024 });
    await wal.append(payload(0, 10));
    await wal.append(payload(1, 5000));
    await wal.append(payload(2, 10));
    expect(await segmentFiles()).toEqual([segmentName(1), segmentName(2), segmentName(3)]);
    expect((await collect(wal)).map((r) => r.payload.length)).toEqual([10, 5000, 10]);
    await wal.close();
  });

  it('continues sequence numbers after reopening', async () => {
    let wal = await open();
    for (let i = 0; i < 10; i++) await wal.append(payload(i, 20));
    await wal.close();
    wal = await open();
    expect(wal.lastSeq).toBe(10);
    expect(await wal.append(payload(10, 20))).toBe(11);
    await wal.close();
    wal = await open({ minNextSeq: 100 });
    expect(await wal.append(payload(11, 20))).toBe(100);
    expect((await collect(wal)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100]);
    await wal.close();
  });

  it('rejects oversized records and appends after close', async () => {
    const wal = await open({ maxRecordBytes: 100 });
    await expect(wal.append(new Uint8Array(101))).rejects.toThrow('exceeds maxRecordBytes 100');
    expect(await wal.append(new Uint8Array(100))).toBe(1);
    await wal.close();
    await expect(wal.append(new Uint8Array(1))).rejects.toThrow('is closed');
    expect(await wal.isWritable()).toBe(false);
  });
});

describe('WriteAheadLog truncation', () => {
  it('deletes only segments whose records are all ≤ seq and keeps the rest replayable', async () => {
    const wal = await open({ segmentBytes: 1000 });
    // 100-byte payloads → 116-byte records → 8 per segment.
    for (let i = 0; i < 40; i++) await wal.append(payload(i, 100));
    const before = await segmentFiles();
    expect(before).toEqual([1, 9, 17, 25, 33].map(segmentName));
    const bytesBefore = wal.bytes;

    expect(await wal.truncateThrough(16)).toBe(2);
    expect(await segmentFiles()).toEqual([17, 25, 33].map(segmentName));
    expect(wal.firstSeq).toBe(17);
    expect(wal.bytes).toBe(bytesBefore - 16 * 116);
    expect(await wal.truncateThrough(20)).toBe(0); // segment 17..24 still holds 21..24
    expect((await collect(wal, 20)).map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 21 + i));
    expect((await collect(wal)).map((r) => r.seq)[0]).toBe(17);

    // Everything checkpointed: the active segment is rotated away, an empty one remains.
    expect(await wal.truncateThrough(40)).toBe(3);
    expect(await segmentFiles()).toEqual([segmentName(41)]);
    expect(wal.bytes).toBe(0);
    expect(wal.firstSeq).toBe(41);
    expect(wal.lastSeq).toBe(40);
    expect(await collect(wal)).toEqual([]);
    expect(await wal.append(payload(40, 100))).toBe(41);
    await wal.close();

    const again = await open({ segmentBytes: 1000 });
    expect(again.lastSeq).toBe(41);
    expect(await again.append(payload(41, 100))).toBe(42);
    expect((await collect(again)).map((r) => r.seq)).toEqual([41, 42]);
    await again.close();
  });

  it('keeps numbering after everything was truncated and the process restarted', async () => {
    const wal = await open();
    for (let i = 0; i < 5; i++) await wal.append(payload(i, 10));
    await wal.truncateThrough(5);
    await wal.close();
    const again = await open();
    expect(again.lastSeq).toBe(5);
    expect(again.firstSeq).toBe(6);
    expect(await again.append(payload(5, 10))).toBe(6);
    await again.close();
  });

  it('never deletes records still being committed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fs = instrumentedFs({ datasync: () => gate });
    const wal = await open({ fs, segmentBytes: 1000 });
    const pending = [wal.append(payload(0, 10)), wal.append(payload(1, 10))];
    await new Promise((r) => setImmediate(r)); // the group is now waiting in fdatasync
    const truncated = wal.truncateThrough(2);
    expect(wal.firstSeq).toBe(1);
    release();
    expect(await Promise.all(pending)).toEqual([1, 2]);
    expect(await truncated).toBe(1);
    expect(wal.firstSeq).toBe(3);
    await wal.close();
  });
});

describe('WriteAheadLog crash repair', () => {
  async function writeTen(opts: WalOptions = {}) {
    const wal = await open({ segmentBytes: 1000, ...opts });
    for (let i = 0; i < 10; i++) await wal.append(payload(i, 100)); // segments 1..8, 9..10
    await wal.close();
    return join(dir, segmentName(9));
  }

  it('truncates a torn tail (file cut mid-record) and keeps earlier records', async () => {
    const last = await writeTen();
    await truncate(last, 116 + 50);
    const logger = recordingLogger();
    const wal = await open({ segmentBytes: 1000, logger });
    expect(logger.messages).toEqual([
      expect.stringContaining(`truncating torn or corrupt tail of ${last} at offset 116`),
    ]);
    expect(wal.stats.repairedTails).toBe(1);
    expect((await stat(last)).size).toBe(116);
    expect(wal.lastSeq).toBe(9);
    expect(await wal.append(payload(99, 7))).toBe(10);
    const records = await collect(wal);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Buffer.from(records[8]!.payload).equals(payload(8, 100))).toBe(true);
    expect(records[9]!.payload.length).toBe(7);
    await wal.close();
  });

  it('truncates a last record whose payload was flipped', async () => {
    const last = await writeTen();
    const bytes = await readFile(last);
    bytes[116 + HEADER_BYTES + 40]! ^= 0x10;
    await writeFile(last, bytes);
    const logger = recordingLogger();
    const wal = await open({ logger });
    expect(logger.messages[0]).toMatch(/offset 116 \(CRC mismatch \(record seq 10\)\); 116 bytes dropped/);
    expect((await collect(wal)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await wal.close();
  });

  it('truncates trailing zeros (size updated, data never written)', async () => {
    const last = await writeTen();
    await appendFile(last, new Uint8Array(4096));
    const wal = await open();
    expect(wal.lastSeq).toBe(10);
    expect((await stat(last)).size).toBe(232);
    await wal.close();
  });

  it('reports a corrupt record in an older segment with its file and offset', async () => {
    await writeTen();
    const first = join(dir, segmentName(1));
    const bytes = await readFile(first);
    bytes[3 * 116 + HEADER_BYTES + 5]! ^= 0xff;
    await writeFile(first, bytes);
    const wal = await open();
    const seen: number[] = [];
    const error = await (async () => {
      try {
        for await (const r of wal.replay()) seen.push(r.seq);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(WalCorruptionError);
    expect(error).toMatchObject({ file: first, offset: 348 });
    expect((error as Error).message).toBe(
      `corrupt WAL record in ${first} at offset 348: CRC mismatch (record seq 4)`,
    );
    expect(seen).toEqual([1, 2, 3]);
    await wal.close();

    const logger = recordingLogger();
    const skipping = await open({ skipCorrupt: true, logger });
    expect((await collect(skipping)).map((r) => r.seq)).toEqual([1, 2, 3, 9, 10]);
    expect(logger.messages).toEqual([expect.stringContaining(`skipping the rest of ${first}`)]);
    await skipping.close();
  });

  it('reports a record numbered out of order in an older segment', async () => {
    const wal = await open({ segmentBytes: 1000 });
    await wal.append(payload(0, 10));
    await wal.close();
    // Forge a record that belongs after the next segment's base.
    await appendFile(join(dir, segmentName(1)), encodeRecord(7, payload(1, 10)));
    await writeFile(join(dir, segmentName(5)), encodeRecord(5, payload(2, 10)));
    const again = await open();
    await expect(collect(again)).rejects.toThrow(
      `corrupt WAL record in ${join(dir, segmentName(1))} at offset 26: sequence 7 belongs to a later segment (≥ 5)`,
    );
    await again.close();
  });
});

describe('WriteAheadLog group commit and failures', () => {
  it('numbers concurrent appends in call order and commits them in few fsyncs', async () => {
    const fs = instrumentedFs();
    const wal = await open({ fs });
    const syncsAtOpen = fs.syncs;
    const seqs = await Promise.all(Array.from({ length: 500 }, (_, i) => wal.append(payload(i, 50))));
    expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(fs.syncs - syncsAtOpen).toBe(1);
    expect(wal.stats).toMatchObject({ groupCommits: 1, records: 500 });
    await wal.close();
  });

  it('groups appends that arrive while an fsync is in flight into the next commit', async () => {
    let release!: () => void;
    let gate: Promise<void> | undefined = new Promise<void>((r) => (release = r));
    const fs = instrumentedFs({
      datasync: async () => {
        const g = gate;
        gate = undefined;
        await g;
      },
    });
    const wal = await open({ fs });
    const syncsAtOpen = fs.syncs;
    const first = wal.append(payload(0, 10));
    await new Promise((r) => setImmediate(r)); // first group is now in its fsync
    const later: Promise<number>[] = [];
    for (let i = 1; i <= 100; i++) {
      later.push(wal.append(payload(i, 10)));
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    release();
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
    expect(fs.syncs - syncsAtOpen).toBe(2);
    await wal.close();
  });

  it('rejects the whole group when fdatasync fails, then keeps working', async () => {
    let fail = false;
    const fs = instrumentedFs({
      datasync: () => {
        if (fail) {
          fail = false;
          throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
        }
      },
    });
    const wal = await open({ fs });
    expect(await wal.append(payload(0, 10))).toBe(1);
    fail = true;
    const group = Array.from({ length: 5 }, (_, i) => wal.append(payload(100 + i, 10)));
    const results = await Promise.allSettled(group);
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    expect((results[0] as PromiseRejectedResult).reason.message).toMatch(
      /WAL write of 5 record\(s\) \(seq 2–6\) to .*wal-0000000000000001\.log at offset 26 failed: EIO/,
    );
    expect(wal.stats.failedGroups).toBe(1);
    expect(await wal.isWritable()).toBe(true);
    // The failed numbers are reused: nothing was numbered after them.
    expect(await wal.append(payload(1, 10))).toBe(2);
    expect((await collect(wal)).map((r) => r.seq)).toEqual([1, 2]);
    expect(wal.bytes).toBe(52);
    await wal.close();
    const again = await open();
    expect((await collect(again)).map((r) => r.payload)).toEqual([payload(0, 10), payload(1, 10)]);
    await again.close();
  });

  it('cuts off a partially written group and keeps a gap when later appends were already numbered', async () => {
    let fail = true;
    const fs = instrumentedFs({
      writev: async (_path, buffers, position, real) => {
        if (!fail) return real.writev(buffers, position);
        fail = false;
        await real.writev([buffers[0]!.subarray(0, 30)], position); // half a record lands
        throw new Error('ENOSPC: no space left on device, write');
      },
    });
    const wal = await open({ fs });
    const a = wal.append(payload(0, 40));
    await new Promise((r) => setImmediate(r));
    const b = wal.append(payload(1, 40)); // numbered while the first group is failing
    await expect(a).rejects.toThrow('ENOSPC');
    expect(await b).toBe(2);
    expect(await wal.append(payload(2, 40))).toBe(3);
    await wal.close();
    const again = await open();
    expect(again.stats.repairedTails).toBe(0);
    expect((await collect(again)).map((r) => r.seq)).toEqual([2, 3]);
    await again.close();
  });

  it('fails permanently when the file cannot be cut back after a failed write', async () => {
    const fs = instrumentedFs({
      datasync: () => {
        throw new Error('EIO: i/o error, fsync');
      },
      truncate: () => {
        throw new Error('EROFS: read-only file system');
      },
    });
    const wal = await open({ fs });
    await expect(wal.append(payload(0, 10))).rejects.toThrow('EIO');
    expect(await wal.isWritable()).toBe(false);
    await expect(wal.append(payload(1, 10))).rejects.toThrow(/failed permanently: cannot truncate .* EROFS/);
    await wal.close();
  });

  it('close waits for the in-flight commit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const fs = instrumentedFs({
      datasync: async () => {
        if (first) {
          first = false;
          await gate;
        }
      },
    });
    const wal = await open({ fs });
    // open's own syncs happened before; the next datasync is the commit's.
    first = true;
    const append = wal.append(payload(0, 10));
    await new Promise((r) => setImmediate(r));
    let closed = false;
    const closing = wal.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(await append).toBe(1);
  });

  it('reports when it is over the high-water mark', async () => {
    const wal = await open({ highWaterBytes: 1000 });
    await wal.append(payload(0, 900));
    expect(wal.overHighWater()).toBe(false);
    await wal.append(payload(1, 100));
    expect(wal.overHighWater()).toBe(true);
    await wal.truncateThrough(2);
    expect(wal.overHighWater()).toBe(false);
    await wal.close();
  });
});
