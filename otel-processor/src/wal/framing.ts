/**
 * On-disk framing of a WAL record, all little-endian:
 *
 * ```
 * [u32 payload length][u32 CRC-32 of (seq bytes + payload)][u64 seq][payload]
 * ```
 *
 * The CRC is zlib's CRC-32, computed natively (several GB/s: it runs over every request body on the
 * pricing thread). Records written before it (0.1.x) carry a CRC-32C, which reading still accepts.
 *
 * The CRC covers the sequence number so a record copied to the wrong place (or a stale block) fails
 * validation; the length is outside the CRC because it is needed to find the CRC's extent, and a bad
 * length is caught either by the bounds check or by the CRC of the bytes it points at.
 *
 * Sequence numbers are JavaScript numbers (safe integers, up to 2^53 − 1 records) stored as u64.
 *
 * @packageDocumentation
 */
import { crc32 } from 'node:zlib';
import { crc32c } from './crc32c';

/** Bytes before the payload. */
export const HEADER_BYTES = 16;

const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

function seqBytes(seq: number): Uint8Array {
  scratchView.setUint32(0, seq >>> 0, true);
  scratchView.setUint32(4, Math.floor(seq / 0x1_0000_0000), true);
  return scratch;
}

/** CRC-32 of a record: its 8 sequence bytes followed by the payload. */
export function recordCrc(seq: number, payload: Uint8Array): number {
  return crc32(payload, crc32(seqBytes(seq)));
}

/** `crc` (from {@link recordCrc}) continued over `more` bytes of the same payload. */
export function continueRecordCrc(crc: number, more: Uint8Array): number {
  return crc32(more, crc);
}

/** The CRC-32C a record written by 0.1.x carries (see the module comment). */
export function legacyRecordCrc(seq: number, payload: Uint8Array): number {
  return crc32c(payload, 0, payload.length, crc32c(seqBytes(seq)));
}

/** Whether `crc` is the record's CRC (or, for a record written by 0.1.x, its CRC-32C). */
export function recordCrcMatches(seq: number, payload: Uint8Array, crc: number): boolean {
  return recordCrc(seq, payload) === crc || legacyRecordCrc(seq, payload) === crc;
}

/** Writes a record header into `out` at `offset`. */
export function writeHeader(out: Uint8Array, offset: number, seq: number, length: number, crc: number): void {
  const view = new DataView(out.buffer, out.byteOffset + offset, HEADER_BYTES);
  view.setUint32(0, length, true);
  view.setUint32(4, crc, true);
  view.setUint32(8, seq >>> 0, true);
  view.setUint32(12, Math.floor(seq / 0x1_0000_0000), true);
}

/** Encodes a whole record (header + payload) into a new buffer. */
export function encodeRecord(seq: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  writeHeader(out, 0, seq, payload.length, recordCrc(seq, payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

/** A decoded header. `seq` is `NaN` when the stored u64 exceeds 2^53 − 1. */
export interface RecordHeader {
  length: number;
  crc: number;
  seq: number;
}

/** Reads the header at `bytes[offset…offset + 16)`. */
export function readHeader(bytes: Uint8Array, offset: number): RecordHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES);
  const hi = view.getUint32(12, true);
  return {
    length: view.getUint32(0, true),
    crc: view.getUint32(4, true),
    seq: hi >= 0x20_0000 ? NaN : hi * 0x1_0000_0000 + view.getUint32(8, true),
  };
}
