/**
 * Sequential, validating reader of one WAL segment file. Used on open (to find the valid end of the
 * last segment) and on replay.
 *
 * @packageDocumentation
 */
import type { WalFile } from './fs';
import { HEADER_BYTES, readHeader, recordCrcMatches } from './framing';

/** A record read back from a segment. `payload` is a view into a read buffer: copy it to keep it long. */
export interface ReadRecord {
  seq: number;
  payload: Uint8Array;
  /** Byte offset of the record's header in the file. */
  offset: number;
}

/** Where and why validation stopped. */
export interface Corruption {
  offset: number;
  reason: string;
}

/** Which sequence numbers a segment may hold. */
export interface SeqBounds {
  /** The segment's base (from its name): every record's seq is ≥ this. */
  minSeq: number;
  /** The next segment's base, when there is one: every record's seq is < this. */
  maxSeqExclusive?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Reads records from `[0, limit)` of a file in large chunks. `next()` resolves `undefined` at the end
 * of valid data; {@link SegmentReader.corruption} then says whether it stopped at a bad record.
 */
export class SegmentReader {
  /** Set when reading stopped at an invalid record rather than at `limit`. */
  corruption: Corruption | undefined;
  /** Sequence number of the last valid record read (0 before any). */
  lastSeq = 0;
  /** Offset just past the last valid record. */
  validEnd = 0;

  private buf: Uint8Array = EMPTY;
  /** File offset of `buf[0]`. */
  private bufStart = 0;
  /** Valid bytes in `buf`. */
  private bufLen = 0;

  constructor(
    private readonly file: WalFile,
    private readonly limit: number,
    private readonly bounds: SeqBounds,
    private readonly chunkBytes = 1 << 20,
  ) {}

  /** The next valid record, or `undefined` at the end of the data or at the first invalid record. */
  async next(): Promise<ReadRecord | undefined> {
    if (this.corruption) return undefined;
    const offset = this.validEnd;
    const left = this.limit - offset;
    if (left === 0) return undefined;
    if (left < HEADER_BYTES) return this.fail(offset, `truncated header: ${left} of ${HEADER_BYTES} bytes`);
    if (!(await this.ensure(offset, HEADER_BYTES)))
      return this.fail(offset, 'file ends before the expected size');
    const { length, crc, seq } = readHeader(this.buf, offset - this.bufStart);
    if (length > left - HEADER_BYTES)
      return this.fail(offset, `record length ${length} exceeds the ${left - HEADER_BYTES} bytes left`);
    if (!(await this.ensure(offset, HEADER_BYTES + length)))
      return this.fail(offset, 'file ends before the expected size');
    const at = offset - this.bufStart + HEADER_BYTES;
    const payload = this.buf.subarray(at, at + length);
    if (Number.isNaN(seq)) return this.fail(offset, 'sequence number above 2^53');
    if (!recordCrcMatches(seq, payload, crc)) return this.fail(offset, `CRC mismatch (record seq ${seq})`);
    if (seq <= this.lastSeq || seq < this.bounds.minSeq)
      return this.fail(
        offset,
        `sequence ${seq} out of order (previous ${this.lastSeq}, segment starts at ${this.bounds.minSeq})`,
      );
    if (this.bounds.maxSeqExclusive !== undefined && seq >= this.bounds.maxSeqExclusive)
      return this.fail(
        offset,
        `sequence ${seq} belongs to a later segment (≥ ${this.bounds.maxSeqExclusive})`,
      );
    this.lastSeq = seq;
    this.validEnd = offset + HEADER_BYTES + length;
    return { seq, payload, offset };
  }

  private fail(offset: number, reason: string): undefined {
    this.corruption = { offset, reason };
    return undefined;
  }

  /**
   * Makes `buf` hold file bytes `[offset, offset + n)`. A refill allocates a fresh buffer (carrying the
   * unread tail over) instead of overwriting, so payload views handed out earlier stay valid.
   */
  private async ensure(offset: number, n: number): Promise<boolean> {
    if (offset >= this.bufStart && offset + n <= this.bufStart + this.bufLen) return true;
    const carried = Math.max(0, this.bufStart + this.bufLen - offset);
    const size = Math.min(Math.max(this.chunkBytes, n), this.limit - offset);
    const next = new Uint8Array(size);
    if (carried > 0) next.set(this.buf.subarray(offset - this.bufStart, this.bufLen));
    let filled = carried;
    while (filled < size) {
      const got = await this.file.read(next, filled, size - filled, offset + filled);
      if (got === 0) break;
      filled += got;
    }
    this.buf = next;
    this.bufStart = offset;
    this.bufLen = filled;
    return filled >= n;
  }
}
