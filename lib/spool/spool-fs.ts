// The few file-system operations the segment log uses, behind one small
// interface: node:fs here, and in tests a memory twin that can crash at any
// byte or run out of space (test/helpers/memory-fs.ts), which no real disk
// lets a test do at will.
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, realpath, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { UnavailableError } from '../errors.js';

export interface SpoolFile {
  /** Writes at `position`; resolves with the bytes written, which may be fewer than asked. */
  write(data: Buffer, position: number): Promise<number>;
  /** Reads into `into` from `position`; resolves with the bytes read (0 at the end). */
  read(into: Buffer, position: number): Promise<number>;
  /** Data reaches the disk (fdatasync). */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface SpoolFs {
  /** Creates the directory and its parents. */
  mkdir(dir: string): Promise<void>;
  /** File names in the directory. */
  list(dir: string): Promise<string[]>;
  /** 'create': a new empty file to write (fails if it exists); 'write': an existing file to change; 'read': an existing file. */
  open(path: string, mode: 'create' | 'write' | 'read'): Promise<SpoolFile>;
  /** The whole file, or undefined when there is none. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Replaces `to` with `from` in one step. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; no error when it is already gone. */
  remove(path: string): Promise<void>;
  /** Makes created, renamed and removed entries of the directory durable. */
  syncDir(dir: string): Promise<void>;
  /** Takes the directory for this process; resolves with the release. */
  lock(dir: string): Promise<() => Promise<void>>;
}

class NodeFile implements SpoolFile {
  constructor(private readonly handle: FileHandle) {}

  async write(data: Buffer, position: number): Promise<number> {
    return (await this.handle.write(data, 0, data.length, position)).bytesWritten;
  }

  async read(into: Buffer, position: number): Promise<number> {
    return (await this.handle.read(into, 0, into.length, position)).bytesRead;
  }

  sync(): Promise<void> {
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

const LOCK_FILE = 'LOCK';
/** Directories this process holds: a lock file naming our own PID is stale only when it is not one of these. */
const heldHere = new Set<string>();

export const nodeSpoolFs: SpoolFs = {
  async mkdir(dir) {
    await mkdir(dir, { recursive: true });
  },
  list: (dir) => readdir(dir),
  async open(path, mode) {
    const flags = mode === 'create' ? constants.O_CREAT | constants.O_EXCL | constants.O_RDWR : mode === 'write' ? 'r+' : 'r';
    return new NodeFile(await open(path, flags));
  },
  async readFile(path) {
    try {
      return await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  },
  rename,
  async remove(path) {
    await rm(path, { force: true });
  },
  async syncDir(dir) {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  lock: lockDirectory,
};

/**
 * Two processes appending to one spool would interleave frames and delete each
 * other's segments, so a LOCK file holds the owner's process ID. A lock whose
 * process is gone (a crash) is taken over; so is one naming this very process,
 * which is what a container restarted on the same volume sees (always PID 1).
 */
async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const key = await realpath(dir);
  if (heldHere.has(key)) throw new UnavailableError(`spool directory ${dir} is already in use by this process`, { code: 'SPOOL_LOCKED' });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      heldHere.add(key);
      return async () => {
        heldHere.delete(key);
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new UnavailableError(`spool directory ${dir} is in use by process ${owner} (${path}); give each process its own spool.directory`, {
        code: 'SPOOL_LOCKED',
      });
    }
    await rm(path, { force: true }); // stale: its owner is gone
  }
  throw new UnavailableError(`could not lock the spool directory ${dir}`, { code: 'SPOOL_LOCKED' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, but not ours to signal
  }
}
