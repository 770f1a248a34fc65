/**
 * The few file-system operations the WAL and the checkpoint need, behind an interface so tests can
 * inject failures (a failing `datasync`, a short write) and count syscalls without touching real disks
 * in unusual ways.
 *
 * @packageDocumentation
 */
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';

/** An open file. Positions are absolute byte offsets (positioned I/O, no shared file cursor). */
export interface WalFile {
  /** Writes all of `buffers` back to back at `position`; resolves once every byte is written. */
  writev(buffers: readonly Uint8Array[], position: number): Promise<void>;
  /** Reads up to `length` bytes into `buffer[offset…]` from `position`; resolves with the count read. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Flushes data and the metadata needed to read it back (the file size): `fdatasync(2)`. */
  datasync(): Promise<void>;
  /** Sets the file length. */
  truncate(length: number): Promise<void>;
  /** Current length in bytes. */
  size(): Promise<number>;
  close(): Promise<void>;
}

/** File-system facade used by the WAL and the checkpoint ({@link nodeFs} is the real one). */
export interface WalFs {
  /** Creates `dir` and its parents if missing. */
  mkdir(dir: string): Promise<void>;
  /** Names of the entries in `dir`. */
  readdir(dir: string): Promise<string[]>;
  /**
   * Opens `path`: `create` makes a new file (fails if it exists) for writing, `write` opens an existing
   * one for reading and writing, `read` for reading.
   */
  open(path: string, mode: 'create' | 'write' | 'read'): Promise<WalFile>;
  unlink(path: string): Promise<void>;
  /** Atomically replaces `to` with `from` (same directory). */
  rename(from: string, to: string): Promise<void>;
  /** fsyncs the directory itself, so created, renamed and deleted entries survive a power loss. */
  syncDir(dir: string): Promise<void>;
  /** Whether the process may create and write files in `dir`. */
  isWritableDir(dir: string): Promise<boolean>;
}

class NodeFile implements WalFile {
  constructor(private readonly handle: fsp.FileHandle) {}

  async writev(buffers: readonly Uint8Array[], position: number): Promise<void> {
    let pending = buffers.filter((b) => b.length > 0);
    let pos = position;
    // libuv already loops over IOV_MAX chunks, but a short write (e.g. a signal or a quota) must not be
    // mistaken for success: keep writing the remainder.
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending as Uint8Array[], pos);
      if (bytesWritten <= 0) throw new Error(`writev wrote ${bytesWritten} bytes at offset ${pos}`);
      pos += bytesWritten;
      let skip = bytesWritten;
      let i = 0;
      while (i < pending.length && skip >= pending[i]!.length) skip -= pending[i++]!.length;
      pending = pending.slice(i);
      if (skip > 0 && pending.length > 0) pending[0] = pending[0]!.subarray(skip);
    }
  }

  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buffer, offset, length, position);
    return bytesRead;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system (`node:fs/promises`). */
export const nodeFs: WalFs = {
  async mkdir(dir) {
    await fsp.mkdir(dir, { recursive: true });
  },
  readdir(dir) {
    return fsp.readdir(dir);
  },
  async open(path, mode) {
    const flags = mode === 'create' ? 'wx' : mode === 'write' ? 'r+' : 'r';
    return new NodeFile(await fsp.open(path, flags));
  },
  unlink(path) {
    return fsp.unlink(path);
  },
  rename(from, to) {
    return fsp.rename(from, to);
  },
  async syncDir(dir) {
    const handle = await fsp.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async isWritableDir(dir) {
    try {
      await fsp.access(dir, constants.W_OK | constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};
