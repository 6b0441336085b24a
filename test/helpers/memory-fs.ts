// A SpoolFs in memory that does what no real disk does on demand: run out of
// space after N bytes (ENOSPC, with the last write cut short, as a real file
// system may), crash after N written bytes (the write in progress is torn and
// every later operation fails), lose what was never fsynced (a power loss),
// or fail any chosen operation. The segment log's tests use it to check
// recovery from every byte offset.
import { basename, dirname } from 'node:path';
import type { SpoolFile, SpoolFs } from '../../lib/spool/spool-fs.js';

export type FsOp = 'create' | 'write' | 'sync' | 'truncate' | 'read' | 'rename' | 'remove' | 'syncDir';

export class CrashError extends Error {
  constructor() {
    super('simulated crash');
    this.name = 'CrashError';
  }
}

function errno(code: string, what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${what}`), { code });
}

interface MemoryFileData {
  data: Buffer;
  /** Bytes known to be on disk (fsynced). */
  synced: number;
}

export interface MemoryFsOptions {
  /** Total bytes of all files; a write past it is cut short, then fails with ENOSPC. */
  capacityBytes?: number;
  /** After this many bytes written (all files together), the write in progress is torn and the "process" is dead. */
  crashAfterBytes?: number;
  /** Return an errno code to make that operation fail. */
  inject?: (op: FsOp, path: string) => string | undefined;
}

export class MemoryFs implements SpoolFs {
  readonly files = new Map<string, MemoryFileData>();
  capacityBytes: number;
  crashAfterBytes: number;
  inject: MemoryFsOptions['inject'];
  writtenBytes = 0;
  crashed = false;

  constructor(options: MemoryFsOptions = {}) {
    this.capacityBytes = options.capacityBytes ?? Infinity;
    this.crashAfterBytes = options.crashAfterBytes ?? Infinity;
    this.inject = options.inject;
  }

  usedBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.data.length;
    return n;
  }

  /**
   * What a new process would find. 'process': every written byte (the kernel
   * had it). 'power': each file keeps what was fsynced, plus a random part of
   * the rest (`cut` picks how much, from 0 to the unsynced length).
   */
  afterCrash(model: 'process' | 'power', lost: (unsynced: number) => { keep: number; zeroFrom?: number; zeroTo?: number } = () => ({ keep: 0 })): MemoryFs {
    const next = new MemoryFs();
    for (const [path, f] of this.files) {
      let data = Buffer.from(f.data);
      if (model === 'power' && f.synced < f.data.length) {
        // The unsynced part: a prefix of it may have reached the disk, possibly with a run of
        // zeros inside (pages written out of order).
        const unsynced = f.data.length - f.synced;
        const { keep, zeroFrom = 0, zeroTo = 0 } = lost(unsynced);
        data = data.subarray(0, f.synced + Math.min(unsynced, Math.max(0, keep)));
        if (zeroTo > zeroFrom) data.fill(0, Math.min(data.length, f.synced + zeroFrom), Math.min(data.length, f.synced + zeroTo));
      }
      next.files.set(path, { data, synced: data.length });
    }
    return next;
  }

  private check(op: FsOp, path: string): void {
    if (this.crashed) throw new CrashError();
    const code = this.inject?.(op, path);
    if (code) throw errno(code, `${op} ${path}`);
  }

  /** Bytes this write may put down: fewer when the disk fills or the crash point comes. */
  allowance(wanted: number, growth: number): number {
    let allowed = wanted;
    const room = this.capacityBytes - this.usedBytes();
    if (growth > room) allowed = Math.max(0, wanted - (growth - room));
    return Math.min(allowed, Math.max(0, this.crashAfterBytes - this.writtenBytes));
  }

  async mkdir(): Promise<void> {
    if (this.crashed) throw new CrashError();
  }

  async list(dir: string): Promise<string[]> {
    if (this.crashed) throw new CrashError();
    return [...this.files.keys()].filter((p) => dirname(p) === dir).map((p) => basename(p));
  }

  async open(path: string, mode: 'create' | 'write' | 'read'): Promise<SpoolFile> {
    this.check(mode === 'create' ? 'create' : 'read', path);
    const exists = this.files.has(path);
    if (mode === 'create') {
      if (exists) throw errno('EEXIST', path);
      this.files.set(path, { data: Buffer.alloc(0), synced: 0 });
    } else if (!exists) {
      throw errno('ENOENT', path);
    }
    return new MemoryFile(this, path, mode !== 'read');
  }

  file(path: string): MemoryFileData {
    const f = this.files.get(path);
    if (!f) throw errno('ENOENT', path);
    return f;
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    this.check('read', path);
    const f = this.files.get(path);
    return f ? Buffer.from(f.data) : undefined;
  }

  async rename(from: string, to: string): Promise<void> {
    this.check('rename', from);
    const f = this.file(from);
    this.files.delete(from);
    this.files.set(to, f);
  }

  async remove(path: string): Promise<void> {
    this.check('remove', path);
    this.files.delete(path);
  }

  async syncDir(dir: string): Promise<void> {
    this.check('syncDir', dir);
  }

  async lock(): Promise<() => Promise<void>> {
    if (this.crashed) throw new CrashError();
    return async () => undefined;
  }
}

class MemoryFile implements SpoolFile {
  private closed = false;

  constructor(
    private readonly fs: MemoryFs,
    private readonly path: string,
    private readonly writable: boolean,
  ) {}

  private data(op: FsOp): MemoryFileData {
    if (this.closed) throw errno('EBADF', this.path);
    if (this.fs.crashed) throw new CrashError();
    const code = this.fs.inject?.(op, this.path);
    if (code) throw errno(code, `${op} ${this.path}`);
    // A removed file stays readable through an open handle, as on POSIX; here it is simply gone.
    return this.fs.file(this.path);
  }

  async write(data: Buffer, position: number): Promise<number> {
    const f = this.data('write');
    if (!this.writable) throw errno('EBADF', this.path);
    const growth = Math.max(0, position + data.length - f.data.length);
    const n = this.fs.allowance(data.length, growth);
    if (n > 0) {
      const end = position + n;
      if (end > f.data.length) {
        const grown = Buffer.alloc(end);
        f.data.copy(grown);
        f.data = grown;
      }
      data.copy(f.data, position, 0, n);
      this.fs.writtenBytes += n;
    }
    if (n < data.length) {
      if (this.fs.writtenBytes >= this.fs.crashAfterBytes) {
        this.fs.crashed = true;
        throw new CrashError();
      }
      if (n === 0) throw errno('ENOSPC', this.path);
    }
    return n;
  }

  async read(into: Buffer, position: number): Promise<number> {
    const f = this.data('read');
    if (position >= f.data.length) return 0;
    return f.data.copy(into, 0, position, Math.min(f.data.length, position + into.length));
  }

  async sync(): Promise<void> {
    const f = this.data('sync');
    f.synced = f.data.length;
  }

  async truncate(length: number): Promise<void> {
    const f = this.data('truncate');
    if (!this.writable) throw errno('EBADF', this.path);
    f.data = Buffer.from(f.data.subarray(0, length));
    f.synced = Math.min(f.synced, length);
  }

  async size(): Promise<number> {
    return this.data('read').data.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
